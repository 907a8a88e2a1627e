if header :regex "subject" "^\\[(.*)\\]" { keep; }
