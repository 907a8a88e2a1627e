require ["imap4flags"];
setflag "\\Flagged";
addflag "$Important";
