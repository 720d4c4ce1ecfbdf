-- SSDA903 import (issue 5): keep each episode's codes on its placement, so that a later import
-- of another year can rebuild the child's periods of care from every episode seen so far.
ALTER TABLE placements
    ADD COLUMN legal_status text CHECK (legal_status IN ('C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3')),
    ADD COLUMN reason_new   text CHECK (reason_new IN ('S', 'L', 'P', 'T', 'U', 'B')),
    ADD COLUMN reason_ended text CHECK (reason_ended IN ('E11', 'E12', 'E13', 'E14', 'E15', 'E16', 'E17', 'E2', 'E3', 'E41', 'E43',
                                                         'E44', 'E45', 'E46', 'E47', 'E48', 'E4A', 'E4B', 'E5', 'E6', 'E7', 'E8', 'E9', 'X1')),
    ADD CONSTRAINT placements_reason_ended_needs_end CHECK (reason_ended IS NULL OR ended_on IS NOT NULL);
