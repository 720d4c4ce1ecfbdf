-- Children in care, permanence, care leavers and the other statutory duties (issue 4).
-- Same pattern as before: la_code first in every key, references as (la_code, x_id) ->
-- (la_code, id), enum CHECKs mirroring the descriptors in src/records/types.rs (the API
-- validates first; these are the backstop). Only codes, dates and flags: no free text.

-- A child's periods of care must not overlap (one may end on the day the next starts; a
-- period that starts and ends on one day covers that day). The API checks first and names the
-- field; this exclusion constraint is the backstop for two writes at once.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE cla_periods (
    la_code      text NOT NULL REFERENCES authorities (la_code),
    id           text NOT NULL,
    child_id     text NOT NULL,
    team         text,
    worker_id    text,
    started_on   date NOT NULL,
    ended_on     date,
    legal_status text CHECK (legal_status IN ('C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3')),
    reason_ended text CHECK (reason_ended IN ('E11', 'E12', 'E13', 'E14', 'E15', 'E16', 'E17', 'E2', 'E3', 'E41', 'E43',
                                              'E44', 'E45', 'E46', 'E47', 'E48', 'E4A', 'E4B', 'E5', 'E6', 'E7', 'E8', 'E9')),
    start_known  boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= started_on),
    CHECK (reason_ended IS NULL OR ended_on IS NOT NULL),
    CONSTRAINT cla_periods_no_overlap EXCLUDE USING gist (
        la_code WITH =, child_id WITH =,
        daterange(started_on, CASE WHEN ended_on IS NULL THEN NULL
                                   WHEN ended_on <= started_on THEN started_on + 1
                                   ELSE ended_on END, '[)') WITH &&)
);
CREATE INDEX cla_periods_child ON cla_periods (la_code, child_id, started_on);
CREATE INDEX cla_periods_started ON cla_periods (la_code, started_on);

CREATE TABLE placements (
    la_code        text NOT NULL REFERENCES authorities (la_code),
    id             text NOT NULL,
    child_id       text NOT NULL,
    team           text,
    worker_id      text,
    cla_period_id  text NOT NULL,
    started_on     date NOT NULL,
    ended_on       date,
    placement_type text CHECK (placement_type IN ('A3', 'A4', 'A5', 'A6', 'H5', 'K1', 'K2', 'K3', 'P1', 'P2', 'P3', 'R1',
                                                  'R2', 'R3', 'R5', 'S1', 'T0', 'T1', 'T2', 'T3', 'T4', 'U1', 'U2', 'U3',
                                                  'U4', 'U5', 'U6', 'Z1', 'Z11', 'Z12', 'Z13', 'Z14')),
    long_term      boolean,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX placements_child ON placements (la_code, child_id);
CREATE INDEX placements_started ON placements (la_code, started_on);
CREATE INDEX placements_period ON placements (la_code, cla_period_id);

CREATE TABLE private_fostering (
    la_code                text NOT NULL REFERENCES authorities (la_code),
    id                     text NOT NULL,
    child_id               text NOT NULL,
    team                   text,
    worker_id              text,
    notified_on            date NOT NULL,
    arrangement_started_on date,
    ended_on               date,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= notified_on)
);
CREATE INDEX private_fostering_child ON private_fostering (la_code, child_id);
CREATE INDEX private_fostering_notified ON private_fostering (la_code, notified_on);

-- Visits: a `cla` visit refers to its placement, a `private_fostering` visit to its
-- arrangement, exactly as the kind names (like cp -> cp_plan_id, cin -> cin_plan_id). NOT VALID
-- keeps any cla / private_fostering visit stored before these references existed (they form no
-- case); every new or changed row is checked.
ALTER TABLE visits
    ADD COLUMN placement_id text,
    ADD COLUMN private_fostering_id text,
    ADD CONSTRAINT visits_placement_fk FOREIGN KEY (la_code, placement_id) REFERENCES placements (la_code, id),
    ADD CONSTRAINT visits_private_fostering_fk FOREIGN KEY (la_code, private_fostering_id) REFERENCES private_fostering (la_code, id),
    ADD CONSTRAINT visits_cla_placement CHECK ((kind = 'cla') = (placement_id IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT visits_private_fostering_ref CHECK ((kind = 'private_fostering') = (private_fostering_id IS NOT NULL)) NOT VALID;
CREATE INDEX visits_placement ON visits (la_code, placement_id, visited_on) WHERE placement_id IS NOT NULL;
CREATE INDEX visits_private_fostering ON visits (la_code, private_fostering_id, visited_on) WHERE private_fostering_id IS NOT NULL;

CREATE TABLE cla_reviews (
    la_code              text NOT NULL REFERENCES authorities (la_code),
    id                   text NOT NULL,
    child_id             text NOT NULL,
    team                 text,
    worker_id            text,
    cla_period_id        text,
    held_on              date NOT NULL,
    care_plan_updated_on date,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id),
    CHECK (care_plan_updated_on IS NULL OR care_plan_updated_on >= held_on)
);
CREATE INDEX cla_reviews_child ON cla_reviews (la_code, child_id);
CREATE INDEX cla_reviews_held ON cla_reviews (la_code, held_on);
CREATE INDEX cla_reviews_period ON cla_reviews (la_code, cla_period_id, held_on);

CREATE TABLE health_assessments (
    la_code       text NOT NULL REFERENCES authorities (la_code),
    id            text NOT NULL,
    child_id      text NOT NULL,
    team          text,
    worker_id     text,
    cla_period_id text,
    kind          text NOT NULL CHECK (kind IN ('initial', 'review')),
    completed_on  date NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id)
);
CREATE INDEX health_assessments_child ON health_assessments (la_code, child_id, completed_on);
CREATE INDEX health_assessments_completed ON health_assessments (la_code, completed_on);
CREATE INDEX health_assessments_period ON health_assessments (la_code, cla_period_id);

CREATE TABLE peps (
    la_code       text NOT NULL REFERENCES authorities (la_code),
    id            text NOT NULL,
    child_id      text NOT NULL,
    team          text,
    worker_id     text,
    cla_period_id text NOT NULL,
    completed_on  date NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id)
);
CREATE INDEX peps_child ON peps (la_code, child_id);
CREATE INDEX peps_completed ON peps (la_code, completed_on);
CREATE INDEX peps_period ON peps (la_code, cla_period_id, completed_on);

CREATE TABLE permanence_plans (
    la_code       text NOT NULL REFERENCES authorities (la_code),
    id            text NOT NULL,
    child_id      text NOT NULL,
    team          text,
    worker_id     text,
    cla_period_id text,
    plan_type     text NOT NULL CHECK (plan_type IN ('adoption', 'sgo', 'long_term_fostering', 'cao', 'return_home')),
    decided_on    date NOT NULL,
    achieved_on   date,
    ended_on      date,
    ended_reason  text CHECK (ended_reason IN ('plan_changed', 'court_refused', 'left_care', 'other')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id),
    CHECK (achieved_on IS NULL OR achieved_on >= decided_on),
    CHECK (ended_on IS NULL OR ended_on >= decided_on),
    CHECK (achieved_on IS NULL OR ended_on IS NULL),
    CHECK (ended_reason IS NULL OR ended_on IS NOT NULL)
);
CREATE INDEX permanence_plans_child ON permanence_plans (la_code, child_id);
CREATE INDEX permanence_plans_decided ON permanence_plans (la_code, decided_on);
CREATE INDEX permanence_plans_period ON permanence_plans (la_code, cla_period_id);

CREATE TABLE adoptions (
    la_code                     text NOT NULL REFERENCES authorities (la_code),
    id                          text NOT NULL,
    child_id                    text NOT NULL,
    team                        text,
    worker_id                   text,
    cla_period_id               text,
    entered_care_on             date NOT NULL,
    adm_decision_on             date,
    placement_order_on          date,
    matched_on                  date,
    placed_on                   date,
    adoption_order_on           date,
    foster_carer_adoption       boolean,
    foster_placement_started_on date,
    decision_reversed_on        date,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cla_period_id) REFERENCES cla_periods (la_code, id),
    CHECK (placed_on IS NULL OR placed_on >= entered_care_on),
    CHECK (adoption_order_on IS NULL OR (placed_on IS NOT NULL AND adoption_order_on >= placed_on)),
    CHECK (foster_placement_started_on IS NULL OR (foster_carer_adoption AND foster_placement_started_on >= entered_care_on))
);
CREATE INDEX adoptions_child ON adoptions (la_code, child_id);
CREATE INDEX adoptions_entered ON adoptions (la_code, entered_care_on);
CREATE INDEX adoptions_period ON adoptions (la_code, cla_period_id);

CREATE TABLE care_leaver_reviews (
    la_code    text NOT NULL REFERENCES authorities (la_code),
    id         text NOT NULL,
    child_id   text NOT NULL,
    team       text,
    worker_id  text,
    kind       text NOT NULL CHECK (kind IN ('pathway_plan', 'review', 'closed')),
    held_on    date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id)
);
CREATE INDEX care_leaver_reviews_child ON care_leaver_reviews (la_code, child_id, held_on);
CREATE INDEX care_leaver_reviews_held ON care_leaver_reviews (la_code, held_on);

CREATE TABLE ehe_registrations (
    la_code        text NOT NULL REFERENCES authorities (la_code),
    id             text NOT NULL,
    child_id       text NOT NULL,
    team           text,
    worker_id      text,
    registered_on  date NOT NULL,
    first_visit_on date,
    ended_on       date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (first_visit_on IS NULL OR first_visit_on >= registered_on),
    CHECK (ended_on IS NULL OR ended_on >= registered_on)
);
CREATE INDEX ehe_registrations_child ON ehe_registrations (la_code, child_id);
CREATE INDEX ehe_registrations_registered ON ehe_registrations (la_code, registered_on);

CREATE TABLE homeless_presentations (
    la_code        text NOT NULL REFERENCES authorities (la_code),
    id             text NOT NULL,
    child_id       text NOT NULL,
    team           text,
    worker_id      text,
    presented_on   date NOT NULL,
    age            bigint NOT NULL CHECK (age BETWEEN 16 AND 17),
    advised_s20_on date,
    outcome        text CHECK (outcome IN ('accommodated_s20', 's17_support', 'declined', 'other')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (advised_s20_on IS NULL OR advised_s20_on >= presented_on)
);
CREATE INDEX homeless_presentations_child ON homeless_presentations (la_code, child_id);
CREATE INDEX homeless_presentations_presented ON homeless_presentations (la_code, presented_on);

CREATE TABLE case_audits (
    la_code      text NOT NULL REFERENCES authorities (la_code),
    id           text NOT NULL,
    child_id     text,
    team         text,
    auditor_team text,
    worker_id    text,
    due_on       date NOT NULL,
    completed_on date,
    grade        text CHECK (grade IN ('outstanding', 'good', 'requires_improvement', 'inadequate')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (child_id IS NOT NULL OR team IS NOT NULL),
    CHECK (grade IS NULL OR completed_on IS NOT NULL)
);
CREATE INDEX case_audits_child ON case_audits (la_code, child_id) WHERE child_id IS NOT NULL;
CREATE INDEX case_audits_due ON case_audits (la_code, due_on);

-- Standards of average indicators (adoption A1/A2) give their target and amber threshold in
-- days (0-9999.9), not percent: the range is checked by the API per indicator kind.
ALTER TABLE standards DROP CONSTRAINT standards_target_check;
ALTER TABLE standards DROP CONSTRAINT standards_amber_from_check;
ALTER TABLE standards ADD CONSTRAINT standards_target_check CHECK (target >= 0);
ALTER TABLE standards ADD CONSTRAINT standards_amber_from_check CHECK (amber_from >= 0);

SELECT dw_apply_rls();
