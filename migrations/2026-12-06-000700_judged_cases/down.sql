DO $$
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
END
$$;
DROP FUNCTION dw_untrack_writes();
DROP FUNCTION dw_track_writes();
DROP TABLE judged_tracking;
DROP FUNCTION dw_touch_closures();
DROP FUNCTION dw_touch_standards();
DROP FUNCTION dw_touch_children();
DROP FUNCTION dw_touch_child_rows();
DROP TABLE judged_touched;
DROP TABLE judged_built;
DROP TABLE judged_cases;
