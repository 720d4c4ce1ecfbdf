//! Record type descriptors: one static description per record type drives validation, storage,
//! listing, CSV columns and the OpenAPI schema. Adding a record type is adding a descriptor (and
//! its table in a migration); no handler is written for it.

use crate::error::FieldError;

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A short code or label (team, worker id, provider): 1-64 printable characters.
    /// Never free text about a child.
    Code,
    /// One of a fixed set of values.
    Enum(&'static [&'static str]),
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM` (stored as the first of the month).
    Month,
    /// RFC 3339 date-time with offset, or a plain `YYYY-MM-DD` kept as date-only.
    /// Stored as `<name>` timestamptz, `<name>_has_time` and a generated `<name minus _at>_on` date.
    Instant,
    /// The id of another record of this authority, of the given type (its path name).
    Ref(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub doc: &'static str,
}

impl Field {
    /// Column holding the London date of an instant field (`returned_at` -> `returned_on`).
    pub fn date_column(&self) -> String {
        match self.kind {
            Kind::Instant => format!("{}_on", self.name.trim_end_matches("_at")),
            _ => self.name.to_string(),
        }
    }
}

/// Cross-field rules of a record type, run after every field parsed.
pub type Check = fn(&super::validate::Record) -> Vec<FieldError>;

#[derive(Debug)]
pub struct RecordType {
    /// URL segment and public name, e.g. `missing-episodes`.
    pub path: &'static str,
    /// Table name.
    pub table: &'static str,
    /// Schema name in the OpenAPI document, e.g. `MissingEpisode`.
    pub schema: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    /// Date column that the list filters `from`/`to` apply to.
    pub list_date: &'static str,
    /// Description of `list_date` for the docs.
    pub list_date_doc: &'static str,
    pub checks: Check,
}

impl RecordType {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
    pub fn refs(&self) -> impl Iterator<Item = (&'static Field, &'static str)> + '_ {
        self.fields.iter().filter_map(|f| match f.kind {
            Kind::Ref(target) => Some((f, target)),
            _ => None,
        })
    }
}

pub const SEX: &[&str] = &["M", "F", "U"];
/// DfE ethnicity codes (CIN census / SSDA903).
pub const ETHNICITY: &[&str] = &[
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
    "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
];
pub const MISSING_KIND: &[&str] = &["missing", "away"];
pub const RHI_DECLINED_REASON: &[&str] = &[
    "child_declined",
    "parent_declined",
    "could_not_contact",
    "other",
];

const fn f(name: &'static str, kind: Kind, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        required,
        doc,
    }
}

const TEAM: Field = f(
    "team",
    Kind::Code,
    false,
    "Team responsible (a code or short name).",
);
const WORKER: Field = f(
    "worker_id",
    Kind::Code,
    false,
    "Pseudonymous id of the allocated worker.",
);
const CHILD: Field = f(
    "child_id",
    Kind::Ref("children"),
    true,
    "The child's id (a child record of this authority).",
);

pub static CHILDREN: RecordType = RecordType {
    path: "children",
    table: "children",
    schema: "Child",
    doc: "A child, pseudonymous: the authority's own reference and a few characteristics used to group indicators. Never names, addresses, NHS numbers or free text.",
    fields: &[
        f(
            "birth_month",
            Kind::Month,
            false,
            "Month and year of birth, `YYYY-MM`.",
        ),
        f(
            "sex",
            Kind::Enum(SEX),
            false,
            "M, F or U (unknown / not recorded).",
        ),
        f(
            "ethnicity",
            Kind::Enum(ETHNICITY),
            false,
            "DfE ethnicity code.",
        ),
        f(
            "disability",
            Kind::Bool,
            false,
            "Whether the child has a disability.",
        ),
        f(
            "uasc",
            Kind::Bool,
            false,
            "Unaccompanied asylum-seeking child.",
        ),
        TEAM,
    ],
    list_date: "updated_at",
    list_date_doc: "`from`/`to` select children whose record last changed in the range.",
    checks: |_| Vec::new(),
};

pub static MISSING_EPISODES: RecordType = RecordType {
    path: "missing-episodes",
    table: "missing_episodes",
    schema: "MissingEpisode",
    doc: "A missing (or away) episode and its return home interview.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "kind",
            Kind::Enum(MISSING_KIND),
            true,
            "`missing`, or `away` (absent without authorisation; needs no interview).",
        ),
        f(
            "in_care",
            Kind::Bool,
            false,
            "Whether the child was looked after at the time.",
        ),
        f(
            "started_at",
            Kind::Instant,
            true,
            "When the child went missing.",
        ),
        f(
            "returned_at",
            Kind::Instant,
            false,
            "When the child returned; null while still missing.",
        ),
        f(
            "rhi_offered_at",
            Kind::Instant,
            false,
            "When a return home interview was offered.",
        ),
        f(
            "rhi_provider",
            Kind::Code,
            false,
            "Who offers the interview (e.g. `LA` or a commissioned provider).",
        ),
        f(
            "rhi_accepted",
            Kind::Bool,
            false,
            "Whether the offer was accepted; false with a declined reason stops the 72-hour duty.",
        ),
        f(
            "rhi_held_at",
            Kind::Instant,
            false,
            "When the interview was held.",
        ),
        f(
            "rhi_declined_reason",
            Kind::Enum(RHI_DECLINED_REASON),
            false,
            "Why no interview was held, when declined.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select episodes that started in the range.",
    checks: missing_episode_checks,
};

fn missing_episode_checks(r: &super::validate::Record) -> Vec<FieldError> {
    let mut errors = Vec::new();
    r.require_not_before("returned_at", "started_at", &mut errors);
    r.require_not_before("rhi_held_at", "returned_at", &mut errors);
    r.require_with("rhi_held_at", "returned_at", &mut errors);
    r.require_with("rhi_offered_at", "returned_at", &mut errors);
    if r.is_true("rhi_accepted") && r.has("rhi_declined_reason") {
        errors.push(FieldError::pointer(
            "/rhi_declined_reason",
            "an accepted interview has no declined reason",
        ));
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// The front door, child protection and child-in-need pathway (issue 3). Only enums, dates and
// short codes: nothing free-text about a child.

/// DfE referral source codes (CIN census `ReferralSource`): 1A-1D individuals, 2A-2B education,
/// 3A-3F health, 4 housing, 5A-5D local authority services, 6 police, 7 other legal agency,
/// 8 other, 9 anonymous, 10 unknown.
pub const REFERRAL_SOURCE: &[&str] = &[
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B", "5C",
    "5D", "6", "7", "8", "9", "10",
];
pub const REFERRAL_OUTCOME: &[&str] = &[
    "nfa",
    "early_help",
    "threshold_visit",
    "assessment",
    "strategy_discussion",
];
pub const ASSESSMENT_OUTCOME: &[&str] = &[
    "nfa",
    "early_help",
    "cin_plan",
    "strategy_discussion",
    "looked_after",
];
pub const DELAY_REASON: &[&str] = &[
    "none",
    "police_unavailable",
    "partner_unavailable",
    "family_unavailable",
    "other",
];
pub const THRESHOLD_OUTCOME: &[&str] = &["statutory_work", "step_down", "nfa"];
pub const CONFERENCE_KIND: &[&str] = &["initial", "review", "transfer_in"];
/// DfE categories of abuse (CIN census): neglect, physical, sexual, emotional, multiple.
pub const ABUSE_CATEGORY: &[&str] = &["NEG", "PHY", "SAB", "EMO", "MUL"];
/// Visit kinds. `cp` and `cin` visits refer to their plan; `cla` and `private_fostering` visits
/// are declared now and get their references with the children-in-care records.
pub const VISIT_KIND: &[&str] = &["cp", "cin", "cla", "private_fostering"];

const REFERRAL_REF: Field = f(
    "referral_id",
    Kind::Ref("referrals"),
    false,
    "The referral this belongs to.",
);

pub static REFERRALS: RecordType = RecordType {
    path: "referrals",
    table: "referrals",
    schema: "Referral",
    doc: "A referral to children's social care and the front door's decision on it.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "received_at",
            Kind::Instant,
            true,
            "When the referral was received.",
        ),
        f(
            "decision_at",
            Kind::Instant,
            false,
            "When the decision on the response was made; null while undecided.",
        ),
        f(
            "source",
            Kind::Enum(REFERRAL_SOURCE),
            false,
            "Who referred: DfE referral source code (1A-10).",
        ),
        f(
            "outcome",
            Kind::Enum(REFERRAL_OUTCOME),
            false,
            "The decision: `nfa`, `early_help`, `threshold_visit`, `assessment` or `strategy_discussion`.",
        ),
    ],
    list_date: "received_on",
    list_date_doc: "`from`/`to` select referrals received in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("decision_at", "received_at", &mut errors);
        r.require_with("outcome", "decision_at", &mut errors);
        errors
    },
};

pub static ASSESSMENTS: RecordType = RecordType {
    path: "assessments",
    table: "assessments",
    schema: "Assessment",
    doc: "A child and family (single) assessment. Its 45-working-day clock starts at the referral.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "referral_id",
            Kind::Ref("referrals"),
            true,
            "The referral the assessment answers (its received date starts the clock).",
        ),
        f("started_on", Kind::Date, true, "Assessment start date."),
        f(
            "authorised_on",
            Kind::Date,
            false,
            "Date the manager authorised the completed assessment; null while open.",
        ),
        f(
            "outcome",
            Kind::Enum(ASSESSMENT_OUTCOME),
            false,
            "What the assessment led to.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select assessments started in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("authorised_on", "started_on", &mut errors);
        r.require_with("outcome", "authorised_on", &mut errors);
        errors
    },
};

pub static STRATEGY_DISCUSSIONS: RecordType = RecordType {
    path: "strategy-discussions",
    table: "strategy_discussions",
    schema: "StrategyDiscussion",
    doc: "A strategy discussion (or meeting) about possible significant harm, with police participation and, when late, why.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        REFERRAL_REF,
        f(
            "concern_identified_at",
            Kind::Instant,
            true,
            "When the concern needing a strategy discussion was identified (the clock start).",
        ),
        f(
            "held_at",
            Kind::Instant,
            false,
            "When the discussion was held; null while not yet held.",
        ),
        f(
            "police_invited",
            Kind::Bool,
            false,
            "Whether the police were invited.",
        ),
        f(
            "police_attended",
            Kind::Bool,
            false,
            "Whether the police took part.",
        ),
        f(
            "delay_reason",
            Kind::Enum(DELAY_REASON),
            false,
            "Why it was not held sooner: `none`, `police_unavailable`, `partner_unavailable`, `family_unavailable` or `other`.",
        ),
        f(
            "s47_initiated",
            Kind::Bool,
            false,
            "Whether the discussion decided to start a section 47 enquiry.",
        ),
    ],
    list_date: "concern_identified_on",
    list_date_doc: "`from`/`to` select discussions whose concern was identified in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("held_at", "concern_identified_at", &mut errors);
        r.require_with("police_attended", "held_at", &mut errors);
        r.require_with("s47_initiated", "held_at", &mut errors);
        if r.is_true("police_attended") && r.is_false("police_invited") {
            errors.push(FieldError::pointer(
                "/police_attended",
                "police who were not invited cannot have attended (`police_invited` is false)",
            ));
        }
        errors
    },
};

pub static THRESHOLD_VISITS: RecordType = RecordType {
    path: "threshold-visits",
    table: "threshold_visits",
    schema: "ThresholdVisit",
    doc: "A visit to decide whether a referral meets the threshold for statutory work, and its outcome.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        REFERRAL_REF,
        f("visited_on", Kind::Date, true, "Date of the visit."),
        f(
            "outcome",
            Kind::Enum(THRESHOLD_OUTCOME),
            false,
            "`statutory_work`, `step_down` (to early help) or `nfa`; null until decided.",
        ),
    ],
    list_date: "visited_on",
    list_date_doc: "`from`/`to` select visits made in the range.",
    checks: |_| Vec::new(),
};

pub static SECTION47_ENQUIRIES: RecordType = RecordType {
    path: "section47-enquiries",
    table: "section47_enquiries",
    schema: "Section47Enquiry",
    doc: "A section 47 child protection enquiry. The initial conference is due 15 working days after the strategy discussion that started it.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "strategy_discussion_id",
            Kind::Ref("strategy-discussions"),
            false,
            "The strategy discussion that started the enquiry.",
        ),
        f(
            "started_on",
            Kind::Date,
            true,
            "Start date (CIN census `S47ActualStartDate`).",
        ),
        f(
            "completed_on",
            Kind::Date,
            false,
            "Date the enquiry concluded.",
        ),
        f(
            "icpc_required",
            Kind::Bool,
            false,
            "Whether an initial child protection conference is needed (false: CIN `ICPCnotRequired`).",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select enquiries started in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("completed_on", "started_on", &mut errors);
        errors
    },
};

pub static CP_PLANS: RecordType = RecordType {
    path: "cp-plans",
    table: "cp_plans",
    schema: "CpPlan",
    doc: "A child protection plan.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "started_on",
            Kind::Date,
            true,
            "Plan start (the initial or transfer-in conference).",
        ),
        f("ended_on", Kind::Date, false, "Plan end; null while open."),
        f(
            "initial_category",
            Kind::Enum(ABUSE_CATEGORY),
            false,
            "Initial category of abuse (DfE: NEG, PHY, SAB, EMO, MUL).",
        ),
        f(
            "latest_category",
            Kind::Enum(ABUSE_CATEGORY),
            false,
            "Latest category of abuse.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select plans started in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("ended_on", "started_on", &mut errors);
        errors
    },
};

const CP_PLAN_REF: Field = f(
    "cp_plan_id",
    Kind::Ref("cp-plans"),
    false,
    "The child protection plan.",
);
const CIN_PLAN_REF: Field = f(
    "cin_plan_id",
    Kind::Ref("cin-plans"),
    false,
    "The child in need plan.",
);

pub static CP_CONFERENCES: RecordType = RecordType {
    path: "cp-conferences",
    table: "cp_conferences",
    schema: "CpConference",
    doc: "A child protection conference: `initial`, `review` or `transfer_in`.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "kind",
            Kind::Enum(CONFERENCE_KIND),
            true,
            "`initial`, `review` or `transfer_in`.",
        ),
        f(
            "s47_enquiry_id",
            Kind::Ref("section47-enquiries"),
            false,
            "For an initial conference: the section 47 enquiry it follows.",
        ),
        f(
            "cp_plan_id",
            Kind::Ref("cp-plans"),
            false,
            "The plan the conference started (initial, transfer-in) or reviewed (required for a review).",
        ),
        f("held_on", Kind::Date, true, "Date the conference was held."),
        f(
            "outcome_plan",
            Kind::Bool,
            false,
            "Initial/transfer-in: whether a plan was made; review: whether the plan continues.",
        ),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select conferences held in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        if r.text("kind") == Some("review") {
            r.require_present(
                "cp_plan_id",
                "a review conference needs the plan it reviews",
                &mut errors,
            );
            r.require_absent(
                "s47_enquiry_id",
                "only an initial conference follows a section 47 enquiry",
                &mut errors,
            );
        }
        if r.text("kind") == Some("transfer_in") {
            r.require_absent(
                "s47_enquiry_id",
                "a transfer-in conference follows another authority's enquiry",
                &mut errors,
            );
        }
        errors
    },
};

pub static CORE_GROUPS: RecordType = RecordType {
    path: "core-groups",
    table: "core_groups",
    schema: "CoreGroup",
    doc: "A core group meeting on a child protection plan.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "cp_plan_id",
            Kind::Ref("cp-plans"),
            true,
            "The child protection plan.",
        ),
        f("held_on", Kind::Date, true, "Date of the meeting."),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select meetings held in the range.",
    checks: |_| Vec::new(),
};

pub static CIN_PLANS: RecordType = RecordType {
    path: "cin-plans",
    table: "cin_plans",
    schema: "CinPlan",
    doc: "A child in need plan.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        REFERRAL_REF,
        f("started_on", Kind::Date, true, "Plan start."),
        f("ended_on", Kind::Date, false, "Plan end; null while open."),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select plans started in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        r.require_not_before("ended_on", "started_on", &mut errors);
        errors
    },
};

pub static VISITS: RecordType = RecordType {
    path: "visits",
    table: "visits",
    schema: "Visit",
    doc: "A statutory visit to a child. A `cp` visit refers to its child protection plan (`cp_plan_id`), a `cin` visit to its child in need plan (`cin_plan_id`); `cla` and `private_fostering` visits carry neither.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "kind",
            Kind::Enum(VISIT_KIND),
            true,
            "`cp`, `cin`, `cla` or `private_fostering`.",
        ),
        CP_PLAN_REF,
        CIN_PLAN_REF,
        f("visited_on", Kind::Date, true, "Date of the visit."),
        f(
            "child_seen",
            Kind::Bool,
            false,
            "Whether the child was seen (only visits with the child seen count for visit frequency).",
        ),
        f(
            "seen_alone",
            Kind::Bool,
            false,
            "Whether the child was seen alone.",
        ),
    ],
    list_date: "visited_on",
    list_date_doc: "`from`/`to` select visits made in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        // The reference must match the kind: exactly the one plan reference the kind names.
        let (needs, forbids): (Option<&str>, &[&str]) = match r.text("kind") {
            Some("cp") => (Some("cp_plan_id"), &["cin_plan_id"]),
            Some("cin") => (Some("cin_plan_id"), &["cp_plan_id"]),
            _ => (None, &["cp_plan_id", "cin_plan_id"]),
        };
        if let Some(n) = needs {
            r.require_present(
                n,
                &format!("a `{}` visit needs `{n}`", r.text("kind").unwrap_or("")),
                &mut errors,
            );
        }
        for f in forbids {
            r.require_absent(
                f,
                &format!(
                    "a `{}` visit does not refer to `{f}`",
                    r.text("kind").unwrap_or("")
                ),
                &mut errors,
            );
        }
        if r.is_true("seen_alone") && !r.is_true("child_seen") {
            errors.push(FieldError::pointer(
                "/seen_alone",
                "a child seen alone was seen: `child_seen` must be true",
            ));
        }
        errors
    },
};

/// Exactly one of a CIN or CP plan reference.
fn one_plan(r: &super::validate::Record, errors: &mut Vec<FieldError>) {
    match (r.has("cin_plan_id"), r.has("cp_plan_id")) {
        (true, true) => errors.push(FieldError::pointer(
            "/cp_plan_id",
            "give `cin_plan_id` or `cp_plan_id`, not both",
        )),
        (false, false) => errors.push(FieldError::pointer(
            "/cin_plan_id",
            "give the plan: `cin_plan_id` or `cp_plan_id`",
        )),
        _ => {}
    }
}

pub static PLAN_REVIEWS: RecordType = RecordType {
    path: "plan-reviews",
    table: "plan_reviews",
    schema: "PlanReview",
    doc: "A review of a child in need plan (or of a child protection plan outside a conference). Child protection review conferences are `cp-conferences` of kind `review`.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        CIN_PLAN_REF,
        CP_PLAN_REF,
        f("held_on", Kind::Date, true, "Date of the review."),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select reviews held in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        one_plan(r, &mut errors);
        errors
    },
};

pub static PLAN_ACTIONS: RecordType = RecordType {
    path: "plan-actions",
    table: "plan_actions",
    schema: "PlanAction",
    doc: "An action on a child in need or child protection plan, with its timescale (a target date) and when it was done.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        CIN_PLAN_REF,
        CP_PLAN_REF,
        f(
            "agreed_on",
            Kind::Date,
            true,
            "Date the action was agreed (at the conference, core group or review).",
        ),
        f(
            "target_date",
            Kind::Date,
            false,
            "The action's timescale; null when the plan gave it none.",
        ),
        f(
            "completed_on",
            Kind::Date,
            false,
            "Date the action was completed; null while outstanding.",
        ),
    ],
    list_date: "agreed_on",
    list_date_doc: "`from`/`to` select actions agreed in the range.",
    checks: |r| {
        let mut errors = Vec::new();
        one_plan(r, &mut errors);
        r.require_not_before("target_date", "agreed_on", &mut errors);
        r.require_not_before("completed_on", "agreed_on", &mut errors);
        errors
    },
};

/// Every record type, in dependency order (a type only refers to types before it).
pub static ALL: &[&RecordType] = &[
    &CHILDREN,
    &MISSING_EPISODES,
    &REFERRALS,
    &ASSESSMENTS,
    &STRATEGY_DISCUSSIONS,
    &THRESHOLD_VISITS,
    &SECTION47_ENQUIRIES,
    &CP_PLANS,
    &CP_CONFERENCES,
    &CORE_GROUPS,
    &CIN_PLANS,
    &VISITS,
    &PLAN_REVIEWS,
    &PLAN_ACTIONS,
];

pub fn by_path(path: &str) -> Option<&'static RecordType> {
    ALL.iter().copied().find(|t| t.path == path)
}
