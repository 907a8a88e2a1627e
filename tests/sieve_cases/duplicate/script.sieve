require ["duplicate", "fileinto", "mailbox"];
if duplicate { fileinto :create "Duplicates"; }
