require ["extlists", "fileinto", "mailbox"];
if address :list "from" "mailsift:allow" { fileinto :create "Allowed"; } else { fileinto :create "Unlisted"; }
