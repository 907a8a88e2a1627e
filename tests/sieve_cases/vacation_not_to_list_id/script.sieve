require "vacation";
vacation :days 1 :subject "Out of office" "I am away until Monday.";
