require ["ihave", "fileinto", "mailbox"];
if ihave "imap4flags" { fileinto :create "HasFlags"; }
