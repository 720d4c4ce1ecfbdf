DROP INDEX peps_period_initiated;
ALTER TABLE peps DROP CONSTRAINT peps_dated;
UPDATE peps SET completed_on = initiated_on WHERE completed_on IS NULL;
ALTER TABLE peps ALTER COLUMN completed_on SET NOT NULL;
ALTER TABLE peps DROP COLUMN initiated_on;
ALTER TABLE cp_plans DROP COLUMN previous_plans;
