require ["fileinto", "reject"];
if header :contains "subject" "money" { fileinto "Spam"; stop; }
elsif address :is :domain "from" "example.com" { reject "go away"; }
else { keep; }
