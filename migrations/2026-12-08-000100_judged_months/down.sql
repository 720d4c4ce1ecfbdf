DROP INDEX judged_cases_start;
DROP INDEX judged_cases_backwards;
DROP TABLE judged_month_elapsed;
DROP TABLE judged_months;
DELETE FROM judged_built;
