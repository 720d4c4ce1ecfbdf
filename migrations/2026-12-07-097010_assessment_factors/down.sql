ALTER TABLE assessments DROP COLUMN factors;
