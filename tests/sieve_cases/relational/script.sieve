require ["relational", "fileinto", "mailbox", "comparator-i;ascii-numeric"];
if header :value "ge" :comparator "i;ascii-numeric" "x-priority" "3" { fileinto :create "LowPriority"; }
