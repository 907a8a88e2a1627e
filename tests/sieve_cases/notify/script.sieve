require ["enotify"];
notify :message "New mail from Alice" "mailto:bob@phone.test";
