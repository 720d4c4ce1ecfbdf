//! Record type descriptors: one static description per record type drives validation, storage,
//! listing, CSV columns and the OpenAPI schema. Adding a record type is adding a descriptor (and
//! its table in a migration); no handler is written for it.
//!
//! A descriptor is data: its fields are `Field` constructors (`Field::date(name, doc)`,
//! `Field::one_of(name, CODES, doc)`, then `.required()` or `.or_default(..)`), a record about a
//! child's case starts its fields with `case_fields![..]` (child, team, allocated worker), and
//! `..RecordType::PLAIN` stands for the overlap rule and rules a type does not have.

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
    /// A short list (at most [`MAX_CODES`]) of distinct values, each one of a fixed set; a JSON
    /// array of strings, stored as a `text[]` column, `;`-separated in a CSV cell.
    Codes(&'static [&'static str]),
}

/// The most elements a [`Kind::Codes`] field holds.
pub const MAX_CODES: usize = 41;

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

/// The descriptors are written with these constructors: a field is optional with no default
/// unless `.required()` or `.or_default(..)` says otherwise.
impl Field {
    /// An optional field of `kind`.
    pub const fn new(name: &'static str, kind: Kind, doc: &'static str) -> Field {
        Field {
            name,
            kind,
            required: false,
            doc,
            default: None,
        }
    }
    /// A short code or label ([`Kind::Code`]).
    pub const fn code(name: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Code, doc)
    }
    /// One of `values` ([`Kind::Enum`]).
    pub const fn one_of(
        name: &'static str,
        values: &'static [&'static str],
        doc: &'static str,
    ) -> Field {
        Field::new(name, Kind::Enum(values), doc)
    }
    /// A list of distinct values, each one of `values` ([`Kind::Codes`]).
    pub const fn codes(
        name: &'static str,
        values: &'static [&'static str],
        doc: &'static str,
    ) -> Field {
        Field::new(name, Kind::Codes(values), doc)
    }
    /// True or false ([`Kind::Bool`]).
    pub const fn flag(name: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Bool, doc)
    }
    /// A whole number from `min` to `max` ([`Kind::Int`]).
    pub const fn int(name: &'static str, min: i64, max: i64, doc: &'static str) -> Field {
        Field::new(name, Kind::Int { min, max }, doc)
    }
    /// A date ([`Kind::Date`]).
    pub const fn date(name: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Date, doc)
    }
    /// A month ([`Kind::Month`]).
    pub const fn month(name: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Month, doc)
    }
    /// An instant, or a date kept as date-only ([`Kind::Instant`]).
    pub const fn instant(name: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Instant, doc)
    }
    /// The id of a record of type `target` (its path name) of this authority ([`Kind::Ref`]).
    pub const fn reference(name: &'static str, target: &'static str, doc: &'static str) -> Field {
        Field::new(name, Kind::Ref(target), doc)
    }
    /// The same field, required.
    pub const fn required(self) -> Field {
        Field {
            required: true,
            ..self
        }
    }
    /// The same field, taking `default` (a JSON literal) when absent or null.
    pub const fn or_default(self, default: &'static str) -> Field {
        Field {
            default: Some(default),
            ..self
        }
    }

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
    /// What a descriptor that has them leaves out: no overlap rule and no cross-field rules
    /// (`..RecordType::PLAIN`). Its names, fields and list date are blank: every descriptor gives
    /// its own (`every_descriptor_gives_its_names` checks).
    pub const PLAIN: RecordType = RecordType {
        path: "",
        table: "",
        schema: "",
        doc: "",
        fields: &[],
        list_date: "",
        list_date_doc: "",
        no_overlap: None,
        rules: &[],
    };

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

const TEAM: Field = Field::code("team", "Team responsible (a code or short name).");
const WORKER: Field = Field::code("worker_id", "Pseudonymous id of the allocated worker.");
const CHILD: Field = Field::reference(
    "child_id",
    "children",
    "The child's id (a child record of this authority).",
)
.required();

/// The fields of a record about a child's case: the child, the team and the allocated worker,
/// then the type's own.
macro_rules! case_fields {
    ($($own:expr),* $(,)?) => {
        &[CHILD, TEAM, WORKER, $($own),*]
    };
}

pub static CHILDREN: RecordType = RecordType {
    path: "children",
    table: "children",
    schema: "Child",
    doc: "A child, pseudonymous: the authority's own reference and a few characteristics used to group indicators. Never names, addresses, NHS numbers or free text.",
    fields: &[
        Field::month("birth_month", "Month and year of birth, `YYYY-MM`."),
        Field::one_of("sex", SEX, "M, F or U (unknown / not recorded)."),
        Field::one_of("ethnicity", ETHNICITY, "DfE ethnicity code."),
        Field::flag("disability", "Whether the child has a disability."),
        Field::flag("uasc", "Unaccompanied asylum-seeking child."),
        TEAM,
    ],
    list_date: "updated_at",
    list_date_doc: "`from`/`to` select children whose record last changed in the range.",
    ..RecordType::PLAIN
};

pub static MISSING_EPISODES: RecordType = RecordType {
    path: "missing-episodes",
    table: "missing_episodes",
    schema: "MissingEpisode",
    doc: "A missing (or away) episode and its return home interview.",
    fields: case_fields![
        Field::one_of(
            "kind",
            MISSING_KIND,
            "`missing`, or `away` (absent without authorisation; needs no interview).",
        )
        .required(),
        Field::flag("in_care", "Whether the child was looked after at the time."),
        Field::instant("started_at", "When the child went missing.").required(),
        Field::instant(
            "returned_at",
            "When the child returned; null while still missing.",
        ),
        Field::instant(
            "rhi_offered_at",
            "When a return home interview was offered.",
        ),
        Field::code(
            "rhi_provider",
            "Who offers the interview (e.g. `LA` or a commissioned provider).",
        ),
        Field::flag(
            "rhi_accepted",
            "Whether the offer was accepted; false with a declined reason stops the 72-hour duty.",
        ),
        Field::instant("rhi_held_at", "When the interview was held."),
        Field::one_of(
            "rhi_declined_reason",
            RHI_DECLINED_REASON,
            "Why no interview was held, when declined.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select episodes that started in the range.",
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
    ..RecordType::PLAIN
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
/// CIN census factors identified at the end of assessment (`AssessmentFactors`, the DfE feed's
/// `factors`): 1A-6C alcohol misuse, drug misuse, domestic abuse, mental health, learning
/// disability, physical disability or illness (A child, B parent, C another person), 7A young
/// carer, 8B-8F privately fostered, 9A unaccompanied asylum seeker, 10A going missing, 11A child
/// sexual exploitation, 12A trafficking, 13A gangs, 14A socially unacceptable behaviour, 15A
/// self-harm, 16A neglect, 17A emotional abuse, 18B/18C physical abuse (by an adult / another
/// child), 19B/19C sexual abuse (by an adult / another child), 20 other, 21 no factors
/// identified, 22A female genital mutilation, 23A abuse linked to faith or belief, 24A child
/// criminal exploitation.
pub const ASSESSMENT_FACTOR: &[&str] = &[
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C", "6A",
    "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A", "15A",
    "16A", "17A", "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A",
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

const REFERRAL_REF: Field =
    Field::reference("referral_id", "referrals", "The referral this belongs to.");

pub static REFERRALS: RecordType = RecordType {
    path: "referrals",
    table: "referrals",
    schema: "Referral",
    doc: "A referral to children's social care and the front door's decision on it.",
    fields: case_fields![
        Field::instant("received_at", "When the referral was received.").required(),
        Field::instant(
            "decision_at",
            "When the decision on the response was made; null while undecided (or, with `outcome` set, decided at a time not recorded).",
        ),
        Field::one_of(
            "source",
            REFERRAL_SOURCE,
            "Who referred: DfE referral source code (1A-10).",
        ),
        Field::one_of(
            "outcome",
            REFERRAL_OUTCOME,
            "The decision: `nfa`, `early_help`, `threshold_visit`, `assessment` or `strategy_discussion`. Set without `decision_at`, it records a decision made at a time not recorded (a referral imported from the CIN census that went on to an assessment or a section 47 enquiry): such a referral forms no `referral-decision` case.",
        ),
        Field::date(
            "closed_on",
            "Date the social care episode this referral started was closed (CIN census `CINclosureDate`, the DfE feed's `closure_date`); null while open.",
        ),
        Field::one_of(
            "closure_reason",
            CLOSURE_REASON,
            "Why the episode was closed: CIN census `ReasonForClosure` RC1-RC9 (needs `closed_on`).",
        ),
    ],
    list_date: "received_on",
    list_date_doc: "`from`/`to` select referrals received in the range.",
    rules: &[
        Rule::NotBefore("decision_at", "received_at"),
        Rule::NotBefore("closed_on", "received_at"),
        Rule::RequiresWith("closure_reason", "closed_on"),
    ],
    ..RecordType::PLAIN
};

pub static ASSESSMENTS: RecordType = RecordType {
    path: "assessments",
    table: "assessments",
    schema: "Assessment",
    doc: "A child and family (single) assessment. Its 45-working-day clock starts at the referral.",
    fields: case_fields![
        Field::reference(
            "referral_id",
            "referrals",
            "The referral the assessment answers (its received date starts the clock).",
        )
        .required(),
        Field::date("started_on", "Assessment start date.").required(),
        Field::date(
            "authorised_on",
            "Date the manager authorised the completed assessment; null while open.",
        ),
        Field::one_of("outcome", ASSESSMENT_OUTCOME, "What the assessment led to."),
        Field::codes(
            "factors",
            ASSESSMENT_FACTOR,
            "Factors identified at the end of the assessment: distinct CIN census factor codes (1A-24A, 20 other, 21 none identified), at most 41; in CSV one cell, `;`-separated. No indicator uses them.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select assessments started in the range.",
    rules: &[
        Rule::NotBefore("authorised_on", "started_on"),
        Rule::RequiresWith("outcome", "authorised_on"),
    ],
    ..RecordType::PLAIN
};

pub static STRATEGY_DISCUSSIONS: RecordType = RecordType {
    path: "strategy-discussions",
    table: "strategy_discussions",
    schema: "StrategyDiscussion",
    doc: "A strategy discussion (or meeting) about possible significant harm, with police participation and, when late, why.",
    fields: case_fields![
        REFERRAL_REF,
        Field::instant(
            "concern_identified_at",
            "When the concern needing a strategy discussion was identified (the clock start). Null when not recorded (a discussion imported from the CIN census or Annex A, which give only its date): such a discussion forms no `strategy-discussion-timeliness` case.",
        ),
        Field::instant(
            "held_at",
            "When the discussion was held; null while not yet held.",
        ),
        Field::flag("police_invited", "Whether the police were invited."),
        Field::flag("police_attended", "Whether the police took part."),
        Field::one_of(
            "delay_reason",
            DELAY_REASON,
            "Why it was not held sooner: `none`, `police_unavailable`, `partner_unavailable`, `family_unavailable` or `other`.",
        ),
        Field::flag(
            "s47_initiated",
            "Whether the discussion decided to start a section 47 enquiry.",
        ),
    ],
    list_date: "concern_identified_on",
    list_date_doc: "`from`/`to` select discussions whose concern was identified in the range.",
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
    ..RecordType::PLAIN
};

pub static THRESHOLD_VISITS: RecordType = RecordType {
    path: "threshold-visits",
    table: "threshold_visits",
    schema: "ThresholdVisit",
    doc: "A visit to decide whether a referral meets the threshold for statutory work, and its outcome.",
    fields: case_fields![
        REFERRAL_REF,
        Field::date("visited_on", "Date of the visit.").required(),
        Field::one_of(
            "outcome",
            THRESHOLD_OUTCOME,
            "`statutory_work`, `step_down` (to early help) or `nfa`; null until decided.",
        ),
    ],
    list_date: "visited_on",
    list_date_doc: "`from`/`to` select visits made in the range.",
    ..RecordType::PLAIN
};

pub static SECTION47_ENQUIRIES: RecordType = RecordType {
    path: "section47-enquiries",
    table: "section47_enquiries",
    schema: "Section47Enquiry",
    doc: "A section 47 child protection enquiry. The initial conference is due 15 working days after the strategy discussion that started it.",
    fields: case_fields![
        Field::reference(
            "strategy_discussion_id",
            "strategy-discussions",
            "The strategy discussion that started the enquiry.",
        ),
        Field::date(
            "started_on",
            "Start date (CIN census `S47ActualStartDate`).",
        )
        .required(),
        Field::date("completed_on", "Date the enquiry concluded."),
        Field::flag(
            "icpc_required",
            "Whether an initial child protection conference is needed (false: CIN `ICPCnotRequired`).",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select enquiries started in the range.",
    rules: &[Rule::NotBefore("completed_on", "started_on")],
    ..RecordType::PLAIN
};

pub static CP_PLANS: RecordType = RecordType {
    path: "cp-plans",
    table: "cp_plans",
    schema: "CpPlan",
    doc: "A child protection plan.",
    fields: case_fields![
        Field::date(
            "started_on",
            "Plan start (the initial or transfer-in conference).",
        )
        .required(),
        Field::date("ended_on", "Plan end; null while open."),
        Field::one_of(
            "initial_category",
            ABUSE_CATEGORY,
            "Initial category of abuse (DfE: NEG, PHY, SAB, EMO, MUL).",
        ),
        Field::one_of(
            "latest_category",
            ABUSE_CATEGORY,
            "Latest category of abuse.",
        ),
        Field::int(
            "previous_plans",
            0,
            99,
            "Number of previous child protection plans the child had, at any time and in any authority (CIN census `NumberOfPreviousCPP`, Annex A List 7); null when unknown.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select plans started in the range.",
    rules: &[Rule::NotBefore("ended_on", "started_on")],
    ..RecordType::PLAIN
};

const CP_PLAN_REF: Field = Field::reference("cp_plan_id", "cp-plans", "The child protection plan.");
const CIN_PLAN_REF: Field = Field::reference("cin_plan_id", "cin-plans", "The child in need plan.");

pub static CP_CONFERENCES: RecordType = RecordType {
    path: "cp-conferences",
    table: "cp_conferences",
    schema: "CpConference",
    doc: "A child protection conference: `initial`, `review` or `transfer_in`.",
    fields: case_fields![
        Field::one_of(
            "kind",
            CONFERENCE_KIND,
            "`initial`, `review` or `transfer_in`.",
        )
        .required(),
        Field::reference(
            "s47_enquiry_id",
            "section47-enquiries",
            "For an initial conference: the section 47 enquiry it follows.",
        ),
        Field::reference(
            "cp_plan_id",
            "cp-plans",
            "The plan the conference started (initial, transfer-in) or reviewed (required for a review).",
        ),
        Field::date("held_on", "Date the conference was held.").required(),
        Field::flag(
            "outcome_plan",
            "Initial/transfer-in: whether a plan was made; review: whether the plan continues.",
        ),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select conferences held in the range.",
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
    ..RecordType::PLAIN
};

pub static CORE_GROUPS: RecordType = RecordType {
    path: "core-groups",
    table: "core_groups",
    schema: "CoreGroup",
    doc: "A core group meeting on a child protection plan.",
    fields: case_fields![
        Field::reference("cp_plan_id", "cp-plans", "The child protection plan.").required(),
        Field::date("held_on", "Date of the meeting.").required(),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select meetings held in the range.",
    ..RecordType::PLAIN
};

pub static CIN_PLANS: RecordType = RecordType {
    path: "cin-plans",
    table: "cin_plans",
    schema: "CinPlan",
    doc: "A child in need plan.",
    fields: case_fields![
        REFERRAL_REF,
        Field::date("started_on", "Plan start.").required(),
        Field::date("ended_on", "Plan end; null while open."),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select plans started in the range.",
    rules: &[Rule::NotBefore("ended_on", "started_on")],
    ..RecordType::PLAIN
};

pub static VISITS: RecordType = RecordType {
    path: "visits",
    table: "visits",
    schema: "Visit",
    doc: "A statutory visit to a child. A `cp` visit refers to its child protection plan (`cp_plan_id`), a `cin` visit to its child in need plan (`cin_plan_id`), a `cla` visit to the placement the child is in (`placement_id`), a `private_fostering` visit to the arrangement (`private_fostering_id`): exactly the one reference its kind names.",
    fields: case_fields![
        Field::one_of(
            "kind",
            VISIT_KIND,
            "`cp`, `cin`, `cla` or `private_fostering`.",
        )
        .required(),
        CP_PLAN_REF,
        CIN_PLAN_REF,
        Field::reference(
            "placement_id",
            "placements",
            "For a `cla` visit: the placement the child was visited in.",
        ),
        Field::reference(
            "private_fostering_id",
            "private-fostering",
            "For a `private_fostering` visit: the private fostering arrangement.",
        ),
        Field::date("visited_on", "Date of the visit.").required(),
        Field::flag(
            "child_seen",
            "Whether the child was seen (only visits with the child seen count for visit frequency).",
        ),
        Field::flag("seen_alone", "Whether the child was seen alone."),
    ],
    list_date: "visited_on",
    list_date_doc: "`from`/`to` select visits made in the range.",
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
    ..RecordType::PLAIN
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
    fields: case_fields![
        CIN_PLAN_REF,
        CP_PLAN_REF,
        Field::date("held_on", "Date of the review.").required(),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select reviews held in the range.",
    rules: &[NOT_BOTH_PLANS, SOME_PLAN],
    ..RecordType::PLAIN
};

pub static PLAN_ACTIONS: RecordType = RecordType {
    path: "plan-actions",
    table: "plan_actions",
    schema: "PlanAction",
    doc: "An action on a child in need or child protection plan, with its timescale (a target date) and when it was done.",
    fields: case_fields![
        CIN_PLAN_REF,
        CP_PLAN_REF,
        Field::date(
            "agreed_on",
            "Date the action was agreed (at the conference, core group or review).",
        )
        .required(),
        Field::date(
            "target_date",
            "The action's timescale; null when the plan gave it none.",
        ),
        Field::date(
            "completed_on",
            "Date the action was completed; null while outstanding.",
        ),
    ],
    list_date: "agreed_on",
    list_date_doc: "`from`/`to` select actions agreed in the range.",
    rules: &[
        NOT_BOTH_PLANS,
        SOME_PLAN,
        Rule::NotBefore("target_date", "agreed_on"),
        Rule::NotBefore("completed_on", "agreed_on"),
    ],
    ..RecordType::PLAIN
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

const CLA_PERIOD_REF: Field =
    Field::reference("cla_period_id", "cla-periods", "The period of care.").required();

pub static CLA_PERIODS: RecordType = RecordType {
    path: "cla-periods",
    table: "cla_periods",
    schema: "ClaPeriod",
    doc: "A period of care: from the day the child started to be looked after to the day they ceased (SSDA903: from an episode with RNE = S to the first episode with DEC set and REC other than X1). One child's periods must not overlap (one may end on the day the next starts). `start_known` false marks a period that began before the imported data: it gives no first-review, second-review, initial-health-assessment or PEP case, and all its review intervals count as subsequent. A series of short breaks (legal status V3/V4 on the period and on every one of its placements: regulation 48) gives no children-in-care cases and is measured by short-break-review; a mixed period counts as care.",
    fields: case_fields![
        Field::date(
            "started_on",
            "Date the child started to be looked after (SSDA903 DECOM of the starting episode).",
        )
        .required(),
        Field::date("ended_on", "Date the child ceased to be looked after; null while in care."),
        Field::one_of(
            "legal_status",
            LEGAL_STATUS,
            "Current legal status (SSDA903 LS): C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3.",
        ),
        Field::one_of(
            "reason_ended",
            REASON_ENDED,
            "Why the period ended (SSDA903 REC, e.g. E11 adopted, E41 residence order, E43/E44 SGO).",
        ),
        Field::flag(
            "start_known",
            "False when the period began before the imported data (its first episode is not RNE = S): `started_on` is then the first date seen. Default true.",
        )
        .or_default("true"),
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
    fields: case_fields![
        CLA_PERIOD_REF,
        Field::date("started_on", "Placement start.").required(),
        Field::date("ended_on", "Placement end; null while the child is there."),
        Field::one_of(
            "placement_type",
            PLACEMENT_TYPE,
            "SSDA903 placement type (PLACE), e.g. U1-U6 foster care, K2 children's home, A3-A6 placed for adoption.",
        ),
        Field::flag(
            "long_term",
            "Whether the placement is intended to last until the child is 18 (visits every 3 months after its first year).",
        ),
        Field::one_of(
            "legal_status",
            LEGAL_STATUS,
            "SSDA903 legal status during this episode (LS).",
        ),
        Field::one_of(
            "reason_new",
            REASON_NEW_EPISODE,
            "SSDA903 reason for the new episode (RNE): S started to be looked after, L, P, T, U or B a change within the period of care.",
        ),
        Field::one_of(
            "reason_ended",
            EPISODE_REASON_ENDED,
            "SSDA903 reason the episode ceased (REC): X1 the period of care continues, any other code ends it. Only with `ended_on`.",
        ),
        Field::one_of(
            "change_reason",
            PLACEMENT_CHANGE_REASON,
            "SSDA903 reason for the change of placement (REASON_PLACE_CHANGE), for a placement that follows another in the period of care.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select placements started in the range.",
    rules: &[
        Rule::NotBefore("ended_on", "started_on"),
        Rule::RequiresWith("reason_ended", "ended_on"),
    ],
    ..RecordType::PLAIN
};

pub static CLA_REVIEWS: RecordType = RecordType {
    path: "cla-reviews",
    table: "cla_reviews",
    schema: "ClaReview",
    doc: "A statutory review of a looked-after child's care plan, and the day the care plan was updated after it. A review belongs to the child's period of care that contains its date (on a day when one period ends and the next starts, the earlier one); a review in no period is kept with a null `cla_period_id` and forms no case.",
    fields: case_fields![
        Field::reference(
            "cla_period_id",
            "cla-periods",
            "The period of care the review belongs to; null for a review in no period.",
        ),
        Field::date("held_on", "Date of the review (SSDA903 REVIEW).").required(),
        Field::date(
            "care_plan_updated_on",
            "Date the care plan was updated after the review; null while not yet.",
        ),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select reviews held in the range.",
    rules: &[Rule::NotBefore("care_plan_updated_on", "held_on")],
    ..RecordType::PLAIN
};

pub static HEALTH_ASSESSMENTS: RecordType = RecordType {
    path: "health-assessments",
    table: "health_assessments",
    schema: "HealthAssessment",
    doc: "A statutory health assessment of a looked-after child: `initial` or `review`. It belongs to its `cla_period_id`, or, when that is null, to the child's period of care containing `completed_on`.",
    fields: case_fields![
        Field::reference(
            "cla_period_id",
            "cla-periods",
            "The period of care; null to take the child's period containing `completed_on`.",
        ),
        Field::one_of("kind", HEALTH_ASSESSMENT_KIND, "`initial` or `review`.").required(),
        Field::date("completed_on", "Date the assessment was completed.").required(),
    ],
    list_date: "completed_on",
    list_date_doc: "`from`/`to` select assessments completed in the range.",
    ..RecordType::PLAIN
};

pub static PEPS: RecordType = RecordType {
    path: "peps",
    table: "peps",
    schema: "Pep",
    doc: "A personal education plan for a looked-after child.",
    fields: case_fields![
        CLA_PERIOD_REF,
        Field::date(
            "initiated_on",
            "Date the plan was initiated (the first PEP meeting); `pep-initial` measures to it.",
        ),
        Field::date(
            "completed_on",
            "Date the plan was completed, if known. A PEP needs `initiated_on` or `completed_on`.",
        ),
    ],
    list_date: "completed_on",
    list_date_doc: "`from`/`to` select plans completed in the range.",
    rules: &[
        Rule::Forbid {
            when: &[Is::Missing("initiated_on"), Is::Missing("completed_on")],
            at: "initiated_on",
            message: "a PEP needs `initiated_on` or `completed_on`",
        },
        Rule::NotBefore("completed_on", "initiated_on"),
    ],
    ..RecordType::PLAIN
};

pub static PERMANENCE_PLANS: RecordType = RecordType {
    path: "permanence-plans",
    table: "permanence_plans",
    schema: "PermanencePlan",
    doc: "The decision that a permanence option is the plan for a child (`decided_on`) and when it was achieved, or ended unachieved. `achieved_on` means: the order made (special guardianship, child arrangements, adoption), the long-term foster match approved, or the child returned home.",
    fields: case_fields![
        Field::reference(
            "cla_period_id",
            "cla-periods",
            "The period of care, if the child is looked after.",
        ),
        Field::one_of(
            "plan_type",
            PERMANENCE_PLAN_TYPE,
            "`adoption`, `sgo`, `long_term_fostering`, `cao` or `return_home`.",
        )
        .required(),
        Field::date(
            "decided_on",
            "Date of the decision that this is the plan (the clock start).",
        )
        .required(),
        Field::date(
            "achieved_on",
            "Date the plan was achieved (order made, match approved, child home); null while not.",
        ),
        Field::date(
            "ended_on",
            "Date the plan ended without being achieved; null otherwise.",
        ),
        Field::one_of(
            "ended_reason",
            PERMANENCE_ENDED_REASON,
            "Why it ended unachieved: `plan_changed`, `court_refused`, `left_care` or `other`.",
        ),
    ],
    list_date: "decided_on",
    list_date_doc: "`from`/`to` select plans decided in the range.",
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
    ..RecordType::PLAIN
};

pub static ADOPTIONS: RecordType = RecordType {
    path: "adoptions",
    table: "adoptions",
    schema: "Adoption",
    doc: "A child's adoption journey (Annex A list 10, SSDA903 AD1 and placed-for-adoption): the milestones the adoption scorecard measures. A1 runs from entering care to moving in with the adopters (for a foster-carer adoption, to the start of the foster placement: the A10 rule); A2 from the placement order to the match.",
    fields: case_fields![
        Field::reference(
            "cla_period_id",
            "cla-periods",
            "The period of care that ends (or is to end) in adoption.",
        ),
        Field::date(
            "entered_care_on",
            "Date the child entered care (the start of the period of care that ends in adoption).",
        )
        .required(),
        Field::date(
            "adm_decision_on",
            "Date of the agency decision maker's decision that the child should be placed for adoption.",
        ),
        Field::date(
            "placement_order_on",
            "Date of the placement order (court authority to place).",
        ),
        Field::date(
            "matched_on",
            "Date the child was matched with the prospective adopters.",
        ),
        Field::date(
            "placed_on",
            "Date the child was placed for adoption (moved in with the adopters).",
        ),
        Field::date("adoption_order_on", "Date of the adoption order."),
        Field::flag(
            "foster_carer_adoption",
            "Whether the child was adopted by their foster carers.",
        ),
        Field::date(
            "foster_placement_started_on",
            "For a foster-carer adoption: the day the child's placement with those carers began (A1 ends there: the A10 rule).",
        ),
        Field::date(
            "decision_reversed_on",
            "Date of the decision that the child should no longer be placed for adoption.",
        ),
    ],
    list_date: "entered_care_on",
    list_date_doc: "`from`/`to` select children who entered care in the range.",
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
    ..RecordType::PLAIN
};

pub static CARE_LEAVER_REVIEWS: RecordType = RecordType {
    path: "care-leaver-reviews",
    table: "care_leaver_reviews",
    schema: "CareLeaverReview",
    doc: "Pathway planning for a care leaver, one record per event: `pathway_plan` (the plan was made: the anchor the first review is due from), `review` (a pathway plan review) or `closed` (pathway planning ended: the young person left the service). Reviews are due every 6 months from the plan or the previous review until the first `closed` record, and at the latest the young person's 25th birthday.",
    fields: case_fields![
        Field::one_of(
            "kind",
            CARE_LEAVER_REVIEW_KIND,
            "`pathway_plan`, `review` or `closed`.",
        )
        .required(),
        Field::date("held_on", "Date of the plan, the review or the closure.").required(),
    ],
    list_date: "held_on",
    list_date_doc: "`from`/`to` select events in the range.",
    ..RecordType::PLAIN
};

pub static PRIVATE_FOSTERING: RecordType = RecordType {
    path: "private-fostering",
    table: "private_fostering",
    schema: "PrivateFostering",
    doc: "A private fostering notification and the arrangement it concerns. Its visits are `visits` of kind `private_fostering`.",
    fields: case_fields![
        Field::date(
            "notified_on",
            "Date the authority received the notification (the initial visit is due 7 working days later).",
        )
        .required(),
        Field::date(
            "arrangement_started_on",
            "Date the arrangement began (null: not known, or only proposed).",
        ),
        Field::date("ended_on", "Date the arrangement ended; null while it continues."),
    ],
    list_date: "notified_on",
    list_date_doc: "`from`/`to` select notifications received in the range.",
    rules: &[
        Rule::NotBefore("ended_on", "notified_on"),
        Rule::NotBefore("ended_on", "arrangement_started_on"),
    ],
    ..RecordType::PLAIN
};

pub static EHE_REGISTRATIONS: RecordType = RecordType {
    path: "ehe-registrations",
    table: "ehe_registrations",
    schema: "EheRegistration",
    doc: "A child registered as electively home educated, and the first visit to them.",
    fields: case_fields![
        Field::date(
            "registered_on",
            "Date the child was registered as home educated.",
        )
        .required(),
        Field::date(
            "first_visit_on",
            "Date of the first visit; null while not visited.",
        ),
        Field::date(
            "ended_on",
            "Date home education ended (e.g. back to school); null while it continues.",
        ),
    ],
    list_date: "registered_on",
    list_date_doc: "`from`/`to` select registrations in the range.",
    rules: &[
        Rule::NotBefore("first_visit_on", "registered_on"),
        Rule::NotBefore("ended_on", "registered_on"),
    ],
    ..RecordType::PLAIN
};

pub static HOMELESS_PRESENTATIONS: RecordType = RecordType {
    path: "homeless-presentations",
    table: "homeless_presentations",
    schema: "HomelessPresentation",
    doc: "A 16- or 17-year-old presenting as homeless, whether they were told of their right to be accommodated under section 20, and the outcome.",
    fields: case_fields![
        Field::date(
            "presented_on",
            "Date the young person presented as homeless.",
        )
        .required(),
        Field::int("age", 16, 17, "Age at presentation: 16 or 17.").required(),
        Field::date(
            "advised_s20_on",
            "Date they were told of their right to be accommodated under section 20; null if not.",
        ),
        Field::one_of(
            "outcome",
            HOMELESS_OUTCOME,
            "`accommodated_s20`, `s17_support`, `declined` (declined accommodation) or `other`.",
        ),
    ],
    list_date: "presented_on",
    list_date_doc: "`from`/`to` select presentations in the range.",
    rules: &[Rule::NotBefore("advised_s20_on", "presented_on")],
    ..RecordType::PLAIN
};

pub static CASE_AUDITS: RecordType = RecordType {
    path: "case-audits",
    table: "case_audits",
    schema: "CaseAudit",
    doc: "A case file audit: of a child's case (`child_id`) or of a team's work (`team`), by the auditing team, with its due date, completion and grade.",
    fields: &[
        Field::reference(
            "child_id",
            "children",
            "The child whose case was audited, if the audit is of one child's case.",
        ),
        Field::code(
            "team",
            "The team whose work was audited (else the child's team).",
        ),
        Field::code(
            "auditor_team",
            "The team responsible for completing the audit.",
        ),
        WORKER,
        Field::date("due_on", "Date the audit is due.").required(),
        Field::date(
            "completed_on",
            "Date the audit was completed; null while outstanding.",
        ),
        Field::one_of(
            "grade",
            AUDIT_GRADE,
            "`outstanding`, `good`, `requires_improvement` or `inadequate`.",
        ),
    ],
    list_date: "due_on",
    list_date_doc: "`from`/`to` select audits due in the range.",
    rules: &[
        Rule::RequiresWith("grade", "completed_on"),
        Rule::Forbid {
            when: &[Is::Missing("child_id"), Is::Missing("team")],
            at: "team",
            message: "an audit is of a child's case (`child_id`) or of a team (`team`): give one",
        },
    ],
    ..RecordType::PLAIN
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
        Field::code(
            "worker_id",
            "Pseudonymous id of the social worker (SSDA903 `SW_ID`).",
        )
        .required(),
        Field::date(
            "started_on",
            "Date the worker started working with the child (`SW_DECOM`).",
        )
        .required(),
        Field::date(
            "ended_on",
            "Date the worker stopped working with the child (`SW_DEC`); null while allocated.",
        ),
        Field::one_of(
            "reason",
            SW_REASON,
            "Why the allocation ended (SSDA903 `SW_REASON` code), with `ended_on`.",
        ),
    ],
    list_date: "started_on",
    list_date_doc: "`from`/`to` select allocations that started in the range.",
    rules: &[
        Rule::NotBefore("ended_on", "started_on"),
        Rule::RequiresWith("reason", "ended_on"),
    ],
    ..RecordType::PLAIN
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
    fields: case_fields![
        Field::int("age", 17, 21, "The birthday this is about: 17 to 21.").required(),
        Field::month(
            "birthday_month",
            "`YYYY-MM`: the month of that birthday (the birth month plus `age` years); the measures date the record by it.",
        )
        .required(),
        Field::date(
            "contacted_on",
            "Date of the latest contact around the birthday (Annex A `Latest Date of Contact`; the CSC API's `contact_date`).",
        ),
        Field::one_of(
            "in_touch",
            CARE_LEAVER_IN_TOUCH,
            "SSDA903 `IN_TOUCH`: `YES`, `NO`, `DIED`, `REFU` (refuses contact), `NREQ` (no longer requires services), `RHOM` (returned home for 6 months or more); null: not recorded.",
        ),
        Field::code(
            "activity",
            "SSDA903 `ACTIV`: `F1`..`F3`/`P1`..`P3` (full-/part-time higher education, other education, training or employment; any F or P code is in education, employment or training), `G4`..`G6` (not, owing to illness or disability, other reasons, pregnancy or parenting); null or `0`: not known.",
        ),
        Field::one_of(
            "accommodation",
            CARE_LEAVER_ACCOMMODATION,
            "Type of accommodation, the letter of SSDA903 `ACCOM` (B parents or relatives, C community home, D semi-independent, E supported lodgings, G abroad, H deported, K ordinary lodgings, R not known, S no fixed abode, T foyer, U independent living, V emergency, W bed and breakfast, X custody, Y other, Z former foster carers).",
        ),
        Field::flag(
            "accommodation_suitable",
            "Whether the accommodation is suitable (the digit of SSDA903 `ACCOM`: 1 suitable, 2 not); null: not known.",
        ),
    ],
    list_date: "birthday_month",
    list_date_doc: "`from`/`to` select records whose birthday month starts in the range.",
    ..RecordType::PLAIN
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_descriptor_gives_its_names_fields_and_list_date() {
        // `..RecordType::PLAIN` leaves these blank: a descriptor must not.
        for t in ALL {
            assert!(!t.path.is_empty() && !t.schema.is_empty() && !t.doc.is_empty());
            assert_eq!(t.table, t.path.replace('-', "_"), "{}", t.path);
            assert!(!t.fields.is_empty(), "{}", t.path);
            assert!(
                !t.list_date.is_empty() && !t.list_date_doc.is_empty(),
                "{}",
                t.path
            );
        }
    }
}
