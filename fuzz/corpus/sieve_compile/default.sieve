# Mailsift's default `after` script: runs for a recipient when neither the administrator's
# `before` script nor the user's own script took an explicit filing action. It files by the
# plugins' tags (the `environment` extension exposes them as "vnd.mailsift.tags"):
#   spam → Junk, promotion → Promotions, social → SocialNetworks.
# Replace it with [sieve] after = "/path/to/script.sieve".
require ["fileinto", "environment", "relational", "comparator-i;ascii-numeric"];

if environment :contains "vnd.mailsift.tags" "spam" {
    fileinto "Junk";
} elsif environment :contains "vnd.mailsift.tags" "promotion" {
    fileinto "Promotions";
} elsif environment :contains "vnd.mailsift.tags" "social" {
    fileinto "SocialNetworks";
}
