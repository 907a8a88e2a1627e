require ["reject", "envelope"];
if envelope :is "to" "bob@example.org" { reject "Not for me"; }
