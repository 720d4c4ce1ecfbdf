DELETE FROM strategy_discussions WHERE concern_identified_at IS NULL;
ALTER TABLE strategy_discussions
    ALTER COLUMN concern_identified_at SET NOT NULL,
    ALTER COLUMN concern_identified_at_has_time SET NOT NULL;
