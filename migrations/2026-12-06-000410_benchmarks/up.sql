-- Published statistics (issue 20): the DfE's figures for every authority, region and England,
-- as shared reference data. No `la_code` column: published figures are public, so every key
-- reads them (dw_apply_rls grants SELECT only); only the operator's CLI writes them.

-- One imported file: which, its content hash (re-importing the same bytes changes nothing),
-- the DfE table it holds and when it was read.
CREATE TABLE benchmark_sources (
    id bigserial PRIMARY KEY,
    file_name text NOT NULL,
    sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    dfe_table text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- One published figure: a measure (the registry's id), a year (the DfE's `time_period`), a
-- geography (national, regional, local_authority; `area_code` is E92000001 for England, the
-- region's ONS code, or the authority's three-digit DfE code). `value_text` is the cell as
-- published; `value` is its number, or NULL when the cell is one of the DfE's symbols
-- (c x z u k low), which is then kept in `symbol`: a symbol is never zero.
CREATE TABLE benchmark_values (
    measure text NOT NULL,
    year integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    level text NOT NULL CHECK (level IN ('national', 'regional', 'local_authority')),
    area_code text NOT NULL,
    dfe_code text CHECK (dfe_code ~ '^[0-9]{3}$'),
    ons_code text,
    area_name text,
    region_code text,
    region_name text,
    value_text text NOT NULL,
    value double precision,
    symbol text CHECK (symbol IN ('c', 'x', 'z', 'u', 'k', 'low')),
    numerator double precision,
    denominator double precision,
    source_id bigint NOT NULL REFERENCES benchmark_sources (id) ON DELETE CASCADE,
    PRIMARY KEY (measure, year, level, area_code),
    CHECK ((value IS NULL) <> (symbol IS NULL)),
    CHECK ((level = 'local_authority') = (dfe_code IS NOT NULL))
);
CREATE INDEX benchmark_values_source ON benchmark_values (source_id);

-- The DfE's statistical-neighbour models (2021, 2025): each authority's ten neighbours, in
-- order of closeness (rank 1 closest), with the model's closeness label.
CREATE TABLE statistical_neighbours (
    model text NOT NULL CHECK (model IN ('2021', '2025')),
    dfe_code text NOT NULL CHECK (dfe_code ~ '^[0-9]{3}$'),
    la_name text NOT NULL,
    rank integer NOT NULL CHECK (rank BETWEEN 1 AND 10),
    neighbour_code text NOT NULL CHECK (neighbour_code ~ '^[0-9]{3}$'),
    closeness text NOT NULL CHECK (closeness IN ('extremely_close', 'very_close', 'close', 'somewhat_close', 'not_close')),
    source_id bigint NOT NULL REFERENCES benchmark_sources (id) ON DELETE CASCADE,
    PRIMARY KEY (model, dfe_code, rank)
);
CREATE INDEX statistical_neighbours_source ON statistical_neighbours (source_id);

SELECT dw_apply_rls();
