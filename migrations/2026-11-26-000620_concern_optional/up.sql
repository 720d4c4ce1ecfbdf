-- A strategy discussion imported from the CIN census or Annex A has a date but no record of
-- when the concern arose: `concern_identified_at` may be null, and such a discussion forms no
-- strategy-discussion-timeliness case (rather than one met by construction).
ALTER TABLE strategy_discussions
    ALTER COLUMN concern_identified_at DROP NOT NULL,
    ALTER COLUMN concern_identified_at_has_time DROP NOT NULL;
