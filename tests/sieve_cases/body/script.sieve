require ["body", "fileinto", "mailbox"];
if body :text :contains "invoice attached" { fileinto :create "Invoices"; }
