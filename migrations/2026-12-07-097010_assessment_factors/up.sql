-- Issue 21 item 4 (the DfE CSC feed's `factors`, CIN census `AssessmentFactors`): the factors
-- identified at the end of an assessment, a list of distinct CIN census factor codes (validated
-- in Rust: each code known, no duplicates, at most 41). Null when not recorded.
ALTER TABLE assessments
    ADD COLUMN factors text[] CHECK (
        factors <@ ARRAY['1A', '1B', '1C', '2A', '2B', '2C', '3A', '3B', '3C', '4A', '4B', '4C',
                         '5A', '5B', '5C', '6A', '6B', '6C', '7A', '8B', '8C', '8D', '8E', '8F',
                         '9A', '10A', '11A', '12A', '13A', '14A', '15A', '16A', '17A', '18B',
                         '18C', '19B', '19C', '20', '21', '22A', '23A', '24A']::text[]
        AND cardinality(factors) <= 41
    );
