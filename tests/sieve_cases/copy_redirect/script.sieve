require ["copy"];
redirect :copy "bob@elsewhere.test";
