-- The DfE CSC feed (issue 21): each accepted request is an import (format `dfe-csc`) whose
-- history row carries the receipt UUID the DfE's API answers with.
ALTER TABLE imports DROP CONSTRAINT imports_format_check;
ALTER TABLE imports ADD CONSTRAINT imports_format_check
    CHECK (format IN ('ndjson', 'csv', 'ssda903', 'cin-census', 'annex-a', 'dfe-csc'));
ALTER TABLE imports ADD COLUMN receipt uuid;
CREATE UNIQUE INDEX imports_receipt ON imports (la_code, receipt) WHERE receipt IS NOT NULL;
