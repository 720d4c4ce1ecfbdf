CREATE OR REPLACE FUNCTION dw_touch_child_rows() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
ALTER TABLE judged_touched DROP COLUMN table_name;
