-- Issue 21 (the DfE CSC feed's `change_reason`), SSDA903 REASON_PLACE_CHANGE: why a child moved
-- from their previous placement to this one. Null when not known (or no previous placement).
ALTER TABLE placements
    ADD COLUMN change_reason text CHECK (change_reason IN ('ALLEG', 'APPRR', 'CARPL', 'CHILD', 'CLOSE', 'CREQB', 'CREQO',
                                                           'LAREQ', 'PLACE', 'STAND', 'OTHER'));
