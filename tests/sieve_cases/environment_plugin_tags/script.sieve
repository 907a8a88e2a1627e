require ["environment", "fileinto", "mailbox"];
if environment :contains "vnd.mailsift.tags" "newsletter" { fileinto :create "Newsletters"; }
