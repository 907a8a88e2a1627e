require ["subaddress", "envelope", "fileinto", "mailbox"];
if envelope :detail "to" "shopping" { fileinto :create "Shopping"; }
