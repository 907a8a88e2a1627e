require ["date", "fileinto", "mailbox", "relational"];
if date :value "ge" "date" "year" "2026" { fileinto :create "ThisYear"; }
