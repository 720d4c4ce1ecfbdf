//! The body of the DfE's CSC API (v1.0.1, `../shared/external/dfe-csc-api/openapi.json`) as
//! typed structs mirroring its definition: every object `additionalProperties: false`, every
//! length, pattern and array bound of the definition checked while parsing, and every problem
//! reported with its JSON pointer (not just the first).
//!
//! Identifying values are dropped here, as they are parsed: names, unique pupil numbers
//! (current and former), postcodes (child and placement) become [`Dropped`] (only whether their
//! length was within the definition is kept), and the exact date of birth becomes the birth
//! month ([`BirthMonth`]). No problem message quotes a value of the body.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Most children in one request (the definition's `maxItems`); more is a 413.
pub const MAX_CHILDREN: usize = 100;

/// A problem at `pointer` (relative to the value it was found in, until it is placed).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub pointer: String,
    pub message: String,
}

impl Problem {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
    fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// A value of the definition read from JSON: `Err` lists its problems (pointers relative to it).
pub trait FromJson: Sized {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>>;
}

/// One member of an object: absent (unchanged, in a partial update), or present and valid, or
/// present and not valid (its problems).
#[derive(Debug, Default)]
pub enum Leaf<T> {
    #[default]
    Absent,
    Ok(T),
    Bad(Vec<Problem>),
}

impl<T> Leaf<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Leaf::Ok(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_present(&self) -> bool {
        !matches!(self, Leaf::Absent)
    }
    fn problems(&self, prefix: &str, out: &mut Vec<Problem>) {
        if let Leaf::Bad(ps) = self {
            out.extend(ps.iter().cloned().map(|p| p.under(prefix)));
        }
    }
}

impl<'de, T: FromJson> Deserialize<'de> for Leaf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(match T::from_json(v) {
            Ok(t) => Leaf::Ok(t),
            Err(ps) => Leaf::Bad(ps),
        })
    }
}

fn string(v: Value) -> Result<String, Vec<Problem>> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(vec![Problem::new("", "must be a string")]),
    }
}

fn length_ok(s: &str, min: usize, max: usize) -> bool {
    let n = s.chars().count();
    n >= min && n <= max
}

/// An identifier: at most `MAX` characters of `[A-Za-z0-9_-]` (the definition's pattern
/// `^[A-Za-z0-9_-]*$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id<const MAX: usize>(pub String);

impl<const MAX: usize> FromJson for Id<MAX> {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let s = string(v)?;
        if !length_ok(&s, 0, MAX) {
            return Err(vec![Problem::new(
                "",
                format!("must be at most {MAX} characters"),
            )]);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(vec![Problem::new(
                "",
                "must match ^[A-Za-z0-9_-]*$ (letters, digits, _ and -)",
            )]);
        }
        Ok(Id(s))
    }
}

/// `la_child_id`: 1-20 letters or digits (`^[A-Za-z0-9]+$`, `maxLength: 20`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildId(pub String);

impl FromJson for ChildId {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let s = string(v)?;
        if s.is_empty() || s.len() > 20 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(vec![Problem::new(
                "",
                "must be 1-20 letters or digits (^[A-Za-z0-9]+$, maxLength 20)",
            )]);
        }
        Ok(ChildId(s))
    }
}

/// A code of at most `MAX` characters (the definition gives lengths, not lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code<const MAX: usize>(pub String);

impl<const MAX: usize> FromJson for Code<MAX> {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let s = string(v)?;
        if !length_ok(&s, 0, MAX) {
            return Err(vec![Problem::new(
                "",
                format!("must be at most {MAX} characters"),
            )]);
        }
        Ok(Code(s))
    }
}

/// An identifying string (a name, a UPN, a postcode): checked against the definition's length
/// and dropped. Nothing of it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped<const MIN: usize, const MAX: usize>;

impl<const MIN: usize, const MAX: usize> FromJson for Dropped<MIN, MAX> {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let s = string(v)?;
        let ok = length_ok(&s, MIN, MAX);
        drop(s);
        if ok {
            Ok(Dropped)
        } else if MIN == MAX {
            Err(vec![Problem::new(
                "",
                format!("must be exactly {MIN} characters"),
            )])
        } else {
            Err(vec![Problem::new(
                "",
                format!("must be at most {MAX} characters"),
            )])
        }
    }
}

/// A name: any string, dropped.
pub type Name = Dropped<0, { usize::MAX }>;

fn date(v: Value) -> Result<NaiveDate, Vec<Problem>> {
    let s = string(v)?;
    // RFC 3339 full-date, exactly `YYYY-MM-DD`.
    let parsed = if s.len() == 10 {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
    } else {
        None
    };
    parsed.ok_or_else(|| vec![Problem::new("", "must be a date, YYYY-MM-DD")])
}

/// A date (`format: date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

impl FromJson for Date {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        date(v).map(Date)
    }
}

/// The date of birth, reduced as it is read to its month (`YYYY-MM`): the day is never kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthMonth {
    pub year: i32,
    pub month: u32,
}

impl FromJson for BirthMonth {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let d = date(v)?;
        Ok(BirthMonth {
            year: d.year(),
            month: d.month(),
        })
    }
}

impl FromJson for bool {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        v.as_bool()
            .ok_or_else(|| vec![Problem::new("", "must be true or false")])
    }
}

/// An integer (any size: SDQ scores are checked, not kept).
#[derive(Debug, Clone, Copy)]
pub struct Integer;

impl FromJson for Integer {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let ok = match &v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        };
        if ok {
            Ok(Integer)
        } else {
            Err(vec![Problem::new("", "must be an integer")])
        }
    }
}

/// An array of at most `MAX` items (`usize::MAX`: no bound), each read as `T`; `UNIQUE` for
/// `uniqueItems: true`.
#[derive(Debug)]
pub struct List<T, const MAX: usize, const UNIQUE: bool>(pub Vec<T>);

impl<T: FromJson, const MAX: usize, const UNIQUE: bool> FromJson for List<T, MAX, UNIQUE> {
    fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
        let Value::Array(items) = v else {
            return Err(vec![Problem::new("", "must be an array")]);
        };
        let mut problems = Vec::new();
        if items.len() > MAX {
            problems.push(Problem::new("", format!("must have at most {MAX} items")));
        }
        if UNIQUE {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    problems.push(Problem::new(
                        format!("/{i}"),
                        "repeats an earlier item (uniqueItems)",
                    ));
                }
            }
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match T::from_json(item) {
                Ok(t) => out.push(t),
                Err(ps) => problems.extend(ps.into_iter().map(|p| p.under(&format!("/{i}")))),
            }
        }
        if problems.is_empty() {
            Ok(List(out))
        } else {
            Err(problems)
        }
    }
}

/// An object of the definition: its members (every one optional, `Leaf`), the required ones,
/// and no others.
macro_rules! dfe_object {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? } required [$($req:ident),*]) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $( #[serde(default)] pub $field: Leaf<$ty>, )*
        }

        impl $name {
            pub const MEMBERS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        impl FromJson for $name {
            fn from_json(v: Value) -> Result<Self, Vec<Problem>> {
                let Value::Object(map) = &v else {
                    return Err(vec![Problem::new("", "must be an object")]);
                };
                let mut problems = Vec::new();
                for key in map.keys() {
                    if !Self::MEMBERS.contains(&key.as_str()) {
                        problems.push(unknown_member(key));
                    }
                }
                $(
                    if !map.contains_key(stringify!($req)) {
                        problems.push(Problem::new(
                            concat!("/", stringify!($req)),
                            "is required",
                        ));
                    }
                )*
                if !problems.is_empty() {
                    return Err(problems);
                }
                let s: $name = serde_json::from_value(v)
                    .map_err(|_| vec![Problem::new("", "is not an object of the DfE's definition")])?;
                $( s.$field.problems(concat!("/", stringify!($field)), &mut problems); )*
                if problems.is_empty() { Ok(s) } else { Err(problems) }
            }
        }
    };
}

/// A member an object of the definition does not have. Named (in the pointer) only when it
/// is a member name of some object of the definition, sent in the wrong place: any other name
/// may itself be identifying data, so the problem points at the object holding it.
fn unknown_member(key: &str) -> Problem {
    let known = [
        Child::MEMBERS,
        ChildDetails::MEMBERS,
        HealthAndWellbeing::MEMBERS,
        Sdq::MEMBERS,
        Episode::MEMBERS,
        CareWorker::MEMBERS,
        Assessment::MEMBERS,
        CinPlan::MEMBERS,
        Section47::MEMBERS,
        CpPlan::MEMBERS,
        Placement::MEMBERS,
        Adoption::MEMBERS,
        CareLeavers::MEMBERS,
    ]
    .iter()
    .any(|m| m.contains(&key));
    if known {
        Problem::new(
            format!("/{}", escape(key)),
            "is not a member of this object in the DfE's definition (additionalProperties: false)",
        )
    } else {
        Problem::new(
            "",
            "has a member that is not in the DfE's definition (additionalProperties: false); not named here, as a name outside the definition may itself be identifying",
        )
    }
}

/// A JSON pointer segment (RFC 6901).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

type SubId = Id<36>;

dfe_object!(
    /// One child of the array.
    Child {
        la_child_id: ChildId,
        mis_child_id: Id<36>,
        purge: bool,
        child_details: ChildDetails,
        health_and_wellbeing: HealthAndWellbeing,
        social_care_episodes: List<Episode, { usize::MAX }, false>,
    } required [la_child_id]
);

dfe_object!(
    /// `child_details`: the personal details (the identifying ones dropped as they are read).
    ChildDetails {
        unique_pupil_number: Dropped<13, 13>,
        former_unique_pupil_number: Dropped<13, 13>,
        unique_pupil_number_unknown_reason: Code<4>,
        first_name: Name,
        surname: Name,
        date_of_birth: BirthMonth,
        expected_date_of_birth: Date,
        sex: Code<1>,
        ethnicity: Code<4>,
        disabilities: List<Code<4>, 12, true>,
        postcode: Dropped<0, 8>,
        uasc_flag: bool,
        uasc_end_date: Date,
        purge: bool,
    } required []
);

dfe_object!(
    HealthAndWellbeing {
        sdq_assessments: List<Sdq, { usize::MAX }, false>,
        purge: bool,
    } required []
);

dfe_object!(
    Sdq {
        date: Date,
        score: Integer,
    } required []
);

dfe_object!(
    Episode {
        social_care_episode_id: SubId,
        referral_date: Date,
        referral_source: Code<2>,
        referral_no_further_action_flag: bool,
        closure_date: Date,
        closure_reason: Code<3>,
        care_worker_details: List<CareWorker, { usize::MAX }, false>,
        child_and_family_assessments: List<Assessment, { usize::MAX }, false>,
        child_in_need_plans: List<CinPlan, { usize::MAX }, false>,
        section_47_assessments: List<Section47, { usize::MAX }, false>,
        child_protection_plans: List<CpPlan, { usize::MAX }, false>,
        child_looked_after_placements: List<Placement, { usize::MAX }, false>,
        adoption: Adoption,
        care_leavers: CareLeavers,
        purge: bool,
    } required [social_care_episode_id]
);

dfe_object!(
    CareWorker {
        worker_id: Id<12>,
        start_date: Date,
        end_date: Date,
    } required []
);

dfe_object!(
    Assessment {
        child_and_family_assessment_id: SubId,
        start_date: Date,
        authorisation_date: Date,
        factors: List<Code<3>, 41, true>,
        purge: bool,
    } required [child_and_family_assessment_id]
);

dfe_object!(
    CinPlan {
        child_in_need_plan_id: SubId,
        start_date: Date,
        end_date: Date,
        purge: bool,
    } required [child_in_need_plan_id]
);

dfe_object!(
    Section47 {
        section_47_assessment_id: SubId,
        start_date: Date,
        icpc_required_flag: bool,
        icpc_date: Date,
        end_date: Date,
        purge: bool,
    } required [section_47_assessment_id]
);

dfe_object!(
    CpPlan {
        child_protection_plan_id: SubId,
        start_date: Date,
        end_date: Date,
        purge: bool,
    } required [child_protection_plan_id]
);

dfe_object!(
    Placement {
        child_looked_after_placement_id: SubId,
        start_date: Date,
        start_reason: Code<1>,
        placement_type: Code<3>,
        postcode: Dropped<0, 8>,
        end_date: Date,
        end_reason: Code<3>,
        change_reason: Code<6>,
        purge: bool,
    } required [child_looked_after_placement_id]
);

dfe_object!(
    Adoption {
        initial_decision_date: Date,
        matched_date: Date,
        placed_date: Date,
        purge: bool,
    } required []
);

dfe_object!(
    CareLeavers {
        contact_date: Date,
        activity: Code<2>,
        accommodation: Code<1>,
        purge: bool,
    } required []
);

/// Whether a `purge` member is present and true.
pub fn purged(p: &Leaf<bool>) -> bool {
    matches!(p, Leaf::Ok(true))
}

/// The body: a JSON array of at most [`MAX_CHILDREN`] children. `Err(None)` when it holds more
/// (a 413); `Err(Some(problems))` with every problem, pointers from the body's root.
pub fn parse(body: &[u8]) -> Result<Vec<Child>, Option<Vec<Problem>>> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| Some(vec![Problem::new("", "the body is not valid JSON")]))?;
    let Value::Array(items) = v else {
        return Err(Some(vec![Problem::new(
            "",
            "the body must be a JSON array of children",
        )]));
    };
    if items.len() > MAX_CHILDREN {
        return Err(None);
    }
    let mut children = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        // Name the child (its `la_child_id`, pseudonymous) in each of its problems.
        let name = item
            .get("la_child_id")
            .cloned()
            .and_then(|v| ChildId::from_json(v).ok())
            .map(|c| format!("child `{}`: ", c.0))
            .unwrap_or_else(|| format!("child {i}: "));
        match Child::from_json(item) {
            Ok(c) => children.push((i, c)),
            Err(ps) => problems.extend(ps.into_iter().map(|p| Problem {
                pointer: format!("/{i}{}", p.pointer),
                message: format!("{name}{}", p.message),
            })),
        }
    }
    // One child once per request.
    let mut seen = std::collections::HashMap::new();
    for (i, c) in &children {
        if let Some(id) = c.la_child_id.get()
            && let Some(first) = seen.insert(id.0.clone(), *i)
        {
            problems.push(Problem::new(
                format!("/{i}/la_child_id"),
                format!(
                    "child `{}`: appears more than once in this request (first at /{first}); send each child once",
                    id.0
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(children.into_iter().map(|(_, c)| c).collect())
    } else {
        Err(Some(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definitions_example_parses_and_drops_identifiers() {
        let spec: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/external/dfe-csc-api/openapi.json"
            ))
            .expect("the DfE definition is beside the repository"),
        )
        .unwrap();
        let example = spec["components"]["schemas"]["CSC"]["items"]["example"].clone();
        let body = serde_json::to_vec(&vec![example]).unwrap();
        let children = parse(&body).expect("the definition's own example is valid");
        let d = children[0].child_details.get().unwrap();
        // 2022-06-14 is kept as its month only.
        assert_eq!(
            d.date_of_birth.get(),
            Some(&BirthMonth {
                year: 2022,
                month: 6
            })
        );
        let dbg = format!("{children:?}");
        for secret in ["John", "Doe", "ABC0123456789", "DEF0123456789", "AB12 3DE"] {
            assert!(!dbg.contains(secret), "{secret} kept");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer_and_no_value() {
        let body = br#"[{"la_child_id":"C1","surname":"Johnny","child_details":{"unique_pupil_number":"SHORT","sex":"MM","first_name":7},"social_care_episodes":[{"referral_date":"2024-13-01"}]},{"la_child_id":"C2"},{"la_child_id":"C2"}]"#;
        let ps = parse(body).unwrap_err().unwrap();
        let ptrs: Vec<&str> = ps.iter().map(|p| p.pointer.as_str()).collect();
        // The unknown member stops that object's other checks: its siblings are reported once
        // it is gone (the pointer names the member, never its value). C2 is sent twice.
        assert_eq!(ptrs, vec!["/0/surname", "/2/la_child_id"]);
        // A name outside the definition is not echoed: the problem points at its object.
        let ps = parse(br#"[{"la_child_id":"C1","Johnny":1}]"#)
            .unwrap_err()
            .unwrap();
        assert_eq!(ps[0].pointer, "/0");
        assert!(!ps[0].message.contains("Johnny"));
        let body = br#"[{"la_child_id":"C1","child_details":{"unique_pupil_number":"SHORT","sex":"MM","first_name":7},"social_care_episodes":[{"referral_date":"2024-13-01"}]}]"#;
        let ps = parse(body).unwrap_err().unwrap();
        let ptrs: Vec<&str> = ps.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            vec![
                "/0/child_details/unique_pupil_number",
                "/0/child_details/first_name",
                "/0/child_details/sex",
                "/0/social_care_episodes/0/social_care_episode_id",
            ]
        );
        assert!(ps.iter().all(|p| p.message.starts_with("child `C1`: ")));
        assert!(!format!("{ps:?}").contains("SHORT"));
    }

    #[test]
    fn more_than_100_children_is_too_many() {
        let body = serde_json::to_vec(&vec![serde_json::json!({"la_child_id": "A"}); 101]).unwrap();
        assert!(matches!(parse(&body), Err(None)));
    }
}
