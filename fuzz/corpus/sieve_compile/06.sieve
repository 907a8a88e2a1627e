require ["editheader","imap4flags","relational","comparator-i;ascii-numeric"];
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5" { addheader "X-Spam" "yes"; setflag "\\Junk"; }
