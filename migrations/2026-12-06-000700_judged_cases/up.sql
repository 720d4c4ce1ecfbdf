-- The judged-case store (issue 14): per authority, indicator and case, the case's dates as the
-- engine judges them (due date, how and when it ended, outcome, elapsed, groups), so that a
-- status as of any day is a pure function of stored dates (`timescale::status_sql`) and no
-- nightly job is needed. Rows are written only by `driftwatch::judged` (the engine's own case
-- source and judging SQL, restricted to what a write touched), in the write's transaction.
CREATE TABLE judged_cases (
    la_code        text NOT NULL REFERENCES authorities (la_code),
    indicator_id   text NOT NULL,
    case_id        text NOT NULL,
    child_id       text,
    team           text,
    worker_id      text,
    start_on       date NOT NULL,
    start_at       timestamptz,
    start_has_time boolean,
    end_at         timestamptz,
    end_has_time   boolean,
    end_on         date,
    stop_on        date,
    n              int,
    unit           text,
    clock_end_on   date,
    holds          boolean,
    start_seq      int,
    due_at         timestamptz,
    due_on         date,
    how            text,
    out_on         date,
    meas_on        date,
    outcome        text,
    measured_in    text,
    elapsed_unit   text,
    elapsed        float8,
    -- Every group the indicator offers (standard and its own), as JSON values.
    groups         jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (la_code, indicator_id, case_id)
);
-- Recomputing a child's cases; worklists in due-date order.
CREATE INDEX judged_cases_child ON judged_cases (la_code, child_id);
CREATE INDEX judged_cases_due ON judged_cases (la_code, indicator_id, due_on, case_id);
-- Open cases now (the usual worklist): a much smaller index.
CREATE INDEX judged_cases_open_due ON judged_cases (la_code, indicator_id, due_on, case_id)
    WHERE out_on IS NULL;
CREATE INDEX judged_cases_out ON judged_cases (la_code, indicator_id, out_on);

-- Authorities whose store has been built (the backfill builds the rest, at `driftwatch migrate`,
-- at `serve` start-up, or at their next write).
CREATE TABLE judged_built (
    la_code  text PRIMARY KEY REFERENCES authorities (la_code),
    built_at timestamptz NOT NULL DEFAULT now()
);

-- What the current transaction's writes touched, drained at `bump_data_version` (the one place
-- every write passes): a child (its cases are recomputed), or with a null child the whole
-- authority, for one indicator (a local standard) or all (a closure day). Filled by statement
-- triggers with transition tables, so an import batch adds one set-based statement per table.
CREATE TABLE judged_touched (
    la_code      text NOT NULL,
    child_id     text,
    indicator_id text
);
CREATE INDEX judged_touched_la ON judged_touched (la_code);

CREATE FUNCTION dw_touch_child_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id) SELECT DISTINCT la_code, child_id FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id) SELECT DISTINCT la_code, child_id FROM old_rows;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION dw_touch_children() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id) SELECT DISTINCT la_code, id FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id) SELECT DISTINCT la_code, id FROM old_rows;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION dw_touch_standards() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, indicator_id) SELECT DISTINCT la_code, indicator_id FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, indicator_id) SELECT DISTINCT la_code, indicator_id FROM old_rows;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION dw_touch_closures() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code) SELECT DISTINCT la_code FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code) SELECT DISTINCT la_code FROM old_rows;
    END IF;
    RETURN NULL;
END
$fn$;

-- dw_track_writes(): the three statement triggers (insert, update, delete) on every table that
-- feeds cases and has none yet: tables with `la_code` and `child_id` (the record tables),
-- `children`, `standards`, `la_closures`. Called by `driftwatch serve` with the store on (below), so
-- record tables added by later migrations are covered at the next start.
CREATE FUNCTION dw_track_writes() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    t record;
    f text;
BEGIN
    FOR t IN
        SELECT c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND c.relname NOT LIKE 'judged\_%'
          AND (c.relname IN ('children', 'standards', 'la_closures')
               OR (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped)
                   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'child_id' AND NOT a.attisdropped)))
          AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'dw_judged_ins')
    LOOP
        f := CASE t.relname WHEN 'children' THEN 'dw_touch_children'
                            WHEN 'standards' THEN 'dw_touch_standards'
                            WHEN 'la_closures' THEN 'dw_touch_closures'
                            ELSE 'dw_touch_child_rows' END;
        EXECUTE format('CREATE TRIGGER dw_judged_ins AFTER INSERT ON public.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.relname, f);
        EXECUTE format('CREATE TRIGGER dw_judged_upd AFTER UPDATE ON public.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.relname, f);
        EXECUTE format('CREATE TRIGGER dw_judged_del AFTER DELETE ON public.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.relname, f);
    END LOOP;
    INSERT INTO judged_tracking DEFAULT VALUES ON CONFLICT DO NOTHING;
END
$fn$;

-- The store is opt-in (`DRIFTWATCH_JUDGED_STORE=1`): the write-tracking triggers are installed
-- by `driftwatch serve` with the switch on (`dw_track_writes()`, which also covers record tables
-- added by later migrations) and removed with it off (`dw_untrack_writes()`), so by default no
-- write pays for them. This one-row table says the triggers are on; the write hook reads it.
CREATE TABLE judged_tracking (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    on_since timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION dw_untrack_writes() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
             WHERE g.tgname IN ('dw_judged_ins', 'dw_judged_upd', 'dw_judged_del')
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS dw_judged_ins ON public.%I', t.relname);
        EXECUTE format('DROP TRIGGER IF EXISTS dw_judged_upd ON public.%I', t.relname);
        EXECUTE format('DROP TRIGGER IF EXISTS dw_judged_del ON public.%I', t.relname);
    END LOOP;
    DELETE FROM judged_tracking;
    -- Untracked writes may follow: every authority is rebuilt whole when the store is next on.
    DELETE FROM judged_built;
    DELETE FROM judged_touched;
END
$fn$;
REVOKE EXECUTE ON FUNCTION dw_track_writes() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION dw_untrack_writes() FROM PUBLIC;

SELECT dw_apply_rls();
