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

/// Every record type, in dependency order (a type only refers to types before it).
pub static ALL: &[&RecordType] = &[&CHILDREN, &MISSING_EPISODES];

pub fn by_path(path: &str) -> Option<&'static RecordType> {
    ALL.iter().copied().find(|t| t.path == path)
}
