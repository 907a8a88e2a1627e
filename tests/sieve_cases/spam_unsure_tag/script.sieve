# The spam plugin tags borderline mail `spam-unsure` (between unsure_threshold and threshold).
require ["environment", "fileinto", "mailbox"];
if environment :contains "vnd.mailsift.tags" "spam-unsure" { fileinto :create "Unsure"; }
