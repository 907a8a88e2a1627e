require ["include"]; include :personal "other"; return;
