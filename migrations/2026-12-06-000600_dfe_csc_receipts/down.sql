DROP INDEX imports_receipt;
ALTER TABLE imports DROP COLUMN receipt;
DELETE FROM imports WHERE format = 'dfe-csc';
ALTER TABLE imports DROP CONSTRAINT imports_format_check;
ALTER TABLE imports ADD CONSTRAINT imports_format_check
    CHECK (format IN ('ndjson', 'csv', 'ssda903', 'cin-census', 'annex-a'));
