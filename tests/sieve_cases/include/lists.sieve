require ["fileinto", "mailbox"];
if address :is "from" "alice@remote.test" { fileinto :create "Friends"; }
