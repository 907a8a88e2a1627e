require "fileinto";
if header :contains "subject" "report" { fileinto "Archive"; }
