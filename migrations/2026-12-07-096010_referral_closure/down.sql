ALTER TABLE referrals
    DROP CONSTRAINT referrals_closure_reason_dated,
    DROP CONSTRAINT referrals_closed_after_received,
    DROP COLUMN closure_reason,
    DROP COLUMN closed_on;
