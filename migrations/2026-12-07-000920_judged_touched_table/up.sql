-- The judged-case store (issue 14): which record table a write touched, so that a child's cases
-- are recomputed only for the indicators whose case source reads that table
-- (`driftwatch::judged::refresh`). A row without one (a child's own attributes, which feed
-- every indicator's groups, or a row noted before this migration) recomputes every indicator.
ALTER TABLE judged_touched ADD COLUMN table_name text;

CREATE OR REPLACE FUNCTION dw_touch_child_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id, table_name)
            SELECT DISTINCT la_code, child_id, TG_TABLE_NAME FROM new_rows;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO judged_touched (la_code, child_id, table_name)
            SELECT DISTINCT la_code, child_id, TG_TABLE_NAME FROM old_rows;
    END IF;
    RETURN NULL;
END
$fn$;
