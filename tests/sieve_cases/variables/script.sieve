require ["variables", "fileinto", "mailbox"];
if header :matches "subject" "[*] *" { set :lower "list" "${1}"; fileinto :create "Lists/${list}"; }
