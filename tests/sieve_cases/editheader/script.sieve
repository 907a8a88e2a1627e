require ["editheader"];
addheader "X-Sorted-By" "my script";
deleteheader "X-Remove-Me";
