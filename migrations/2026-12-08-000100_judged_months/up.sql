-- The judged-case store's monthly aggregate (issue 14): per authority, stored indicator and
-- calendar month (its first day), what the month's cases add to a summary (`engine::monthly`), kept by the same
-- statements that write `judged_cases` (`driftwatch::judged`), as sums of signed
-- contributions, so a write adds its new cases' and subtracts its old ones':
-- - `den`, `num`, `na`: cases that ended in the month (met or missed; met; not applicable);
--   for a proportion, cases that started in it (`den`) and of those where it holds (`num`);
-- - `d_open`, `d_overdue`: the change, at the month's last day, in the cases open (started by
--   it, not ended by it) and, of those, overdue (past their first overdue day): the count at a
--   month's end is the running sum up to it, as the engine's snapshots count (+1 from the
--   first snapshot a case is open at, -1 from the first it is not).
-- Cases whose out day is before their start day are left out of the ended counts here and
-- read from `judged_cases` (`judged_cases_backwards`), because a summary counts them only if
-- they started by its as-of day.
CREATE TABLE judged_months (
    la_code      text NOT NULL REFERENCES authorities (la_code),
    indicator_id text NOT NULL,
    month        date NOT NULL CHECK (extract(day FROM month) = 1),
    den          bigint NOT NULL,
    num          bigint NOT NULL,
    na           bigint NOT NULL,
    d_open       bigint NOT NULL,
    d_overdue    bigint NOT NULL,
    PRIMARY KEY (la_code, indicator_id, month)
);

-- The elapsed times of the cases in a month's `den`, as (value, how many): percentiles and the
-- mean over a period are exact over these (each value repeated `n` times). A value whose
-- cases have all gone stays with `n` 0 and is not read.
CREATE TABLE judged_month_elapsed (
    la_code      text NOT NULL REFERENCES authorities (la_code),
    indicator_id text NOT NULL,
    month        date NOT NULL,
    elapsed      float8 NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (la_code, indicator_id, month, elapsed)
);

-- A proportion's cases by the day they started (the part months a summary reads); only
-- proportions' rows (they have no due date), so the other kinds' writes do not keep it.
CREATE INDEX judged_cases_start ON judged_cases (la_code, indicator_id, start_on)
    WHERE due_on IS NULL;
CREATE INDEX judged_cases_backwards ON judged_cases (la_code, indicator_id, out_on)
    WHERE start_on > out_on;

-- Every built store is rebuilt (with its aggregate) at the next `serve` with the store on.
DELETE FROM judged_built;

SELECT dw_apply_rls();
