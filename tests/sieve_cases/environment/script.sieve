require ["environment", "fileinto", "mailbox"];
if environment :is "domain" "mx.example.org" { fileinto :create "Env"; }
