require ["regex", "fileinto", "mailbox"];
if header :regex "subject" "^Order #[0-9]+$" { fileinto :create "Orders"; }
