ALTER TABLE placements DROP COLUMN change_reason;
