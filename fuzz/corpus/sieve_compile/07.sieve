redirect "b@example.net";
