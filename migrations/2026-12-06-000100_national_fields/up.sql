-- Issue 13: fields the national definitions need.
-- The number of previous child protection plans the child had, as the CIN census
-- (NumberOfPreviousCPP) or Annex A List 7 carries it: `cp-plan-repeat` (CIN table D3, NI 65).
ALTER TABLE cp_plans ADD COLUMN previous_plans integer CHECK (previous_plans >= 0);
-- The day a personal education plan was initiated (`pep-initial`); the completed date is kept
-- when given, and a PEP needs one of the two.
ALTER TABLE peps ADD COLUMN initiated_on date;
ALTER TABLE peps ALTER COLUMN completed_on DROP NOT NULL;
ALTER TABLE peps ADD CONSTRAINT peps_dated CHECK (initiated_on IS NOT NULL OR completed_on IS NOT NULL);
CREATE INDEX peps_period_initiated ON peps (la_code, cla_period_id, initiated_on);
