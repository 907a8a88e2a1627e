require ["imap4flags", "fileinto"];
fileinto :flags "\\Seen" "Archive";
