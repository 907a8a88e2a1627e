require ["envelope", "fileinto"];
if envelope :domain :is "from" "remote.test" { fileinto "Remote"; }
