-- The DfE's three-digit local-authority code (e.g. 334 Solihull), by which the DfE's published
-- statistics and its CSC API name an authority. Set per authority with
-- `driftwatch authorities set LA --dfe-code 334`; at most one authority holds a code.
ALTER TABLE authorities ADD COLUMN dfe_code text
    CONSTRAINT authorities_dfe_code_format CHECK (dfe_code ~ '^[0-9]{3}$')
    CONSTRAINT authorities_dfe_code_unique UNIQUE;
