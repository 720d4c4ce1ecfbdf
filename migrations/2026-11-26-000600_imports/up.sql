-- Import history: one row per import (POST /v1/imports or `driftwatch import`), whatever its
-- outcome. A successful import's row is written in the same transaction as its records; a
-- failed one's in a transaction of its own; a background import's row is created `queued`, its
-- progress (`rows`) updated as it runs, and its outcome written with its records.
CREATE TABLE imports (
    la_code     text NOT NULL REFERENCES authorities (la_code),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    -- Who: the API key (its id and name at the time), or `cli` for the command line.
    key_id      bigint,
    who         text NOT NULL,
    -- `ndjson` or `csv` (with record_type), or a national format.
    format      text NOT NULL
        CHECK (format IN ('ndjson', 'csv', 'ssda903', 'cin-census', 'annex-a')),
    record_type text,
    mode        text NOT NULL CHECK (mode IN ('all', 'partial')),
    files       text[] NOT NULL DEFAULT '{}',
    bytes       bigint NOT NULL DEFAULT 0,
    status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    -- Rows processed so far (progress of a running import).
    rows        bigint NOT NULL DEFAULT 0,
    -- The report of a succeeded import (counts, notes, errors of rejected rows in partial mode).
    report      jsonb,
    -- The problem document a failed import answered (or would have), errors included.
    problem     jsonb,
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, key_id) REFERENCES api_keys (la_code, id),
    CHECK ((format IN ('ndjson', 'csv')) = (record_type IS NOT NULL))
);
CREATE INDEX imports_newest ON imports (la_code, id DESC);

SELECT dw_apply_rls();
