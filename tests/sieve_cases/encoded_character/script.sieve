require ["encoded-character", "fileinto", "mailbox"];
if header :contains "subject" "${hex:43 61 66 c3 a9}" { fileinto :create "Cafe"; }
