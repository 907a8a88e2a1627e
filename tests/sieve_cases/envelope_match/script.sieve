require ["envelope", "fileinto", "mailbox"];
if envelope :localpart :is "from" "sender" { fileinto :create "FromSender"; }
