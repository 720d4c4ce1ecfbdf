-- What the authority knew of a care leaver around their 17th-21st birthday (SSDA903 OC3,
-- Annex A list 9, the DfE CSC API's care_leavers): the care leaver measures (issue 13).
CREATE TABLE care_leaver_outcomes (
    la_code                text NOT NULL REFERENCES authorities (la_code),
    id                     text NOT NULL,
    child_id               text NOT NULL,
    team                   text,
    worker_id              text,
    age                    bigint NOT NULL CHECK (age BETWEEN 17 AND 21),
    birthday_month         date NOT NULL CHECK (extract(day FROM birthday_month) = 1),
    contacted_on           date,
    in_touch               text CHECK (in_touch IN ('YES', 'NO', 'DIED', 'REFU', 'NREQ', 'RHOM')),
    activity               text,
    accommodation          text CHECK (accommodation IN ('B', 'C', 'D', 'E', 'G', 'H', 'K', 'R', 'S',
                                                         'T', 'U', 'V', 'W', 'X', 'Y', 'Z')),
    accommodation_suitable boolean,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id)
);
CREATE INDEX care_leaver_outcomes_child ON care_leaver_outcomes (la_code, child_id, birthday_month);
CREATE INDEX care_leaver_outcomes_birthday ON care_leaver_outcomes (la_code, birthday_month);

SELECT dw_apply_rls();
