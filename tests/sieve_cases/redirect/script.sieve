redirect "forward@elsewhere.test";
