require ["variables","envelope","subaddress"];
if envelope :matches :detail "to" "*" { set "d" "${1}"; fileinto "lists/${d}"; }
