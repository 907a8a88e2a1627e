# The spam plugin tags borderline mail `unsure` (between unsure_threshold and threshold).
require ["environment", "fileinto", "mailbox"];
if environment :contains "vnd.mailsift.tags" "unsure" { fileinto :create "Unsure"; }
