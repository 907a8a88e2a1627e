require ["fileinto", "mailbox"];
fileinto :create "Lists/Rust";
