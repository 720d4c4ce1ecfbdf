-- A child's periods of care must not overlap. The constraint becomes deferrable (still checked
-- at once unless a transaction defers it) so that an import that rebuilds a child's periods
-- (SSDA903: a period whose start became known gets a new id) can write the new periods and
-- delete the ones they supersede in the same transaction, checked at its end.
ALTER TABLE cla_periods DROP CONSTRAINT cla_periods_no_overlap;
ALTER TABLE cla_periods ADD CONSTRAINT cla_periods_no_overlap EXCLUDE USING gist (
    la_code WITH =, child_id WITH =,
    daterange(started_on, CASE WHEN ended_on IS NULL THEN NULL
                               WHEN ended_on <= started_on THEN started_on + 1
                               ELSE ended_on END, '[)') WITH &&)
    DEFERRABLE INITIALLY IMMEDIATE;
