require ["index", "fileinto", "mailbox"];
if header :index 2 :contains "received" "relay2" { fileinto :create "ViaRelay2"; }
