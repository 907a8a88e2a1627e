require "imap4flags";
addflag "$Seen-By-Script";
