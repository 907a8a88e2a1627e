require "body"; if body :text :contains "unsubscribe" { addflag "\\Seen"; }
