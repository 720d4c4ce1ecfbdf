//! Record type descriptors: one static description per record type drives validation, storage,
//! listing, CSV columns and the OpenAPI schema. Adding a record type is adding a descriptor (and
//! its table in a migration); no handler is written for it.

use driftwatch_error::{ApiError, FieldError};

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
    /// A JSON literal taken when the member is absent or null (e.g. `true`), so the stored
    /// record always holds a value.
    pub default: Option<&'static str>,
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

/// A condition on one field of a parsed record, for [`Rule::Forbid`].
#[derive(Debug, Clone, Copy)]
pub enum Is {
    /// The field is given (not null).
    Given(&'static str),
    /// The field is absent or null.
    Missing(&'static str),
    /// The field is `true`.
    True(&'static str),
    /// The field is `false` (not null).
    False(&'static str),
    /// The field is not `true` (false or null).
    NotTrue(&'static str),
    /// The field holds this text (an enum value).
    Text(&'static str, &'static str),
}

/// One cross-field rule of a record type, run after every field parsed; a type's rules run in
/// order and every rule that fails adds its error (`validate::check_rules`).
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// `NotBefore(later, earlier)`: `later` must not be before `earlier` ("`later` is before
    /// `earlier`", at `/later`; `Record::require_not_before`).
    NotBefore(&'static str, &'static str),
    /// `RequiresWith(field, needs)`: when `field` is given, `needs` must be too ("`field` needs
    /// `needs`", at `/field`; `Record::require_with`).
    RequiresWith(&'static str, &'static str),
    /// When every condition in `when` holds, the record is refused at `/at` with `message`.
    Forbid {
        when: &'static [Is],
        at: &'static str,
        message: &'static str,
    },
    /// Logic the rules above do not state; it pushes its errors in order.
    Custom(fn(&super::validate::Record, &mut Vec<FieldError>)),
}

/// Records of one type that must not overlap in time for the same `per` value (a child's
/// periods of care). A record covers `[start, end)`, open-ended while `end` is null, and at
/// least its start day: one record may end on the day the next starts. Checked against the
/// stored records and within a batch (`store::overlaps`), 422 naming the field.
#[derive(Debug, Clone, Copy)]
pub struct Overlap {
    pub per: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    /// What the records are, for messages ("care period").
    pub noun: &'static str,
}

/// The problem of an overlap that only the database caught (`ApiError::Overlap`: two requests
/// wrote overlapping records of one child at once, and the second broke the no-overlap
/// constraint of `table`): the validation problem naming the start field, as if the second had
/// been checked after the first. `None` when no record type of `table` has a no-overlap rule.
pub fn overlap_error(table: &str) -> Option<ApiError> {
    let o = ALL.iter().find(|t| t.table == table)?.no_overlap?;
    Some(ApiError::validation(vec![FieldError::pointer(
        format!("/{}", o.start),
        format!(
            "overlaps another {} of the same child written at the same time",
            o.noun
        ),
    )]))
}

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
    /// Records that must not overlap in time (periods of care), if any.
    pub no_overlap: Option<Overlap>,
    /// Cross-field rules, run in order once every field parsed.
    pub rules: &'static [Rule],
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
        default: None,
    }
}

/// A field with a default (a JSON literal) taken when the member is absent or null.
const fn fd(name: &'static str, kind: Kind, default: &'static str, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        required: false,
        doc,
        default: Some(default),
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
    no_overlap: None,
    rules: &[],
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
    no_overlap: None,
    rules: &[
        Rule::NotBefore("returned_at", "started_at"),
        Rule::NotBefore("rhi_held_at", "returned_at"),
        Rule::RequiresWith("rhi_held_at", "returned_at"),
        Rule::RequiresWith("rhi_offered_at", "returned_at"),
        Rule::Forbid {
            when: &[Is::True("rhi_accepted"), Is::Given("rhi_declined_reason")],
            at: "rhi_declined_reason",
            message: "an accepted interview has no declined reason",
        },
    ],
};

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
/// CIN census `ReasonForClosure`: RC1 adopted, RC2 died, RC3 child arrangements order, RC4
/// special guardianship order, RC5 transferred to another authority, RC6 transferred to adult
/// services, RC7 services ceased for any other reason, RC8 closed after assessment with no
/// further action, RC9 closed after assessment and referred to early help.
pub const CLOSURE_REASON: &[&str] = &[
    "RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9",
];
pub const THRESHOLD_OUTCOME: &[&str] = &["statutory_work", "step_down", "nfa"];
pub const CONFERENCE_KIND: &[&str] = &["initial", "review", "transfer_in"];
/// DfE categories of abuse (CIN census): neglect, physical, sexual, emotional, multiple.
pub const ABUSE_CATEGORY: &[&str] = &["NEG", "PHY", "SAB", "EMO", "MUL"];
/// Visit kinds: `cp` and `cin` visits refer to their plan, `cla` visits to the placement,
/// `private_fostering` visits to the arrangement.
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
            "When the decision on the response was made; null while undecided (or, with `outcome` set, decided at a time not recorded).",
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
            "The decision: `nfa`, `early_help`, `threshold_visit`, `assessment` or `strategy_discussion`. Set without `decision_at`, it records a decision made at a time not recorded (a referral imported from the CIN census that went on to an assessment or a section 47 enquiry): such a referral forms no `referral-decision` case.",
        ),
        f(
            "closed_on",
            Kind::Date,
            false,
            "Date the social care episode this referral started was closed (CIN census `CINclosureDate`, the DfE feed's `closure_date`); null while open.",
        ),
        f(
            "closure_reason",
            Kind::Enum(CLOSURE_REASON),
            false,
            "Why the episode was closed: CIN census `ReasonForClosure` RC1-RC9 (needs `closed_on`).",
        ),
    ],
    list_date: "received_on",
    list_date_doc: "`from`/`to` select referrals received in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("decision_at", "received_at"),
        Rule::NotBefore("closed_on", "received_at"),
        Rule::RequiresWith("closure_reason", "closed_on"),
    ],
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
    no_overlap: None,
    rules: &[
        Rule::NotBefore("authorised_on", "started_on"),
        Rule::RequiresWith("outcome", "authorised_on"),
    ],
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
            false,
            "When the concern needing a strategy discussion was identified (the clock start). Null when not recorded (a discussion imported from the CIN census or Annex A, which give only its date): such a discussion forms no `strategy-discussion-timeliness` case.",
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
    no_overlap: None,
    rules: &[
        Rule::NotBefore("held_at", "concern_identified_at"),
        Rule::RequiresWith("police_attended", "held_at"),
        Rule::RequiresWith("s47_initiated", "held_at"),
        Rule::Forbid {
            when: &[Is::True("police_attended"), Is::False("police_invited")],
            at: "police_attended",
            message: "police who were not invited cannot have attended (`police_invited` is false)",
        },
    ],
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
    no_overlap: None,
    rules: &[],
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
    no_overlap: None,
    rules: &[Rule::NotBefore("completed_on", "started_on")],
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
        f(
            "previous_plans",
            Kind::Int { min: 0, max: 99 },
            false,
            "Number of previous child protection plans the child had, at any time and in any authority (CIN census `NumberOfPreviousCPP`, Annex A List 7); null when unknown.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select plans started in the range.",
    no_overlap: None,
    rules: &[Rule::NotBefore("ended_on", "started_on")],
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
    no_overlap: None,
    rules: &[
        Rule::Forbid {
            when: &[Is::Text("kind", "review"), Is::Missing("cp_plan_id")],
            at: "cp_plan_id",
            message: "a review conference needs the plan it reviews",
        },
        Rule::Forbid {
            when: &[Is::Text("kind", "review"), Is::Given("s47_enquiry_id")],
            at: "s47_enquiry_id",
            message: "only an initial conference follows a section 47 enquiry",
        },
        Rule::Forbid {
            when: &[Is::Text("kind", "transfer_in"), Is::Given("s47_enquiry_id")],
            at: "s47_enquiry_id",
            message: "a transfer-in conference follows another authority's enquiry",
        },
    ],
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
    no_overlap: None,
    rules: &[],
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
    no_overlap: None,
    rules: &[Rule::NotBefore("ended_on", "started_on")],
};

pub static VISITS: RecordType = RecordType {
    path: "visits",
    table: "visits",
    schema: "Visit",
    doc: "A statutory visit to a child. A `cp` visit refers to its child protection plan (`cp_plan_id`), a `cin` visit to its child in need plan (`cin_plan_id`), a `cla` visit to the placement the child is in (`placement_id`), a `private_fostering` visit to the arrangement (`private_fostering_id`): exactly the one reference its kind names.",
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
        f(
            "placement_id",
            Kind::Ref("placements"),
            false,
            "For a `cla` visit: the placement the child was visited in.",
        ),
        f(
            "private_fostering_id",
            Kind::Ref("private-fostering"),
            false,
            "For a `private_fostering` visit: the private fostering arrangement.",
        ),
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
    no_overlap: None,
    rules: &[
        Rule::Custom(|r, errors| {
            // The reference must match the kind: exactly the one reference the kind names; the
            // messages name the kind, so this is not a fixed `Forbid`.
            const REFS: [(&str, &str); 4] = [
                ("cp", "cp_plan_id"),
                ("cin", "cin_plan_id"),
                ("cla", "placement_id"),
                ("private_fostering", "private_fostering_id"),
            ];
            let kind = r.text("kind").unwrap_or("");
            for (k, field) in REFS {
                if k == kind {
                    r.require_present(field, &format!("a `{kind}` visit needs `{field}`"), errors);
                } else {
                    r.require_absent(
                        field,
                        &format!("a `{kind}` visit does not refer to `{field}`"),
                        errors,
                    );
                }
            }
        }),
        Rule::Forbid {
            when: &[Is::True("seen_alone"), Is::NotTrue("child_seen")],
            at: "seen_alone",
            message: "a child seen alone was seen: `child_seen` must be true",
        },
    ],
};

/// Exactly one of a CIN or CP plan reference.
/// A plan review or action belongs to exactly one plan: a child in need or a child protection
/// plan (at most one of the two rules fails).
const NOT_BOTH_PLANS: Rule = Rule::Forbid {
    when: &[Is::Given("cin_plan_id"), Is::Given("cp_plan_id")],
    at: "cp_plan_id",
    message: "give `cin_plan_id` or `cp_plan_id`, not both",
};
const SOME_PLAN: Rule = Rule::Forbid {
    when: &[Is::Missing("cin_plan_id"), Is::Missing("cp_plan_id")],
    at: "cin_plan_id",
    message: "give the plan: `cin_plan_id` or `cp_plan_id`",
};

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
    no_overlap: None,
    rules: &[NOT_BOTH_PLANS, SOME_PLAN],
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
    no_overlap: None,
    rules: &[
        NOT_BOTH_PLANS,
        SOME_PLAN,
        Rule::NotBefore("target_date", "agreed_on"),
        Rule::NotBefore("completed_on", "agreed_on"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Children in care, permanence, care leavers and the other statutory duties (issue 4). Codes
// follow the national returns (SSDA903) where there are any; still nothing free-text.

/// SSDA903 legal status (`LS`): interim/full care order, freeing/placement order, section 20
/// (V2 single period; V3/V4 short breaks), police protection/EPO/child assessment order, youth
/// justice remand and detention.
pub const LEGAL_STATUS: &[&str] = &[
    "C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3",
];
/// SSDA903 reason episode ceased (`REC`) that ends a period of care, every year's codes (X1,
/// "episode ends, period continues", ends no period).
pub const REASON_ENDED: &[&str] = &[
    "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E43", "E44", "E45", "E46",
    "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9",
];
/// SSDA903 placement type (`PLACE`), every year's codes up to 2026 (K3, Z11-Z14 new; H5, P2
/// withdrawn but kept for history).
pub const PLACEMENT_TYPE: &[&str] = &[
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1",
    "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13",
    "Z14",
];
/// SSDA903 reason for new episode (`RNE`): S started to be looked after, L change of legal
/// status only, P change of placement only, T change of both, U change of legal status and
/// placement to/from a placement with the same carer, B change of placement and carer (same
/// legal status).
pub const REASON_NEW_EPISODE: &[&str] = &["S", "L", "P", "T", "U", "B"];
/// SSDA903 reason for placement change (`REASON_PLACE_CHANGE`): ALLEG allegation (s47), APPRR
/// approval removed, CARPL change to or implementation of the care plan, CHILD the child
/// requested it, CLOSE the provision resigned or closed, CREQB the carer requested it because of
/// the child's behaviour, CREQO the carer requested it for another reason, LAREQ the authority
/// requested it, PLACE a change in the status of the placement only, STAND a concern about the
/// standard of care, OTHER.
pub const PLACEMENT_CHANGE_REASON: &[&str] = &[
    "ALLEG", "APPRR", "CARPL", "CHILD", "CLOSE", "CREQB", "CREQO", "LAREQ", "PLACE", "STAND",
    "OTHER",
];
/// SSDA903 reason episode ceased (`REC`) on a placement: every period-ending code and X1
/// (episode ends, the period of care continues).
pub const EPISODE_REASON_ENDED: &[&str] = &[
    "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E43", "E44", "E45", "E46",
    "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1",
];
pub const HEALTH_ASSESSMENT_KIND: &[&str] = &["initial", "review"];
pub const PERMANENCE_PLAN_TYPE: &[&str] = &[
    "adoption",
    "sgo",
    "long_term_fostering",
    "cao",
    "return_home",
];
pub const PERMANENCE_ENDED_REASON: &[&str] =
    &["plan_changed", "court_refused", "left_care", "other"];
pub const CARE_LEAVER_REVIEW_KIND: &[&str] = &["pathway_plan", "review", "closed"];
pub const HOMELESS_OUTCOME: &[&str] = &["accommodated_s20", "s17_support", "declined", "other"];
pub const AUDIT_GRADE: &[&str] = &["outstanding", "good", "requires_improvement", "inadequate"];

const CLA_PERIOD_REF: Field = f(
    "cla_period_id",
    Kind::Ref("cla-periods"),
    true,
    "The period of care.",
);

pub static CLA_PERIODS: RecordType = RecordType {
    path: "cla-periods",
    table: "cla_periods",
    schema: "ClaPeriod",
    doc: "A period of care: from the day the child started to be looked after to the day they ceased (SSDA903: from an episode with RNE = S to the first episode with DEC set and REC other than X1). One child's periods must not overlap (one may end on the day the next starts). `start_known` false marks a period that began before the imported data: it gives no first-review, second-review, initial-health-assessment or PEP case, and all its review intervals count as subsequent. A series of short breaks (legal status V3/V4 on the period and on every one of its placements: regulation 48) gives no children-in-care cases and is measured by short-break-review; a mixed period counts as care.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "started_on",
            Kind::Date,
            true,
            "Date the child started to be looked after (SSDA903 DECOM of the starting episode).",
        ),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Date the child ceased to be looked after; null while in care.",
        ),
        f(
            "legal_status",
            Kind::Enum(LEGAL_STATUS),
            false,
            "Current legal status (SSDA903 LS): C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3.",
        ),
        f(
            "reason_ended",
            Kind::Enum(REASON_ENDED),
            false,
            "Why the period ended (SSDA903 REC, e.g. E11 adopted, E41 residence order, E43/E44 SGO).",
        ),
        fd(
            "start_known",
            Kind::Bool,
            "true",
            "False when the period began before the imported data (its first episode is not RNE = S): `started_on` is then the first date seen. Default true.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select periods started in the range.",
    no_overlap: Some(Overlap {
        per: "child_id",
        start: "started_on",
        end: "ended_on",
        noun: "care period",
    }),
    rules: &[
        Rule::NotBefore("ended_on", "started_on"),
        Rule::RequiresWith("reason_ended", "ended_on"),
    ],
};

pub static PLACEMENTS: RecordType = RecordType {
    path: "placements",
    table: "placements",
    schema: "Placement",
    doc: "A placement within a period of care. Social worker visits are due within a week of its start, then every 6 weeks; after its first year a long-term placement (intended to last until the child is 18) every 3 months.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        CLA_PERIOD_REF,
        f("started_on", Kind::Date, true, "Placement start."),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Placement end; null while the child is there.",
        ),
        f(
            "placement_type",
            Kind::Enum(PLACEMENT_TYPE),
            false,
            "SSDA903 placement type (PLACE), e.g. U1-U6 foster care, K2 children's home, A3-A6 placed for adoption.",
        ),
        f(
            "long_term",
            Kind::Bool,
            false,
            "Whether the placement is intended to last until the child is 18 (visits every 3 months after its first year).",
        ),
        f(
            "legal_status",
            Kind::Enum(LEGAL_STATUS),
            false,
            "SSDA903 legal status during this episode (LS).",
        ),
        f(
            "reason_new",
            Kind::Enum(REASON_NEW_EPISODE),
            false,
            "SSDA903 reason for the new episode (RNE): S started to be looked after, L, P, T, U or B a change within the period of care.",
        ),
        f(
            "reason_ended",
            Kind::Enum(EPISODE_REASON_ENDED),
            false,
            "SSDA903 reason the episode ceased (REC): X1 the period of care continues, any other code ends it. Only with `ended_on`.",
        ),
        f(
            "change_reason",
            Kind::Enum(PLACEMENT_CHANGE_REASON),
            false,
            "SSDA903 reason for the change of placement (REASON_PLACE_CHANGE), for a placement that follows another in the period of care.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select placements started in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("ended_on", "started_on"),
        Rule::RequiresWith("reason_ended", "ended_on"),
    ],
};

pub static CLA_REVIEWS: RecordType = RecordType {
    path: "cla-reviews",
    table: "cla_reviews",
    schema: "ClaReview",
    doc: "A statutory review of a looked-after child's care plan, and the day the care plan was updated after it. A review belongs to the child's period of care that contains its date (on a day when one period ends and the next starts, the earlier one); a review in no period is kept with a null `cla_period_id` and forms no case.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "cla_period_id",
            Kind::Ref("cla-periods"),
            false,
            "The period of care the review belongs to; null for a review in no period.",
        ),
        f(
            "held_on",
            Kind::Date,
            true,
            "Date of the review (SSDA903 REVIEW).",
        ),
        f(
            "care_plan_updated_on",
            Kind::Date,
            false,
            "Date the care plan was updated after the review; null while not yet.",
        ),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select reviews held in the range.",
    no_overlap: None,
    rules: &[Rule::NotBefore("care_plan_updated_on", "held_on")],
};

pub static HEALTH_ASSESSMENTS: RecordType = RecordType {
    path: "health-assessments",
    table: "health_assessments",
    schema: "HealthAssessment",
    doc: "A statutory health assessment of a looked-after child: `initial` or `review`. It belongs to its `cla_period_id`, or, when that is null, to the child's period of care containing `completed_on`.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "cla_period_id",
            Kind::Ref("cla-periods"),
            false,
            "The period of care; null to take the child's period containing `completed_on`.",
        ),
        f(
            "kind",
            Kind::Enum(HEALTH_ASSESSMENT_KIND),
            true,
            "`initial` or `review`.",
        ),
        f(
            "completed_on",
            Kind::Date,
            true,
            "Date the assessment was completed.",
        ),
    ],
    list_date: "completed_on",
    list_date_doc: "`from`/`to` select assessments completed in the range.",
    no_overlap: None,
    rules: &[],
};

pub static PEPS: RecordType = RecordType {
    path: "peps",
    table: "peps",
    schema: "Pep",
    doc: "A personal education plan for a looked-after child.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        CLA_PERIOD_REF,
        f(
            "initiated_on",
            Kind::Date,
            false,
            "Date the plan was initiated (the first PEP meeting); `pep-initial` measures to it.",
        ),
        f(
            "completed_on",
            Kind::Date,
            false,
            "Date the plan was completed, if known. A PEP needs `initiated_on` or `completed_on`.",
        ),
    ],
    list_date: "completed_on",
    list_date_doc: "`from`/`to` select plans completed in the range.",
    no_overlap: None,
    rules: &[
        Rule::Forbid {
            when: &[Is::Missing("initiated_on"), Is::Missing("completed_on")],
            at: "initiated_on",
            message: "a PEP needs `initiated_on` or `completed_on`",
        },
        Rule::NotBefore("completed_on", "initiated_on"),
    ],
};

pub static PERMANENCE_PLANS: RecordType = RecordType {
    path: "permanence-plans",
    table: "permanence_plans",
    schema: "PermanencePlan",
    doc: "The decision that a permanence option is the plan for a child (`decided_on`) and when it was achieved, or ended unachieved. `achieved_on` means: the order made (special guardianship, child arrangements, adoption), the long-term foster match approved, or the child returned home.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "cla_period_id",
            Kind::Ref("cla-periods"),
            false,
            "The period of care, if the child is looked after.",
        ),
        f(
            "plan_type",
            Kind::Enum(PERMANENCE_PLAN_TYPE),
            true,
            "`adoption`, `sgo`, `long_term_fostering`, `cao` or `return_home`.",
        ),
        f(
            "decided_on",
            Kind::Date,
            true,
            "Date of the decision that this is the plan (the clock start).",
        ),
        f(
            "achieved_on",
            Kind::Date,
            false,
            "Date the plan was achieved (order made, match approved, child home); null while not.",
        ),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Date the plan ended without being achieved; null otherwise.",
        ),
        f(
            "ended_reason",
            Kind::Enum(PERMANENCE_ENDED_REASON),
            false,
            "Why it ended unachieved: `plan_changed`, `court_refused`, `left_care` or `other`.",
        ),
    ],
    list_date: "decided_on",
    list_date_doc: "`from`/`to` select plans decided in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("achieved_on", "decided_on"),
        Rule::NotBefore("ended_on", "decided_on"),
        Rule::RequiresWith("ended_reason", "ended_on"),
        Rule::Forbid {
            when: &[Is::Given("achieved_on"), Is::Given("ended_on")],
            at: "ended_on",
            message: "an achieved plan did not end unachieved: give `achieved_on` or `ended_on`, not both",
        },
    ],
};

pub static ADOPTIONS: RecordType = RecordType {
    path: "adoptions",
    table: "adoptions",
    schema: "Adoption",
    doc: "A child's adoption journey (Annex A list 10, SSDA903 AD1 and placed-for-adoption): the milestones the adoption scorecard measures. A1 runs from entering care to moving in with the adopters (for a foster-carer adoption, to the start of the foster placement: the A10 rule); A2 from the placement order to the match.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "cla_period_id",
            Kind::Ref("cla-periods"),
            false,
            "The period of care that ends (or is to end) in adoption.",
        ),
        f(
            "entered_care_on",
            Kind::Date,
            true,
            "Date the child entered care (the start of the period of care that ends in adoption).",
        ),
        f(
            "adm_decision_on",
            Kind::Date,
            false,
            "Date of the agency decision maker's decision that the child should be placed for adoption.",
        ),
        f(
            "placement_order_on",
            Kind::Date,
            false,
            "Date of the placement order (court authority to place).",
        ),
        f(
            "matched_on",
            Kind::Date,
            false,
            "Date the child was matched with the prospective adopters.",
        ),
        f(
            "placed_on",
            Kind::Date,
            false,
            "Date the child was placed for adoption (moved in with the adopters).",
        ),
        f(
            "adoption_order_on",
            Kind::Date,
            false,
            "Date of the adoption order.",
        ),
        f(
            "foster_carer_adoption",
            Kind::Bool,
            false,
            "Whether the child was adopted by their foster carers.",
        ),
        f(
            "foster_placement_started_on",
            Kind::Date,
            false,
            "For a foster-carer adoption: the day the child's placement with those carers began (A1 ends there: the A10 rule).",
        ),
        f(
            "decision_reversed_on",
            Kind::Date,
            false,
            "Date of the decision that the child should no longer be placed for adoption.",
        ),
    ],
    list_date: "entered_care_on",
    list_date_doc: "`from`/`to` select children who entered care in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("adm_decision_on", "entered_care_on"),
        Rule::NotBefore("placement_order_on", "entered_care_on"),
        Rule::NotBefore("matched_on", "entered_care_on"),
        Rule::NotBefore("placed_on", "entered_care_on"),
        Rule::NotBefore("adoption_order_on", "entered_care_on"),
        Rule::NotBefore("foster_placement_started_on", "entered_care_on"),
        Rule::NotBefore("decision_reversed_on", "entered_care_on"),
        Rule::NotBefore("adoption_order_on", "placed_on"),
        Rule::RequiresWith("adoption_order_on", "placed_on"),
        Rule::Forbid {
            when: &[
                Is::Given("foster_placement_started_on"),
                Is::NotTrue("foster_carer_adoption"),
            ],
            at: "foster_placement_started_on",
            message: "only a foster-carer adoption (`foster_carer_adoption` true) has a foster placement start",
        },
        // "Not after" rather than "not before", with its own message: not a `NotBefore`.
        Rule::Custom(|r, errors| {
            if let (Some(f), Some(p)) = (r.date("foster_placement_started_on"), r.date("placed_on"))
                && f > p
            {
                errors.push(FieldError::pointer(
                    "/foster_placement_started_on",
                    "the foster placement with the adopters began on or before the day the child was placed for adoption, not after",
                ));
            }
        }),
    ],
};

pub static CARE_LEAVER_REVIEWS: RecordType = RecordType {
    path: "care-leaver-reviews",
    table: "care_leaver_reviews",
    schema: "CareLeaverReview",
    doc: "Pathway planning for a care leaver, one record per event: `pathway_plan` (the plan was made: the anchor the first review is due from), `review` (a pathway plan review) or `closed` (pathway planning ended: the young person left the service). Reviews are due every 6 months from the plan or the previous review until the first `closed` record, and at the latest the young person's 25th birthday.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "kind",
            Kind::Enum(CARE_LEAVER_REVIEW_KIND),
            true,
            "`pathway_plan`, `review` or `closed`.",
        ),
        f(
            "held_on",
            Kind::Date,
            true,
            "Date of the plan, the review or the closure.",
        ),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select events in the range.",
    no_overlap: None,
    rules: &[],
};

pub static PRIVATE_FOSTERING: RecordType = RecordType {
    path: "private-fostering",
    table: "private_fostering",
    schema: "PrivateFostering",
    doc: "A private fostering notification and the arrangement it concerns. Its visits are `visits` of kind `private_fostering`.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "notified_on",
            Kind::Date,
            true,
            "Date the authority received the notification (the initial visit is due 7 working days later).",
        ),
        f(
            "arrangement_started_on",
            Kind::Date,
            false,
            "Date the arrangement began (null: not known, or only proposed).",
        ),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Date the arrangement ended; null while it continues.",
        ),
    ],
    list_date: "notified_on",
    list_date_doc: "`from`/`to` select notifications received in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("ended_on", "notified_on"),
        Rule::NotBefore("ended_on", "arrangement_started_on"),
    ],
};

pub static EHE_REGISTRATIONS: RecordType = RecordType {
    path: "ehe-registrations",
    table: "ehe_registrations",
    schema: "EheRegistration",
    doc: "A child registered as electively home educated, and the first visit to them.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "registered_on",
            Kind::Date,
            true,
            "Date the child was registered as home educated.",
        ),
        f(
            "first_visit_on",
            Kind::Date,
            false,
            "Date of the first visit; null while not visited.",
        ),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Date home education ended (e.g. back to school); null while it continues.",
        ),
    ],
    list_date: "registered_on",
    list_date_doc: "`from`/`to` select registrations in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("first_visit_on", "registered_on"),
        Rule::NotBefore("ended_on", "registered_on"),
    ],
};

pub static HOMELESS_PRESENTATIONS: RecordType = RecordType {
    path: "homeless-presentations",
    table: "homeless_presentations",
    schema: "HomelessPresentation",
    doc: "A 16- or 17-year-old presenting as homeless, whether they were told of their right to be accommodated under section 20, and the outcome.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "presented_on",
            Kind::Date,
            true,
            "Date the young person presented as homeless.",
        ),
        f(
            "age",
            Kind::Int { min: 16, max: 17 },
            true,
            "Age at presentation: 16 or 17.",
        ),
        f(
            "advised_s20_on",
            Kind::Date,
            false,
            "Date they were told of their right to be accommodated under section 20; null if not.",
        ),
        f(
            "outcome",
            Kind::Enum(HOMELESS_OUTCOME),
            false,
            "`accommodated_s20`, `s17_support`, `declined` (declined accommodation) or `other`.",
        ),
    ],
    list_date: "presented_on",
    list_date_doc: "`from`/`to` select presentations in the range.",
    no_overlap: None,
    rules: &[Rule::NotBefore("advised_s20_on", "presented_on")],
};

pub static CASE_AUDITS: RecordType = RecordType {
    path: "case-audits",
    table: "case_audits",
    schema: "CaseAudit",
    doc: "A case file audit: of a child's case (`child_id`) or of a team's work (`team`), by the auditing team, with its due date, completion and grade.",
    fields: &[
        f(
            "child_id",
            Kind::Ref("children"),
            false,
            "The child whose case was audited, if the audit is of one child's case.",
        ),
        f(
            "team",
            Kind::Code,
            false,
            "The team whose work was audited (else the child's team).",
        ),
        f(
            "auditor_team",
            Kind::Code,
            false,
            "The team responsible for completing the audit.",
        ),
        WORKER,
        f("due_on", Kind::Date, true, "Date the audit is due."),
        f(
            "completed_on",
            Kind::Date,
            false,
            "Date the audit was completed; null while outstanding.",
        ),
        f(
            "grade",
            Kind::Enum(AUDIT_GRADE),
            false,
            "`outstanding`, `good`, `requires_improvement` or `inadequate`.",
        ),
    ],
    list_date: "due_on",
    list_date_doc: "`from`/`to` select audits due in the range.",
    no_overlap: None,
    rules: &[
        Rule::RequiresWith("grade", "completed_on"),
        Rule::Forbid {
            when: &[Is::Missing("child_id"), Is::Missing("team")],
            at: "team",
            message: "an audit is of a child's case (`child_id`) or of a team (`team`): give one",
        },
    ],
};

// Social workers and care leavers' outcomes (issue 13): national measures of stability and of
// care leavers, on records the national returns (SSDA903 SWEpisodes, OC3) and the DfE's CSC
// API (`care_worker_details`, `care_leavers`) carry.

/// SSDA903 `SW_REASON`, why a social worker episode ended: MANAGE (management decision), FCONTA
/// (family contact), LEFTRL (worker left the role), ORGRST (organisational restructure), TSPROC
/// (transfer between teams/processes), ABSENC (worker absence), CHCHAN (child's circumstances
/// changed), PCCHAN (placement or care plan changed), SWDIED (worker died), OTHERS.
pub const SW_REASON: &[&str] = &[
    "MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "SWDIED",
    "OTHERS",
];

pub static WORKER_ASSIGNMENTS: RecordType = RecordType {
    path: "worker-assignments",
    table: "worker_assignments",
    schema: "WorkerAssignment",
    doc: "A social worker allocated to a child, from one day to another (SSDA903 SWEpisodes; the DfE CSC API's `care_worker_details`): the worker as a pseudonymous id, never a name. `social-worker-changes-3plus` counts a child's distinct workers in the year.",
    fields: &[
        CHILD,
        TEAM,
        f(
            "worker_id",
            Kind::Code,
            true,
            "Pseudonymous id of the social worker (SSDA903 `SW_ID`).",
        ),
        f(
            "started_on",
            Kind::Date,
            true,
            "Date the worker started working with the child (`SW_DECOM`).",
        ),
        f(
            "ended_on",
            Kind::Date,
            false,
            "Date the worker stopped working with the child (`SW_DEC`); null while allocated.",
        ),
        f(
            "reason",
            Kind::Enum(SW_REASON),
            false,
            "Why the allocation ended (SSDA903 `SW_REASON` code), with `ended_on`.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select allocations that started in the range.",
    no_overlap: None,
    rules: &[
        Rule::NotBefore("ended_on", "started_on"),
        Rule::RequiresWith("reason", "ended_on"),
    ],
};

/// SSDA903 OC3 `IN_TOUCH`: YES (the authority is in touch), NO (not in touch), DIED, REFU (the
/// young person refuses contact), NREQ (no longer requires services), RHOM (returned home to
/// their parents for 6 months or more).
pub const CARE_LEAVER_IN_TOUCH: &[&str] = &["YES", "NO", "DIED", "REFU", "NREQ", "RHOM"];
/// SSDA903 OC3 `ACCOM`, its letter (the type of accommodation; the digit after it, suitability,
/// is `accommodation_suitable`): B with parents or relatives, C community home, D semi-independent
/// transitional, E supported lodgings, G gone abroad, H deported, K ordinary lodgings, R residence
/// not known, S no fixed abode or homeless, T foyers, U independent living, V emergency
/// accommodation, W bed and breakfast, X in custody, Y other, Z with former foster carers.
pub const CARE_LEAVER_ACCOMMODATION: &[&str] = &[
    "B", "C", "D", "E", "G", "H", "K", "R", "S", "T", "U", "V", "W", "X", "Y", "Z",
];

pub static CARE_LEAVER_OUTCOMES: RecordType = RecordType {
    path: "care-leaver-outcomes",
    table: "care_leaver_outcomes",
    schema: "CareLeaverOutcome",
    doc: "What the authority knew of a care leaver around their 17th to 21st birthday (SSDA903 OC3; Annex A list 9; the DfE CSC API's `care_leavers`): in touch, activity (education, employment or training) and accommodation, one record per birthday. The care leaver measures (`care-leavers-in-touch`, `care-leavers-eet`, `care-leavers-suitable-accommodation`) count them by the birthday's month. Pathway plan reviews are `care-leaver-reviews`.",
    fields: &[
        CHILD,
        TEAM,
        WORKER,
        f(
            "age",
            Kind::Int { min: 17, max: 21 },
            true,
            "The birthday this is about: 17 to 21.",
        ),
        f(
            "birthday_month",
            Kind::Month,
            true,
            "`YYYY-MM`: the month of that birthday (the birth month plus `age` years); the measures date the record by it.",
        ),
        f(
            "contacted_on",
            Kind::Date,
            false,
            "Date of the latest contact around the birthday (Annex A `Latest Date of Contact`; the CSC API's `contact_date`).",
        ),
        f(
            "in_touch",
            Kind::Enum(CARE_LEAVER_IN_TOUCH),
            false,
            "SSDA903 `IN_TOUCH`: `YES`, `NO`, `DIED`, `REFU` (refuses contact), `NREQ` (no longer requires services), `RHOM` (returned home for 6 months or more); null: not recorded.",
        ),
        f(
            "activity",
            Kind::Code,
            false,
            "SSDA903 `ACTIV`: `F1`..`F3`/`P1`..`P3` (full-/part-time higher education, other education, training or employment; any F or P code is in education, employment or training), `G4`..`G6` (not, owing to illness or disability, other reasons, pregnancy or parenting); null or `0`: not known.",
        ),
        f(
            "accommodation",
            Kind::Enum(CARE_LEAVER_ACCOMMODATION),
            false,
            "Type of accommodation, the letter of SSDA903 `ACCOM` (B parents or relatives, C community home, D semi-independent, E supported lodgings, G abroad, H deported, K ordinary lodgings, R not known, S no fixed abode, T foyer, U independent living, V emergency, W bed and breakfast, X custody, Y other, Z former foster carers).",
        ),
        f(
            "accommodation_suitable",
            Kind::Bool,
            false,
            "Whether the accommodation is suitable (the digit of SSDA903 `ACCOM`: 1 suitable, 2 not); null: not known.",
        ),
    ],
    list_date: "birthday_month",
    list_date_doc: "`from`/`to` select records whose birthday month starts in the range.",
    no_overlap: None,
    rules: &[],
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
    &CLA_PERIODS,
    &PLACEMENTS,
    &PRIVATE_FOSTERING,
    &VISITS,
    &PLAN_REVIEWS,
    &PLAN_ACTIONS,
    &CLA_REVIEWS,
    &HEALTH_ASSESSMENTS,
    &PEPS,
    &PERMANENCE_PLANS,
    &ADOPTIONS,
    &CARE_LEAVER_REVIEWS,
    &EHE_REGISTRATIONS,
    &HOMELESS_PRESENTATIONS,
    &CASE_AUDITS,
    &WORKER_ASSIGNMENTS,
    &CARE_LEAVER_OUTCOMES,
];

pub fn by_path(path: &str) -> Option<&'static RecordType> {
    ALL.iter().copied().find(|t| t.path == path)
}
