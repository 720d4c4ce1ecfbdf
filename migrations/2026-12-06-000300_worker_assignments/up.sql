-- Social workers allocated to a child (SSDA903 SWEpisodes, the DfE CSC API's
-- care_worker_details): the records `social-worker-changes-3plus` counts (issue 13).
CREATE TABLE worker_assignments (
    la_code    text NOT NULL REFERENCES authorities (la_code),
    id         text NOT NULL,
    child_id   text NOT NULL,
    team       text,
    worker_id  text NOT NULL,
    started_on date NOT NULL,
    ended_on   date,
    reason     text CHECK (reason IN ('MANAGE', 'FCONTA', 'LEFTRL', 'ORGRST', 'TSPROC', 'ABSENC',
                                      'CHCHAN', 'PCCHAN', 'SWDIED', 'OTHERS')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= started_on),
    CHECK (reason IS NULL OR ended_on IS NOT NULL)
);
CREATE INDEX worker_assignments_child ON worker_assignments (la_code, child_id, started_on);
CREATE INDEX worker_assignments_started ON worker_assignments (la_code, started_on);

SELECT dw_apply_rls();
