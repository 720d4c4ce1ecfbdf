-- Worklists (`GET /v1/indicators/{id}/cases?status=overdue|open`) read only the cases not
-- ended yet: the engine says so on the source row (`end_on IS NULL OR end_on > x`), and this
-- index answers it for return home interviews, the largest table, without reading the
-- authority's every episode (both arms of the condition are ranges of the same index).
CREATE INDEX missing_episodes_rhi_held ON missing_episodes (la_code, rhi_held_on) WHERE kind = 'missing';
