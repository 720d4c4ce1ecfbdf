//! SSDA903 (the DfE looked-after children return): CSV tables or the XML. See docs/INDICATORS.md §4
//! and the README section "SSDA903 mapping".
//!
//! Ids are deterministic, so two imports of the same return, or of overlapping years, converge:
//!
//! | record | id | from |
//! |---|---|---|
//! | children | `CHILD` | header |
//! | placements | `<CHILD>-<DECOM>` | one per episode |
//! | cla-periods | `<CHILD>-<DECOM of its first episode>` | built from the child's episodes |
//! | cla-reviews | `<CHILD>-<REVIEW>` | reviews |
//! | missing-episodes | `<CHILD>-<MIS_START>` | missing |
//! | adoptions | `<CHILD>-<DATE_INT or DATE_PLACED>` | ad1, placed_for_adoption |
//! | worker-assignments | `<CHILD>-<SW_DECOM>` | sw_episodes |
//! | care-leaver-outcomes | `<CHILD>-<age>` (17-21) | oc3 (the XML: `IN_TOUCH` in `HEADER`) |
//!
//! (dates as `YYYY-MM-DD`). A period's id changes when an earlier year's import shows that its
//! first episode was not the first: the new plan re-points the period's placements, reviews
//! and anything else referring to it, and lists the old id in `delete_ids`.

pub mod periods;
pub mod read;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value as Json, json};

use self::periods::{Episode, Period, build_periods, parse_date, period_of};
use self::read::{Row, Table, Tables};
use super::{ImportPlan, InputFile, PlannedRecord, Source, Step};
use crate::db::Conn;
use crate::db::ssda903::{StoredAdoption, StoredPeriod, StoredPlacement, StoredReview};
use crate::error::{ApiResult, FieldError};
use crate::records::types::{self, Kind, RecordType};

/// Plan the records of an SSDA903 return for authority `la`, merging its episodes with the
/// episodes earlier imports stored for the same children.
pub async fn plan(conn: &mut Conn, la: &str, files: &[InputFile]) -> ApiResult<ImportPlan> {
    plan_tables(conn, la, read::read(files)?).await
}

/// [`plan`] from the tables already read (by the import worker: [`read::read`] is the pure
/// part, this the part that reads what is stored).
pub async fn plan_tables(conn: &mut Conn, la: &str, tables: Tables) -> ApiResult<ImportPlan> {
    let input = Input::parse(&tables);
    let children: BTreeSet<String> = input.children_touched();
    let stored = Stored::load(conn, la, &children).await?;
    let mut built = build(input, &stored);
    if !built.superseded.is_empty() {
        repoint_referrers(conn, la, &mut built).await?;
    }
    keep_stored_fields(conn, la, &mut built).await?;
    Ok(built.into_plan())
}

/// Fields of each type that the return itself gives (a null there means null). Every other
/// field of a stored record (a child's disability, a missing episode's return home interview,
/// a review's care plan update, team and worker) is kept as stored when the record is written
/// again, so a nightly import never erases what was recorded through the API or another return.
/// Adoption milestones that only one of ad1 / placed_for_adoption carries are kept when this
/// import's rows leave them blank.
fn owned_fields(rt: &RecordType) -> &'static [&'static str] {
    match rt.path {
        "children" => &["birth_month", "sex", "ethnicity"],
        "missing-episodes" => &["child_id", "kind", "in_care", "started_at", "returned_at"],
        "cla-periods" => &[
            "child_id",
            "started_on",
            "ended_on",
            "legal_status",
            "reason_ended",
            "start_known",
        ],
        "placements" => &[
            "child_id",
            "cla_period_id",
            "started_on",
            "ended_on",
            "placement_type",
            "legal_status",
            "reason_new",
            "reason_ended",
        ],
        "cla-reviews" => &["child_id", "cla_period_id", "held_on"],
        // A filled SW_DEC (and its reason) is never replaced by a blank one, as for episodes.
        "worker-assignments" => &["child_id", "worker_id", "started_on"],
        "care-leaver-outcomes" => &[
            "child_id",
            "age",
            "birthday_month",
            "in_touch",
            "activity",
            "accommodation",
            "accommodation_suitable",
        ],
        "adoptions" => &[
            "child_id",
            "cla_period_id",
            "entered_care_on",
            "adm_decision_on",
            "placed_on",
            "adoption_order_on",
        ],
        // Re-pointed records of other types carry their whole stored body already.
        _ => &[],
    }
}

async fn keep_stored_fields(conn: &mut Conn, la: &str, b: &mut Built) -> ApiResult<()> {
    for rt in types::ALL {
        let owned = owned_fields(rt);
        if owned.is_empty() {
            continue;
        }
        let Some(records) = b.records.get_mut(rt.path) else {
            continue;
        };
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let rows = crate::records::store::find_by(conn, la, rt, "id", &ids).await?;
        if rows.is_empty() {
            continue;
        }
        let stored: HashMap<String, Json> = rows
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    serde_json::from_str(&r.body).expect("the database's JSON"),
                )
            })
            .collect();
        for r in records.iter_mut() {
            let (Some(old), Some(body)) = (
                stored.get(&r.id).and_then(Json::as_object),
                r.body.as_object_mut(),
            ) else {
                continue;
            };
            for f in rt.fields {
                if owned.contains(&f.name) || body.get(f.name).is_some_and(|v| !v.is_null()) {
                    continue;
                }
                if let Some(v) = old.get(f.name).filter(|v| !v.is_null()) {
                    body.insert(f.name.to_string(), v.clone());
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The rows of the files, parsed.

#[derive(Debug, Clone)]
struct ChildIn {
    id: String,
    birth_month: Option<String>,
    sex: Option<&'static str>,
    ethnicity: Option<String>,
    source: Source,
}

#[derive(Debug, Clone)]
struct EpisodeIn {
    child: String,
    ep: Episode,
    source: Source,
}

#[derive(Debug, Clone)]
struct ReviewIn {
    child: String,
    held_on: NaiveDate,
    source: Source,
}

#[derive(Debug, Clone)]
struct MissingIn {
    child: String,
    kind: &'static str,
    started: NaiveDate,
    returned: Option<NaiveDate>,
    source: Source,
}

#[derive(Debug, Clone)]
struct SwEpisodeIn {
    child: String,
    worker: String,
    started: NaiveDate,
    ended: Option<NaiveDate>,
    reason: Option<&'static str>,
    source: Source,
}

#[derive(Debug, Clone)]
struct Oc3In {
    child: String,
    dob: NaiveDate,
    in_touch: Option<&'static str>,
    activity: Option<String>,
    accommodation: Option<String>,
    suitable: Option<bool>,
    source: Source,
}

#[derive(Debug, Clone, Default)]
struct AdoptionIn {
    child: String,
    decided: Option<NaiveDate>,
    matched: Option<NaiveDate>,
    foster_carer: Option<bool>,
    reversed: Option<NaiveDate>,
    source: Source,
}

#[derive(Debug, Default)]
struct Input {
    children: Vec<ChildIn>,
    episodes: Vec<EpisodeIn>,
    reviews: Vec<ReviewIn>,
    missing: Vec<MissingIn>,
    adoptions: Vec<AdoptionIn>,
    sw_episodes: Vec<SwEpisodeIn>,
    oc3: Vec<Oc3In>,
    /// The latest DECOM of the import's episodes: no episode of a return starts after its
    /// collection year (1 April to 31 March), so the year OC3's birthdays fall in ends on the
    /// 31 March on or after it.
    latest: Option<NaiveDate>,
    /// The children the UASC table lists, when the import has one (then every header child
    /// gets `uasc` true or false; without one, `uasc` is left as stored).
    uasc: Option<BTreeSet<String>>,
    problems: Vec<FieldError>,
    notes: Vec<(String, u64)>,
}

/// Reads the cells of one row, collecting its problems; the row is kept only without any.
struct Cells<'a> {
    row: &'a Row,
    problems: Vec<FieldError>,
}

impl<'a> Cells<'a> {
    fn new(row: &'a Row) -> Self {
        Cells {
            row,
            problems: Vec::new(),
        }
    }
    fn text(&self, col: &str) -> Option<String> {
        let v = self.row.get(col);
        (!v.is_empty()).then(|| v.to_string())
    }
    fn required_text(&mut self, col: &str) -> String {
        let v = self.text(col);
        if v.is_none() {
            self.problems
                .push(self.row.at(col).problem(format!("{col} is required")));
        }
        v.unwrap_or_default()
    }
    fn date(&mut self, col: &str) -> Option<NaiveDate> {
        match parse_date(self.row.get(col)) {
            Ok(d) => d,
            Err(m) => {
                self.problems.push(self.row.at(col).problem(m));
                None
            }
        }
    }
    fn required_date(&mut self, col: &str) -> Option<NaiveDate> {
        let d = self.date(col);
        if d.is_none() && self.row.get(col).is_empty() {
            self.problems
                .push(self.row.at(col).problem(format!("{col} is required")));
        }
        d
    }
    fn code(&mut self, col: &str, map: &[(&str, &'static str)]) -> Option<&'static str> {
        let v = self.row.get(col);
        if v.is_empty() {
            return None;
        }
        let found = map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(v))
            .map(|(_, c)| *c);
        if found.is_none() {
            let codes: Vec<&str> = map.iter().map(|(k, _)| *k).collect();
            self.problems.push(
                self.row
                    .at(col)
                    .problem(format!("{v:?} is not one of {}", codes.join(", "))),
            );
        }
        found
    }
    /// The row's value, or its problems (naming the child: an XML return is one long line).
    fn finish<T>(self, value: T, problems: &mut Vec<FieldError>) -> Option<T> {
        if self.problems.is_empty() {
            return Some(value);
        }
        let child = self.row.get("CHILD");
        problems.extend(self.problems.into_iter().map(|mut e| {
            if !child.is_empty() {
                e.message = format!("{} (CHILD {child})", e.message);
            }
            e
        }));
        None
    }
}

/// SSDA903 `SEX`: 1/2 before 2025, M/F/U since.
const SEX_CODES: &[(&str, &str)] = &[("1", "M"), ("2", "F"), ("M", "M"), ("F", "F"), ("U", "U")];
const MISSING_CODES: &[(&str, &str)] = &[("M", "missing"), ("A", "away")];
const FLAG_CODES: &[(&str, &str)] = &[("1", "true"), ("0", "false")];

/// Each row of `table` as `read` makes it from the row's cells; a row with problems is left out
/// and its problems added to `problems`.
fn read_rows<'t, T>(
    t: &'t Tables,
    table: Table,
    problems: &mut Vec<FieldError>,
    mut read: impl FnMut(&mut Cells<'t>, &'t Row) -> T,
) -> Vec<T> {
    let mut out = Vec::new();
    for row in t.of(table) {
        let mut c = Cells::new(row);
        let v = read(&mut c, row);
        out.extend(c.finish(v, problems));
    }
    out
}

impl Input {
    fn parse(t: &Tables) -> Input {
        let mut input = Input {
            problems: t.problems.clone(),
            notes: t.notes.clone(),
            ..Input::default()
        };
        let problems = &mut input.problems;
        input.children = read_rows(t, Table::Header, problems, |c, row| {
            let id = c.required_text("CHILD");
            let birth_month = c.date("DOB").map(|d| d.format("%Y-%m").to_string());
            let sex = c.code("SEX", SEX_CODES);
            let ethnicity = c.text("ETHNIC");
            ChildIn {
                id,
                birth_month,
                sex,
                ethnicity,
                source: row.source.clone(),
            }
        });
        input.episodes = read_rows(t, Table::Episodes, problems, |c, row| {
            let child = c.required_text("CHILD");
            let decom = c.required_date("DECOM");
            let dec = c.date("DEC");
            let ep = Episode {
                decom: decom.unwrap_or_default(),
                dec,
                rne: c.text("RNE").map(|s| s.to_ascii_uppercase()),
                // REC means nothing without DEC (a blank DEC ends nothing).
                rec: dec.and(c.text("REC")).map(|s| s.to_ascii_uppercase()),
                ls: c.text("LS").map(|s| s.to_ascii_uppercase()),
                place: c.text("PLACE").map(|s| s.to_ascii_uppercase()),
            };
            EpisodeIn {
                child,
                ep,
                source: row.source.clone(),
            }
        });
        input.reviews = read_rows(t, Table::Reviews, problems, |c, row| {
            let child = c.required_text("CHILD");
            let held_on = c.required_date("REVIEW").unwrap_or_default();
            ReviewIn {
                child,
                held_on,
                source: row.source.clone(),
            }
        });
        input.missing = read_rows(t, Table::Missing, problems, |c, row| {
            let child = c.required_text("CHILD");
            let kind = c.code("MISSING", MISSING_CODES);
            if kind.is_none() && row.get("MISSING").is_empty() {
                c.problems
                    .push(row.at("MISSING").problem("MISSING is required (M or A)"));
            }
            let started = c.required_date("MIS_START").unwrap_or_default();
            let returned = c.date("MIS_END");
            MissingIn {
                child,
                kind: kind.unwrap_or("missing"),
                started,
                returned,
                source: row.source.clone(),
            }
        });
        input.adoptions = read_rows(t, Table::Ad1, problems, |c, row| AdoptionIn {
            child: c.required_text("CHILD"),
            decided: c.required_date("DATE_INT"),
            matched: c.date("DATE_MATCH"),
            foster_carer: c.code("FOSTER_CARE", FLAG_CODES).map(|f| f == "true"),
            reversed: None,
            source: row.source.clone(),
        });
        input.adoptions.extend(read_rows(
            t,
            Table::PlacedForAdoption,
            problems,
            |c, row| AdoptionIn {
                child: c.required_text("CHILD"),
                decided: c.required_date("DATE_PLACED"),
                reversed: c.date("DATE_PLACED_CEASED"),
                source: row.source.clone(),
                ..AdoptionIn::default()
            },
        ));
        let sw_reasons: Vec<(&str, &'static str)> =
            types::SW_REASON.iter().map(|c| (*c, *c)).collect();
        input.sw_episodes = read_rows(t, Table::SwEpisodes, problems, |c, row| {
            let child = c.required_text("CHILD");
            let worker = c.required_text("SW_ID");
            let started = c.required_date("SW_DECOM").unwrap_or_default();
            let ended = c.date("SW_DEC");
            let reason = c.code("SW_REASON", &sw_reasons);
            // SW_DEC before SW_DECOM, or a reason without SW_DEC: the record type's rules say so.
            SwEpisodeIn {
                child,
                worker,
                started,
                ended,
                reason,
                source: row.source.clone(),
            }
        });
        let in_touch: Vec<(&str, &'static str)> = types::CARE_LEAVER_IN_TOUCH
            .iter()
            .map(|c| (*c, *c))
            .collect();
        input.oc3 = read_rows(t, Table::Oc3, problems, |c, row| {
            let child = c.required_text("CHILD");
            let dob = c.required_date("DOB").unwrap_or_default();
            let in_touch = c.code("IN_TOUCH", &in_touch);
            // ACTIV and ACCOM `0`: information not known.
            let activity = c
                .text("ACTIV")
                .map(|a| a.to_ascii_uppercase())
                .filter(|a| a != "0");
            if let Some(a) = &activity
                && !(a.len() == 2
                    && a.starts_with(['F', 'P', 'G'])
                    && a[1..].chars().all(|d| d.is_ascii_digit()))
            {
                c.problems.push(row.at("ACTIV").problem(format!(
                    "{a:?} is not an ACTIV code (F or P and a digit: in education, employment or training; G and a digit: not; 0: not known)"
                )));
            }
            let (mut accommodation, mut suitable) = (None, None);
            match c.text("ACCOM").map(|a| a.to_ascii_uppercase()) {
                None => {}
                Some(a) if a == "0" => {}
                Some(a) => {
                    // The type, or 0 when it is not known (both public fake returns write
                    // `01`/`02`), then the suitability.
                    let (letter, digit) = a.split_at(a.len().min(1));
                    if (letter == "0" || types::CARE_LEAVER_ACCOMMODATION.contains(&letter))
                        && matches!(digit, "1" | "2")
                    {
                        accommodation = (letter != "0").then(|| letter.to_string());
                        suitable = Some(digit == "1");
                    } else {
                        c.problems.push(row.at("ACCOM").problem(format!(
                            "{a:?} is not an ACCOM code (a type of accommodation, {}, or 0 if not known, and 1 suitable or 2 not; 0 alone: not known)",
                            types::CARE_LEAVER_ACCOMMODATION.join("")
                        )));
                    }
                }
            }
            Oc3In {
                child,
                dob,
                in_touch,
                activity,
                accommodation,
                suitable,
                source: row.source.clone(),
            }
        });
        input.latest = input.episodes.iter().map(|e| e.ep.decom).max();
        if t.rows.contains_key(&Table::Uasc) {
            let children = read_rows(t, Table::Uasc, problems, |c, _| c.required_text("CHILD"));
            input.uasc = Some(children.into_iter().collect());
        }
        input
    }

    /// Children whose stored records this import may change or need.
    fn children_touched(&self) -> BTreeSet<String> {
        self.episodes
            .iter()
            .map(|e| e.child.clone())
            .chain(self.reviews.iter().map(|r| r.child.clone()))
            .chain(self.adoptions.iter().map(|a| a.child.clone()))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// What earlier imports stored for these children.

#[derive(Debug, Default)]
struct Stored {
    /// SSDA903-derived adoptions (id `<child>-<adm_decision_on>`), by id.
    adoptions: BTreeMap<String, StoredAdoption>,
    /// SSDA903-derived placements (id `<child>-<started_on>`), by child.
    placements: HashMap<String, Vec<StoredPlacement>>,
    /// Every stored period of these children, by child, in start order.
    periods: HashMap<String, Vec<StoredPeriod>>,
    /// SSDA903-derived reviews (id `<child>-<held_on>`), by child.
    reviews: HashMap<String, Vec<StoredReview>>,
}

/// Rows grouped by their child, in the order read.
fn by_child<T>(rows: Vec<T>, child: impl Fn(&T) -> &String) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(child(&row).clone()).or_default().push(row);
    }
    out
}

impl Stored {
    async fn load(conn: &mut Conn, la: &str, children: &BTreeSet<String>) -> ApiResult<Stored> {
        if children.is_empty() {
            return Ok(Stored::default());
        }
        let rows = crate::db::ssda903::stored(conn, la, children).await?;
        Ok(Stored {
            adoptions: rows
                .adoptions
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect(),
            placements: by_child(rows.placements, |x| &x.child_id),
            periods: by_child(rows.periods, |x| &x.child_id),
            reviews: by_child(rows.reviews, |x| &x.child_id),
        })
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date from the database")
}

fn opt_day(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().map(day)
}

// ---------------------------------------------------------------------------------------------
// Building the plan.

/// The plan being built, by record type path.
#[derive(Debug, Default)]
struct Built {
    records: BTreeMap<&'static str, Vec<PlannedRecord>>,
    /// Stored period ids this plan supersedes, with the child and the id of the period that
    /// takes their place (if any).
    superseded: Vec<(String, String, Option<String>)>,
    /// Rows the mapping rejected, with their place.
    problems: Vec<FieldError>,
    notes: Vec<(String, u64)>,
}

impl Built {
    fn push(&mut self, rt: &'static RecordType, id: String, body: Json, source: Source) {
        self.records
            .entry(rt.path)
            .or_default()
            .push(PlannedRecord { id, body, source });
    }

    /// One record of `rt` per key: of rows the files repeat, the last (counted under `note`,
    /// as [`Built::last_per_key`]); `body_of` makes its body from its id and row.
    fn push_last_per_key<T>(
        &mut self,
        rt: &'static RecordType,
        note: &str,
        rows: Vec<T>,
        key: impl Fn(&T) -> String,
        body_of: impl Fn(&str, T) -> (Json, Source),
    ) {
        for (id, row) in self.last_per_key(note, rows, key) {
            let (body, source) = body_of(&id, row);
            self.push(rt, id, body, source);
        }
    }

    fn note(&mut self, name: &str, n: u64) {
        if n > 0 {
            self.notes.push((name.to_string(), n));
        }
    }

    /// One row per key, a later row of the same key replacing the earlier; how many rows were
    /// replaced is noted as `note`.
    fn last_per_key<T>(
        &mut self,
        note: &str,
        rows: Vec<T>,
        key: impl Fn(&T) -> String,
    ) -> BTreeMap<String, T> {
        let mut by_key = BTreeMap::new();
        let mut repeated = 0;
        for row in rows {
            if by_key.insert(key(&row), row).is_some() {
                repeated += 1;
            }
        }
        self.note(note, repeated);
        by_key
    }

    fn into_plan(self) -> ImportPlan {
        let mut records = self.records;
        let delete: Vec<String> = self
            .superseded
            .iter()
            .map(|(id, _, _)| id.clone())
            .collect();
        let steps = types::ALL
            .iter()
            .filter_map(|rt| {
                let recs = records.remove(rt.path).unwrap_or_default();
                let delete_ids = if rt.path == types::CLA_PERIODS.path {
                    delete.clone()
                } else {
                    Vec::new()
                };
                (!recs.is_empty() || !delete_ids.is_empty()).then_some(Step {
                    rt,
                    records: recs,
                    delete_ids,
                })
            })
            .collect();
        ImportPlan {
            steps,
            problems: self.problems,
            notes: self.notes,
            skipped_fields: crate::skipped::list(crate::skipped::SSDA903),
        }
    }
}

fn obj(pairs: Vec<(&str, Json)>) -> Json {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    }
    Json::Object(m)
}

fn date_json(d: Option<NaiveDate>) -> Json {
    d.map(|d| Json::String(d.to_string())).unwrap_or(Json::Null)
}

fn text_json(s: &Option<String>) -> Json {
    s.as_ref()
        .map(|s| Json::String(s.clone()))
        .unwrap_or(Json::Null)
}

/// The 17th to 21st birthday of a child born on `dob` in the collection year ending on
/// `year_end` (31 March): its age and month (29 February counts in February).
fn birthday_in_year(dob: NaiveDate, year_end: NaiveDate) -> Option<(i32, NaiveDate)> {
    let start = year_end - chrono::Months::new(12);
    (17..=21).find_map(|age| {
        let y = dob.year() + age;
        let birthday = NaiveDate::from_ymd_opt(y, dob.month(), dob.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))?;
        (birthday > start && birthday <= year_end)
            .then(|| (age, birthday.with_day(1).expect("the 1st exists")))
    })
}

/// OC3 rows become care leaver outcomes. The return does not say its year: it is the year
/// ending on the 31 March on or after the import's latest episode start (`Input::latest`);
/// without episodes each row is a problem.
fn build_oc3(b: &mut Built, rows: Vec<Oc3In>, latest: Option<NaiveDate>) {
    let year_end = latest.and_then(|d| {
        let y = if d.month() > 3 {
            d.year() + 1
        } else {
            d.year()
        };
        NaiveDate::from_ymd_opt(y, 3, 31)
    });
    let mut kept = Vec::new();
    for r in rows {
        let Some(end) = year_end else {
            b.problems.push(r.source.clone().column("CHILD").problem(
                "the collection year of OC3 is not known: import it with the return's episodes",
            ));
            continue;
        };
        match birthday_in_year(r.dob, end) {
            Some(found) => kept.push((found, r)),
            None => b.problems.push(r.source.clone().column("DOB").problem(format!(
                "no 17th to 21st birthday in the collection year ending {end} (OC3 is about care leavers with one) (CHILD {})",
                r.child
            ))),
        }
    }
    b.push_last_per_key(
        &types::CARE_LEAVER_OUTCOMES,
        "oc3_repeated_in_files",
        kept,
        |((age, _), r)| format!("{}-{age}", r.child),
        |_, ((age, month), r)| {
            let body = obj(vec![
                ("child_id", json!(r.child)),
                ("age", json!(age)),
                ("birthday_month", json!(month.format("%Y-%m").to_string())),
                ("in_touch", text_json(&r.in_touch.map(String::from))),
                ("activity", text_json(&r.activity)),
                ("accommodation", text_json(&r.accommodation)),
                (
                    "accommodation_suitable",
                    r.suitable.map(Json::Bool).unwrap_or(Json::Null),
                ),
            ]);
            (body, r.source)
        },
    );
}

/// One episode of a child after merging the import with what is stored.
#[derive(Debug, Clone)]
struct Merged {
    ep: Episode,
    /// Its place in this import's files (the last copy read), if it is in them.
    source: Option<Source>,
    stored: Option<StoredPlacement>,
}

fn period_id(child: &str, p: &Period) -> String {
    format!("{child}-{}", p.start)
}

fn period_body(child: &str, p: &Period, stored: Option<&StoredPeriod>) -> Json {
    obj(vec![
        ("child_id", json!(child)),
        ("team", text_json(&stored.and_then(|s| s.team.clone()))),
        (
            "worker_id",
            text_json(&stored.and_then(|s| s.worker_id.clone())),
        ),
        ("started_on", date_json(Some(p.start))),
        ("ended_on", date_json(p.end)),
        ("legal_status", text_json(&p.legal_status)),
        (
            "reason_ended",
            text_json(&p.reason_ended.clone().filter(|_| p.end.is_some())),
        ),
        ("start_known", json!(p.start_known)),
    ])
}

/// Whether a stored period already holds what `p` would write.
fn period_same(s: &StoredPeriod, p: &Period) -> bool {
    day(&s.started_on) == p.start
        && opt_day(&s.ended_on) == p.end
        && s.legal_status == p.legal_status
        && s.reason_ended == p.reason_ended.clone().filter(|_| p.end.is_some())
        && s.start_known == p.start_known
}

/// A stored period as a `Period` (for placing reviews of children without new episodes).
fn stored_as_period(s: &StoredPeriod) -> Period {
    Period {
        start: day(&s.started_on),
        end: opt_day(&s.ended_on),
        start_known: s.start_known,
        reason_ended: s.reason_ended.clone(),
        legal_status: s.legal_status.clone(),
        episodes: Vec::new(),
        cut: false,
    }
}

/// A child's periods as they will be after this import, with their ids and (for children with
/// episodes) the merged episodes.
struct ChildPeriods {
    periods: Vec<Period>,
    ids: Vec<String>,
    episodes: Vec<Merged>,
}

/// The pure part of planning: the parsed files and what is stored give the plan.
fn build(input: Input, stored: &Stored) -> Built {
    let mut b = Built {
        problems: input.problems,
        notes: input.notes,
        ..Built::default()
    };

    // Children: one per CHILD (a later row of the same child wins).
    let uasc = input.uasc;
    b.push_last_per_key(
        &types::CHILDREN,
        "children_repeated_in_files",
        input.children,
        |c| c.id.clone(),
        |id, c| {
            let uasc = uasc.as_ref().map(|s| Json::Bool(s.contains(id)));
            let body = obj(vec![
                ("birth_month", text_json(&c.birth_month)),
                ("sex", text_json(&c.sex.map(String::from))),
                ("ethnicity", text_json(&c.ethnicity)),
                ("uasc", uasc.unwrap_or(Json::Null)),
            ]);
            (body, c.source)
        },
    );

    // Missing episodes: one per child + start.
    b.push_last_per_key(
        &types::MISSING_EPISODES,
        "missing_repeated_in_files",
        input.missing,
        |m| format!("{}-{}", m.child, m.started),
        |_, m| {
            let body = obj(vec![
                ("child_id", json!(m.child)),
                ("kind", json!(m.kind)),
                ("in_care", json!(true)),
                ("started_at", date_json(Some(m.started))),
                ("returned_at", date_json(m.returned)),
            ]);
            (body, m.source)
        },
    );

    // Social worker episodes: one per child + SW_DECOM.
    b.push_last_per_key(
        &types::WORKER_ASSIGNMENTS,
        "sw_episodes_repeated_in_files",
        input.sw_episodes,
        |w| format!("{}-{}", w.child, w.started),
        |_, w| {
            let body = obj(vec![
                ("child_id", json!(w.child)),
                ("worker_id", json!(w.worker)),
                ("started_on", date_json(Some(w.started))),
                ("ended_on", date_json(w.ended)),
                ("reason", text_json(&w.reason.map(String::from))),
            ]);
            (body, w.source)
        },
    );

    // Care leavers (OC3): one per child and birthday (17 to 21) in the collection year.
    if !input.oc3.is_empty() {
        build_oc3(&mut b, input.oc3, input.latest);
    }

    // Episodes: merge the import's copies and the stored ones per child and DECOM.
    let mut by_child: BTreeMap<String, BTreeMap<NaiveDate, Merged>> = BTreeMap::new();
    let mut repeated = 0;
    for e in &input.episodes {
        by_child.entry(e.child.clone()).or_default();
    }
    for (child, eps) in by_child.iter_mut() {
        for s in stored.placements.get(child).into_iter().flatten() {
            let ep = Episode {
                decom: day(&s.started_on),
                dec: opt_day(&s.ended_on),
                rne: s.reason_new.clone(),
                rec: s.reason_ended.clone(),
                ls: s.legal_status.clone(),
                place: s.placement_type.clone(),
            };
            eps.insert(
                ep.decom,
                Merged {
                    ep,
                    source: None,
                    stored: Some(s.clone()),
                },
            );
        }
    }
    for e in input.episodes {
        let eps = by_child.get_mut(&e.child).expect("every child listed");
        match eps.get_mut(&e.ep.decom) {
            Some(m) => {
                if m.source.is_some() {
                    repeated += 1;
                }
                m.ep.merge(e.ep);
                m.source = Some(e.source);
            }
            None => {
                eps.insert(
                    e.ep.decom,
                    Merged {
                        ep: e.ep,
                        source: Some(e.source),
                        stored: None,
                    },
                );
            }
        }
    }
    b.note("episodes_repeated_in_files", repeated);

    // Periods and placements of the children with episodes in this import.
    let mut child_periods: HashMap<String, ChildPeriods> = HashMap::new();
    let (mut unknown, mut cut, mut short_breaks) = (0, 0, 0);
    let mut period_records: Vec<(String, NaiveDate, PlannedRecord)> = Vec::new();
    for (child, eps) in by_child {
        let episodes: Vec<Merged> = eps.into_values().collect();
        let plain: Vec<Episode> = episodes.iter().map(|m| m.ep.clone()).collect();
        let periods = build_periods(&plain);
        let ids: Vec<String> = periods.iter().map(|p| period_id(&child, p)).collect();
        let stored_periods: HashMap<&str, &StoredPeriod> = stored
            .periods
            .get(&child)
            .into_iter()
            .flatten()
            .map(|p| (p.id.as_str(), p))
            .collect();
        for (p, id) in periods.iter().zip(&ids) {
            unknown += u64::from(!p.start_known);
            cut += u64::from(p.cut);
            short_breaks += u64::from(p.short_breaks(&plain));
            let old = stored_periods.get(id.as_str()).copied();
            let source = p.episodes.iter().find_map(|&i| episodes[i].source.clone());
            let in_import = source.is_some();
            if in_import || old.is_none_or(|s| !period_same(s, p)) {
                period_records.push((
                    child.clone(),
                    p.start,
                    PlannedRecord {
                        id: id.clone(),
                        body: period_body(&child, p, old),
                        source: source.unwrap_or_default(),
                    },
                ));
            }
            for &i in &p.episodes {
                let m = &episodes[i];
                let moved = m.stored.as_ref().is_some_and(|s| &s.cla_period_id != id);
                if m.source.is_none() && !moved {
                    continue;
                }
                let s = m.stored.as_ref();
                let body = obj(vec![
                    ("child_id", json!(child)),
                    ("team", text_json(&s.and_then(|s| s.team.clone()))),
                    ("worker_id", text_json(&s.and_then(|s| s.worker_id.clone()))),
                    ("cla_period_id", json!(id)),
                    ("started_on", date_json(Some(m.ep.decom))),
                    ("ended_on", date_json(m.ep.dec)),
                    ("placement_type", text_json(&m.ep.place)),
                    (
                        "long_term",
                        s.and_then(|s| s.long_term)
                            .map(Json::Bool)
                            .unwrap_or(Json::Null),
                    ),
                    ("legal_status", text_json(&m.ep.ls)),
                    ("reason_new", text_json(&m.ep.rne)),
                    ("reason_ended", text_json(&m.ep.rec)),
                ]);
                b.push(
                    &types::PLACEMENTS,
                    format!("{child}-{}", m.ep.decom),
                    body,
                    m.source.clone().unwrap_or_default(),
                );
            }
        }
        // Stored SSDA903 periods of this child that no longer exist: superseded, replaced by
        // the period that now holds their first episode.
        let new_ids: BTreeSet<&String> = ids.iter().collect();
        for s in stored.periods.get(&child).into_iter().flatten() {
            let derived = s.id == format!("{child}-{}", s.started_on);
            if derived && !new_ids.contains(&s.id) {
                let start = day(&s.started_on);
                let successor = periods
                    .iter()
                    .position(|p| p.episodes.iter().any(|&i| episodes[i].ep.decom == start))
                    .or_else(|| period_of(&periods, start))
                    .map(|i| ids[i].clone());
                b.superseded.push((s.id.clone(), child.clone(), successor));
            }
        }
        child_periods.insert(
            child,
            ChildPeriods {
                periods,
                ids,
                episodes,
            },
        );
    }
    b.note("periods_start_unknown", unknown);
    b.note("periods_cut_at_next_start", cut);
    b.note("periods_short_breaks", short_breaks);
    b.note("periods_superseded", b.superseded.len() as u64);
    // Within a child, in start order: each write then moves a period's end no further than
    // the next period's start, so no two rows overlap at any moment of the upsert.
    period_records.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    // Superseded periods are not written: the pipeline leaves them out of the overlap checks
    // and deletes them at the end of the same transaction (the no-overlap constraint waits
    // until then).
    for (_, _, r) in period_records {
        b.push(&types::CLA_PERIODS, r.id, r.body, r.source);
    }

    // Children with reviews or adoptions but no episodes in this import: their stored periods.
    let needs: BTreeSet<String> = input
        .reviews
        .iter()
        .map(|r| r.child.clone())
        .chain(input.adoptions.iter().map(|a| a.child.clone()))
        .collect();
    for child in needs {
        if child_periods.contains_key(&child) {
            continue;
        }
        let list = stored.periods.get(&child).cloned().unwrap_or_default();
        child_periods.insert(
            child,
            ChildPeriods {
                periods: list.iter().map(stored_as_period).collect(),
                ids: list.into_iter().map(|p| p.id).collect(),
                episodes: Vec::new(),
            },
        );
    }

    // Reviews: one per child + date, in the period containing the date.
    let reviews = b.last_per_key("reviews_repeated_in_files", input.reviews, |r| {
        format!("{}-{}", r.child, r.held_on)
    });
    let mut in_no_period = 0;
    let stored_reviews: HashMap<&str, &StoredReview> = stored
        .reviews
        .values()
        .flatten()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let period_for = |child: &str, d: NaiveDate| {
        child_periods
            .get(child)
            .and_then(|cp| period_of(&cp.periods, d).map(|i| cp.ids[i].clone()))
    };
    let review_body =
        |child: &str, held: NaiveDate, period: &Option<String>, s: Option<&StoredReview>| {
            obj(vec![
                ("child_id", json!(child)),
                ("team", text_json(&s.and_then(|s| s.team.clone()))),
                ("worker_id", text_json(&s.and_then(|s| s.worker_id.clone()))),
                ("cla_period_id", text_json(period)),
                ("held_on", date_json(Some(held))),
                (
                    "care_plan_updated_on",
                    text_json(&s.and_then(|s| s.care_plan_updated_on.clone())),
                ),
            ])
        };
    let mut planned_reviews: BTreeSet<String> = BTreeSet::new();
    for (id, r) in &reviews {
        let period = period_for(&r.child, r.held_on);
        in_no_period += u64::from(period.is_none());
        let body = review_body(
            &r.child,
            r.held_on,
            &period,
            stored_reviews.get(id.as_str()).copied(),
        );
        b.push(&types::CLA_REVIEWS, id.clone(), body, r.source.clone());
        planned_reviews.insert(id.clone());
    }
    // Stored reviews of children whose periods changed: re-placed when their period did.
    for (child, cp) in &child_periods {
        if cp.episodes.is_empty() {
            continue;
        }
        for s in stored.reviews.get(child).into_iter().flatten() {
            if planned_reviews.contains(&s.id) {
                continue;
            }
            let held = day(&s.held_on);
            let period = period_of(&cp.periods, held).map(|i| cp.ids[i].clone());
            if period != s.cla_period_id {
                in_no_period += u64::from(period.is_none());
                let body = review_body(child, held, &period, Some(s));
                b.push(&types::CLA_REVIEWS, s.id.clone(), body, Source::default());
            }
        }
    }
    b.note("reviews_in_no_period", in_no_period);

    // Adoptions: one per child + date of the decision that the child should be placed for
    // adoption (AD1 DATE_INT, placed_for_adoption DATE_PLACED); the two tables' rows of one
    // child and date are one adoption.
    let mut adoptions: BTreeMap<String, AdoptionIn> = BTreeMap::new();
    for a in input.adoptions {
        let Some(decided) = a.decided else { continue };
        let id = format!("{}-{decided}", a.child);
        match adoptions.get_mut(&id) {
            Some(x) => {
                x.matched = a.matched.or(x.matched);
                x.foster_carer = a.foster_carer.or(x.foster_carer);
                x.reversed = a.reversed.or(x.reversed);
            }
            None => {
                adoptions.insert(id, a);
            }
        }
    }
    // Stored adoptions of the children whose episodes this import brings: their period, entry
    // into care, placement and order are recomputed from the rebuilt periods.
    for (id, s) in &stored.adoptions {
        let rebuilt = child_periods
            .get(&s.child_id)
            .is_some_and(|cp| !cp.episodes.is_empty());
        if rebuilt && !adoptions.contains_key(id) {
            adoptions.insert(
                id.clone(),
                AdoptionIn {
                    child: s.child_id.clone(),
                    decided: Some(day(&s.adm_decision_on)),
                    source: Source::default(),
                    ..AdoptionIn::default()
                },
            );
        }
    }
    let mut without_period = 0;
    for (id, mut a) in adoptions {
        let decided = a.decided.expect("kept only with a decision date");
        let old = stored.adoptions.get(&id);
        // Milestones only the other table carries come from the stored adoption.
        if let Some(s) = old {
            a.matched = a.matched.or(opt_day(&s.matched_on));
            a.foster_carer = a.foster_carer.or(s.foster_carer_adoption);
            a.reversed = a.reversed.or(opt_day(&s.decision_reversed_on));
        }
        let cp = child_periods.get(&a.child);
        let linked = cp.and_then(|cp| period_of(&cp.periods, decided).map(|i| (cp, i)));
        without_period += u64::from(linked.is_none());
        let milestones = [Some(decided), a.matched, a.reversed];
        let earliest = milestones.iter().flatten().min().copied();
        let entered = match linked {
            Some((cp, i)) => earliest.map_or(cp.periods[i].start, |e| e.min(cp.periods[i].start)),
            None => earliest.unwrap_or(decided),
        };
        // Moved in with the adopters: the first placed-for-adoption placement (A3-A6) of the
        // period; adoption order: the period's end when it ended adopted (E11, E12). Known
        // from the episodes when this import has the child's; else as stored.
        let (mut placed, mut order) = (None, None);
        if let Some((cp, i)) = linked
            && !cp.episodes.is_empty()
        {
            let p = &cp.periods[i];
            placed = p
                .episodes
                .iter()
                .map(|&k| &cp.episodes[k].ep)
                .find(|e| {
                    matches!(e.place.as_deref(), Some("A3" | "A4" | "A5" | "A6"))
                        && e.decom >= entered
                })
                .map(|e| e.decom);
            if matches!(p.reason_ended.as_deref(), Some("E11" | "E12")) {
                order = p.end.filter(|end| placed.is_some_and(|pl| pl <= *end));
            }
        } else if let Some(s) = old {
            placed = opt_day(&s.placed_on).filter(|d| *d >= entered);
            order = opt_day(&s.adoption_order_on).filter(|d| placed.is_some_and(|p| p <= *d));
        }
        let period = linked.map(|(cp, i)| cp.ids[i].clone());
        // A stored adoption this import does not list is re-sent only when it changed.
        if a.source == Source::default()
            && let Some(s) = old
            && s.cla_period_id == period
            && day(&s.entered_care_on) == entered
            && opt_day(&s.placed_on) == placed
            && opt_day(&s.adoption_order_on) == order
        {
            continue;
        }
        let body = obj(vec![
            ("child_id", json!(a.child)),
            ("cla_period_id", text_json(&period)),
            ("entered_care_on", date_json(Some(entered))),
            ("adm_decision_on", date_json(Some(decided))),
            ("matched_on", date_json(a.matched)),
            ("placed_on", date_json(placed)),
            ("adoption_order_on", date_json(order)),
            (
                "foster_carer_adoption",
                a.foster_carer.map(Json::Bool).unwrap_or(Json::Null),
            ),
            ("decision_reversed_on", date_json(a.reversed)),
        ]);
        b.push(&types::ADOPTIONS, id, body, a.source);
    }
    b.note("adoptions_without_period", without_period);
    b
}

// ---------------------------------------------------------------------------------------------
// Records of other types that refer to a superseded period.

/// Re-point every stored record that refers to a superseded period (and is not already in the
/// plan) to the period that took its place, so the pipeline can delete the old one.
async fn repoint_referrers(conn: &mut Conn, la: &str, b: &mut Built) -> ApiResult<()> {
    let successor: HashMap<String, Option<String>> = b
        .superseded
        .iter()
        .map(|(old, _, new)| (old.clone(), new.clone()))
        .collect();
    let old_ids: Vec<&String> = successor.keys().collect();
    for rt in types::ALL {
        for f in rt.fields {
            if !matches!(f.kind, Kind::Ref("cla-periods")) {
                continue;
            }
            let planned: BTreeSet<String> = b
                .records
                .get(rt.path)
                .into_iter()
                .flatten()
                .map(|r| r.id.clone())
                .collect();
            let rows = crate::records::store::find_by(conn, la, rt, f.name, &old_ids).await?;
            for r in rows {
                if planned.contains(&r.id) {
                    continue;
                }
                let mut body: Json = serde_json::from_str(&r.body).expect("the database's JSON");
                if let Some(m) = body.as_object_mut() {
                    for k in ["id", "created_at", "updated_at"] {
                        m.remove(k);
                    }
                    let new = successor.get(&r.value).cloned().flatten();
                    m.insert(f.name.to_string(), text_json(&new));
                }
                b.push(rt, r.id, body, Source::default());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
