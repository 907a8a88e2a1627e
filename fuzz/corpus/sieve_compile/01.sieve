require ["vacation"];
vacation :days 7 :addresses ["a@example.org"] :subject "Away" "I am away";
