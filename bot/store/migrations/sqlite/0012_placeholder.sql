-- placeholder: replaced by main's 0012 at merge
SELECT 1;
