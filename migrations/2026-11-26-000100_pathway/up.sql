-- The front door, child protection and child-in-need pathway (issue 3).
-- Same pattern as the foundation: la_code first in every key, references as
-- (la_code, x_id) -> (la_code, id), instants as x timestamptz + x_has_time + generated x_on.
-- Enum CHECKs mirror the descriptors in src/records/types.rs (the API validates first; these
-- are the backstop). Only enums, dates and short codes: no free text about a child.

CREATE TABLE referrals (
    la_code              text NOT NULL REFERENCES authorities (la_code),
    id                   text NOT NULL,
    child_id             text NOT NULL,
    team                 text,
    worker_id            text,
    received_at          timestamptz NOT NULL,
    received_at_has_time boolean NOT NULL,
    received_on          date GENERATED ALWAYS AS ((received_at AT TIME ZONE 'Europe/London')::date) STORED,
    decision_at          timestamptz,
    decision_at_has_time boolean,
    decision_on          date GENERATED ALWAYS AS ((decision_at AT TIME ZONE 'Europe/London')::date) STORED,
    source               text CHECK (source IN ('1A', '1B', '1C', '1D', '2A', '2B', '3A', '3B', '3C', '3D', '3E', '3F',
                                                '4', '5A', '5B', '5C', '5D', '6', '7', '8', '9', '10')),
    outcome              text CHECK (outcome IN ('nfa', 'early_help', 'threshold_visit', 'assessment', 'strategy_discussion')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id)
);
CREATE INDEX referrals_child ON referrals (la_code, child_id);
CREATE INDEX referrals_received ON referrals (la_code, received_on);

CREATE TABLE assessments (
    la_code       text NOT NULL REFERENCES authorities (la_code),
    id            text NOT NULL,
    child_id      text NOT NULL,
    team          text,
    worker_id     text,
    referral_id   text NOT NULL,
    started_on    date NOT NULL,
    authorised_on date,
    outcome       text CHECK (outcome IN ('nfa', 'early_help', 'cin_plan', 'strategy_discussion', 'looked_after')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, referral_id) REFERENCES referrals (la_code, id)
);
CREATE INDEX assessments_child ON assessments (la_code, child_id);
CREATE INDEX assessments_started ON assessments (la_code, started_on);
CREATE INDEX assessments_referral ON assessments (la_code, referral_id);

CREATE TABLE strategy_discussions (
    la_code                        text NOT NULL REFERENCES authorities (la_code),
    id                             text NOT NULL,
    child_id                       text NOT NULL,
    team                           text,
    worker_id                      text,
    referral_id                    text,
    concern_identified_at          timestamptz NOT NULL,
    concern_identified_at_has_time boolean NOT NULL,
    concern_identified_on          date GENERATED ALWAYS AS ((concern_identified_at AT TIME ZONE 'Europe/London')::date) STORED,
    held_at                        timestamptz,
    held_at_has_time               boolean,
    held_on                        date GENERATED ALWAYS AS ((held_at AT TIME ZONE 'Europe/London')::date) STORED,
    police_invited                 boolean,
    police_attended                boolean,
    delay_reason                   text CHECK (delay_reason IN ('none', 'police_unavailable', 'partner_unavailable', 'family_unavailable', 'other')),
    s47_initiated                  boolean,
    created_at                     timestamptz NOT NULL DEFAULT now(),
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, referral_id) REFERENCES referrals (la_code, id)
);
CREATE INDEX strategy_discussions_child ON strategy_discussions (la_code, child_id);
CREATE INDEX strategy_discussions_identified ON strategy_discussions (la_code, concern_identified_on);
CREATE INDEX strategy_discussions_referral ON strategy_discussions (la_code, referral_id);

CREATE TABLE threshold_visits (
    la_code     text NOT NULL REFERENCES authorities (la_code),
    id          text NOT NULL,
    child_id    text NOT NULL,
    team        text,
    worker_id   text,
    referral_id text,
    visited_on  date NOT NULL,
    outcome     text CHECK (outcome IN ('statutory_work', 'step_down', 'nfa')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, referral_id) REFERENCES referrals (la_code, id)
);
CREATE INDEX threshold_visits_child ON threshold_visits (la_code, child_id);
CREATE INDEX threshold_visits_visited ON threshold_visits (la_code, visited_on);
CREATE INDEX threshold_visits_referral ON threshold_visits (la_code, referral_id);

CREATE TABLE section47_enquiries (
    la_code                text NOT NULL REFERENCES authorities (la_code),
    id                     text NOT NULL,
    child_id               text NOT NULL,
    team                   text,
    worker_id              text,
    strategy_discussion_id text,
    started_on             date NOT NULL,
    completed_on           date,
    icpc_required          boolean,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, strategy_discussion_id) REFERENCES strategy_discussions (la_code, id)
);
CREATE INDEX section47_enquiries_child ON section47_enquiries (la_code, child_id);
CREATE INDEX section47_enquiries_started ON section47_enquiries (la_code, started_on);
CREATE INDEX section47_enquiries_discussion ON section47_enquiries (la_code, strategy_discussion_id);

CREATE TABLE cp_plans (
    la_code          text NOT NULL REFERENCES authorities (la_code),
    id               text NOT NULL,
    child_id         text NOT NULL,
    team             text,
    worker_id        text,
    started_on       date NOT NULL,
    ended_on         date,
    initial_category text CHECK (initial_category IN ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')),
    latest_category  text CHECK (latest_category IN ('NEG', 'PHY', 'SAB', 'EMO', 'MUL')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX cp_plans_child ON cp_plans (la_code, child_id, started_on);
CREATE INDEX cp_plans_started ON cp_plans (la_code, started_on);

CREATE TABLE cp_conferences (
    la_code        text NOT NULL REFERENCES authorities (la_code),
    id             text NOT NULL,
    child_id       text NOT NULL,
    team           text,
    worker_id      text,
    kind           text NOT NULL CHECK (kind IN ('initial', 'review', 'transfer_in')),
    s47_enquiry_id text,
    cp_plan_id     text,
    held_on        date NOT NULL,
    outcome_plan   boolean,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, s47_enquiry_id) REFERENCES section47_enquiries (la_code, id),
    FOREIGN KEY (la_code, cp_plan_id) REFERENCES cp_plans (la_code, id)
);
CREATE INDEX cp_conferences_child ON cp_conferences (la_code, child_id);
CREATE INDEX cp_conferences_held ON cp_conferences (la_code, held_on);
CREATE INDEX cp_conferences_enquiry ON cp_conferences (la_code, s47_enquiry_id);
CREATE INDEX cp_conferences_plan ON cp_conferences (la_code, cp_plan_id, held_on);

CREATE TABLE core_groups (
    la_code    text NOT NULL REFERENCES authorities (la_code),
    id         text NOT NULL,
    child_id   text NOT NULL,
    team       text,
    worker_id  text,
    cp_plan_id text NOT NULL,
    held_on    date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cp_plan_id) REFERENCES cp_plans (la_code, id)
);
CREATE INDEX core_groups_child ON core_groups (la_code, child_id);
CREATE INDEX core_groups_held ON core_groups (la_code, held_on);
CREATE INDEX core_groups_plan ON core_groups (la_code, cp_plan_id, held_on);

CREATE TABLE cin_plans (
    la_code     text NOT NULL REFERENCES authorities (la_code),
    id          text NOT NULL,
    child_id    text NOT NULL,
    team        text,
    worker_id   text,
    referral_id text,
    started_on  date NOT NULL,
    ended_on    date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, referral_id) REFERENCES referrals (la_code, id),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX cin_plans_child ON cin_plans (la_code, child_id);
CREATE INDEX cin_plans_started ON cin_plans (la_code, started_on);
CREATE INDEX cin_plans_referral ON cin_plans (la_code, referral_id);

-- Visits: the plan reference must match the kind (cp -> cp_plan_id, cin -> cin_plan_id);
-- cla / private_fostering visits get their own references with the children-in-care records.
CREATE TABLE visits (
    la_code     text NOT NULL REFERENCES authorities (la_code),
    id          text NOT NULL,
    child_id    text NOT NULL,
    team        text,
    worker_id   text,
    kind        text NOT NULL CHECK (kind IN ('cp', 'cin', 'cla', 'private_fostering')),
    cp_plan_id  text,
    cin_plan_id text,
    visited_on  date NOT NULL,
    child_seen  boolean,
    seen_alone  boolean,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cp_plan_id) REFERENCES cp_plans (la_code, id),
    FOREIGN KEY (la_code, cin_plan_id) REFERENCES cin_plans (la_code, id),
    CHECK ((kind = 'cp') = (cp_plan_id IS NOT NULL)),
    CHECK ((kind = 'cin') = (cin_plan_id IS NOT NULL))
);
CREATE INDEX visits_child ON visits (la_code, child_id);
CREATE INDEX visits_visited ON visits (la_code, visited_on);
CREATE INDEX visits_cp_plan ON visits (la_code, cp_plan_id, visited_on) WHERE cp_plan_id IS NOT NULL;
CREATE INDEX visits_cin_plan ON visits (la_code, cin_plan_id, visited_on) WHERE cin_plan_id IS NOT NULL;

CREATE TABLE plan_reviews (
    la_code     text NOT NULL REFERENCES authorities (la_code),
    id          text NOT NULL,
    child_id    text NOT NULL,
    team        text,
    worker_id   text,
    cin_plan_id text,
    cp_plan_id  text,
    held_on     date NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cin_plan_id) REFERENCES cin_plans (la_code, id),
    FOREIGN KEY (la_code, cp_plan_id) REFERENCES cp_plans (la_code, id),
    CHECK ((cin_plan_id IS NULL) <> (cp_plan_id IS NULL))
);
CREATE INDEX plan_reviews_child ON plan_reviews (la_code, child_id);
CREATE INDEX plan_reviews_held ON plan_reviews (la_code, held_on);
CREATE INDEX plan_reviews_cin_plan ON plan_reviews (la_code, cin_plan_id, held_on) WHERE cin_plan_id IS NOT NULL;
CREATE INDEX plan_reviews_cp_plan ON plan_reviews (la_code, cp_plan_id, held_on) WHERE cp_plan_id IS NOT NULL;

CREATE TABLE plan_actions (
    la_code      text NOT NULL REFERENCES authorities (la_code),
    id           text NOT NULL,
    child_id     text NOT NULL,
    team         text,
    worker_id    text,
    cin_plan_id  text,
    cp_plan_id   text,
    agreed_on    date NOT NULL,
    target_date  date,
    completed_on date,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (la_code, id),
    FOREIGN KEY (la_code, child_id) REFERENCES children (la_code, id),
    FOREIGN KEY (la_code, cin_plan_id) REFERENCES cin_plans (la_code, id),
    FOREIGN KEY (la_code, cp_plan_id) REFERENCES cp_plans (la_code, id),
    CHECK ((cin_plan_id IS NULL) <> (cp_plan_id IS NULL))
);
CREATE INDEX plan_actions_child ON plan_actions (la_code, child_id);
CREATE INDEX plan_actions_agreed ON plan_actions (la_code, agreed_on);
CREATE INDEX plan_actions_cin_plan ON plan_actions (la_code, cin_plan_id) WHERE cin_plan_id IS NOT NULL;
CREATE INDEX plan_actions_cp_plan ON plan_actions (la_code, cp_plan_id) WHERE cp_plan_id IS NOT NULL;

-- A local standard may set a limit of 0 (e.g. "same working day", or "by the target date"
-- for plan actions, whose default is 0 days after the target).
ALTER TABLE standards DROP CONSTRAINT standards_limit_value_check;
ALTER TABLE standards ADD CONSTRAINT standards_limit_value_check CHECK (limit_value >= 0);

-- RLS: dw_apply_rls()
