# comment
/* block */ keep;
