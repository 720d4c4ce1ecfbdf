ALTER TABLE cla_periods DROP CONSTRAINT cla_periods_no_overlap;
ALTER TABLE cla_periods ADD CONSTRAINT cla_periods_no_overlap EXCLUDE USING gist (
    la_code WITH =, child_id WITH =,
    daterange(started_on, CASE WHEN ended_on IS NULL THEN NULL
                               WHEN ended_on <= started_on THEN started_on + 1
                               ELSE ended_on END, '[)') WITH &&);
