require ["virustest", "fileinto", "mailbox", "relational", "comparator-i;ascii-numeric"];
if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto :create "Quarantine"; }
