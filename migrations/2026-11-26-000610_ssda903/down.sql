ALTER TABLE placements
    DROP CONSTRAINT placements_reason_ended_needs_end,
    DROP COLUMN reason_ended,
    DROP COLUMN reason_new,
    DROP COLUMN legal_status;
