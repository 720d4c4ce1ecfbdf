//! The DfE CSC payload mapped onto driftwatch's records (the table is in docs/INDICATORS.md §4):
//! an [`ImportPlan`] applied by the import pipeline like any national return, in the request's
//! one transaction.
//!
//! Ids: the DfE's ids become source ids namespaced under `dfe:` and the child, so that they never
//! collide with ids from other routes: the child `dfe:{la_child_id}`, an episode's referral
//! `dfe:{child}:{episode}`, a record of the episode `dfe:{child}:{episode}:{kind}:{dfe id}` (kind
//! `cfa`, `cin`, `s47`, `cp`, `pl`; periods of care `cla`, named by their first placement; the
//! initial conference of an enquiry `…:s47:{id}:icpc`; the adoption `…:adoption` and its
//! permanence plan `…:adoption:plan`; a worker
//! assignment `…:sw:{worker_id}:{start date}`, as SSDA903 keys SWEpisodes by `SW_DECOM`; a care
//! leaver outcome `…:cl:{age}`, one per 17th-21st birthday as from OC3).
//!
//! Partial updates: each record starts from what is stored (its body as `GET` shows it) and
//! takes only the members present in the payload. Purges delete the record and every record
//! whose id extends its id (what hangs from it); a child's purge deletes every record about it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use serde_json::{Map, Value as Json, json};

use super::payload::{Child, Code, Date, Episode, Leaf, List, purged};
use crate::db::Conn;
use crate::error::{ApiResult, FieldError};
use crate::ingest::{ImportPlan, PlannedRecord, Source, Step};
use crate::records::store;
use crate::records::types;

/// Record types the feed writes, in dependency order.
const WRITTEN: &[&str] = &[
    "children",
    "referrals",
    "assessments",
    "section47-enquiries",
    "cp-plans",
    "cp-conferences",
    "cin-plans",
    "cla-periods",
    "placements",
    "adoptions",
    "permanence-plans",
    "worker-assignments",
    "care-leaver-outcomes",
];

/// The id of a child sent as `la_child_id`.
pub fn child_id(la_child_id: &str) -> String {
    format!("dfe:{la_child_id}")
}

type Body = Map<String, Json>;

/// What is stored under the request's children, per record type and id (bodies without the
/// server-owned members).
struct Stored(HashMap<&'static str, BTreeMap<String, Body>>);

impl Stored {
    fn get(&self, rt: &str, id: &str) -> Option<&Body> {
        self.0.get(rt).and_then(|m| m.get(id))
    }
    /// Ids of `rt` equal to `id` or extending it (`id:…`).
    fn under<'a>(&'a self, rt: &str, id: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.0
            .get(rt)
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(move |k| {
                k.as_str() == id || (k.starts_with(id) && k.as_bytes().get(id.len()) == Some(&b':'))
            })
    }
}

/// The plan being built.
#[derive(Default)]
struct Plan {
    records: BTreeMap<&'static str, Vec<PlannedRecord>>,
    deletes: BTreeMap<&'static str, BTreeSet<String>>,
    notes: BTreeMap<String, u64>,
}

impl Plan {
    fn write(&mut self, rt: &'static str, id: String, body: Body, at: &str) {
        self.records.entry(rt).or_default().push(PlannedRecord {
            id,
            body: Json::Object(body),
            source: Source {
                file: Some(at.to_string()),
                line: None,
                column: Some(rt.to_string()),
            },
        });
    }
    fn note(&mut self, name: &str) {
        *self.notes.entry(name.to_string()).or_default() += 1;
    }
    /// Delete `id` of every written type and every stored record extending it.
    fn purge(&mut self, stored: &Stored, id: &str) {
        for rt in WRITTEN {
            let ids: Vec<String> = stored.under(rt, id).cloned().collect();
            self.deletes.entry(rt).or_default().extend(ids);
        }
    }
    fn deleting(&self, rt: &str, id: &str) -> bool {
        self.deletes.get(rt).is_some_and(|s| s.contains(id))
    }
    /// The birth month (year, month) of child `cid` as this plan writes it.
    fn birth_month(&self, cid: &str) -> Option<(i32, u32)> {
        let child = self
            .records
            .get("children")?
            .iter()
            .rfind(|p| p.id == cid)?;
        let m = child.body.get("birth_month")?.as_str()?;
        let (y, m) = m.split_once('-')?;
        Some((y.parse().ok()?, m.parse().ok()?))
    }
}

fn date(leaf: &Leaf<Date>) -> Option<Json> {
    leaf.get()
        .map(|d| json!(d.0.format("%Y-%m-%d").to_string()))
}

/// Set `key` from a date member, when present.
fn set_date(body: &mut Body, key: &str, leaf: &Leaf<Date>) {
    if let Some(v) = date(leaf) {
        body.insert(key.into(), v);
    }
}

/// Set `key` from a code member, when present: kept if driftwatch's list for it has it
/// (after `translate`), else null and counted in the note `codes_not_kept`.
fn set_code<const N: usize>(
    plan: &mut Plan,
    body: &mut Body,
    key: &str,
    leaf: &Leaf<Code<N>>,
    allowed: &[&str],
    translate: fn(&str) -> &str,
) {
    if let Some(Code(c)) = leaf.get() {
        let c = translate(c);
        if allowed.contains(&c) {
            body.insert(key.into(), json!(c));
        } else {
            body.insert(key.into(), Json::Null);
            plan.note("codes_not_kept");
        }
    }
}

/// The assessment factors given (the list replaces the stored one): the CIN census factor codes
/// driftwatch knows, upper-cased, each once, in the order given; any other code is left out and
/// counted in the note `codes_not_kept`.
fn factors<const N: usize>(plan: &mut Plan, given: &[Code<N>]) -> Json {
    let mut kept: Vec<String> = Vec::with_capacity(given.len());
    for Code(c) in given {
        let c = c.trim().to_ascii_uppercase();
        match types::ASSESSMENT_FACTOR.iter().find(|k| **k == c) {
            Some(k) if !kept.iter().any(|x| x == k) => kept.push((*k).to_string()),
            Some(_) => {}
            None => plan.note("codes_not_kept"),
        }
    }
    json!(kept)
}

fn same(c: &str) -> &str {
    c
}

/// The CIN census's numeric sex codes as well as the letters.
fn sex(c: &str) -> &str {
    match c {
        "1" => "M",
        "2" => "F",
        "0" | "9" => "U",
        c => c,
    }
}

fn start_of(body: &Body, key: &str) -> Option<String> {
    body.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

/// Build the plan for `children` (already checked against the definition) of authority `la`.
pub async fn plan(conn: &mut Conn, la: &str, children: &[Child]) -> ApiResult<ImportPlan> {
    let ids: Vec<String> = children
        .iter()
        .filter_map(|c| c.la_child_id.get())
        .map(|c| child_id(&c.0))
        .collect();
    // Stored records of these children: the child itself, and what its namespace holds.
    let mut stored = HashMap::new();
    for path in WRITTEN {
        let rt = types::by_path(path).expect("written types exist");
        let prefixes: Vec<String> = if *path == "children" {
            ids.clone()
        } else {
            ids.iter().map(|c| format!("{c}:")).collect()
        };
        let mut m = BTreeMap::new();
        for row in store::by_id_prefix(conn, la, rt, &prefixes).await? {
            if *path == "children" && !ids.contains(&row.id) {
                continue;
            }
            let mut body: Body =
                serde_json::from_str(&row.body).map_err(|_| crate::error::ApiError::Internal)?;
            for k in ["id", "created_at", "updated_at"] {
                body.remove(k);
            }
            m.insert(row.id, body);
        }
        stored.insert(*path, m);
    }
    let stored = Stored(stored);
    let mut plan = Plan::default();

    // Children purged: every record about them, of every type.
    let purged_children: Vec<String> = children
        .iter()
        .filter(|c| purged(&c.purge))
        .filter_map(|c| c.la_child_id.get())
        .map(|c| child_id(&c.0))
        .collect();
    if !purged_children.is_empty() {
        for rt in types::ALL {
            let ids = if rt.path == "children" {
                purged_children
                    .iter()
                    .filter(|id| stored.get("children", id).is_some())
                    .cloned()
                    .collect()
            } else {
                store::ids_of_children(conn, la, rt, &purged_children).await?
            };
            plan.deletes.entry(rt.path).or_default().extend(ids);
        }
        plan.notes.insert(
            "children_purged".into(),
            purged_children
                .iter()
                .filter(|id| stored.get("children", id).is_some())
                .count() as u64,
        );
    }

    for (i, c) in children.iter().enumerate() {
        if purged(&c.purge) {
            continue;
        }
        let Some(la_child) = c.la_child_id.get() else {
            continue;
        };
        let cid = child_id(&la_child.0);
        let at = format!("/{i}");
        child(&mut plan, &stored, &cid, c, &at);
        let birth = plan.birth_month(&cid);
        if let Some(eps) = c.social_care_episodes.get() {
            for (j, e) in eps.0.iter().enumerate() {
                episode(
                    &mut plan,
                    &stored,
                    &cid,
                    e,
                    &format!("{at}/social_care_episodes/{j}"),
                    birth,
                );
            }
        }
        if c.health_and_wellbeing.is_present() {
            plan.note("health_and_wellbeing_not_kept");
        }
    }

    let Plan {
        mut records,
        mut deletes,
        notes,
    } = plan;
    let mut steps = Vec::new();
    for rt in types::ALL {
        let records = records.remove(rt.path).unwrap_or_default();
        let delete_ids: Vec<String> = deletes
            .remove(rt.path)
            .unwrap_or_default()
            .into_iter()
            .collect();
        if records.is_empty() && delete_ids.is_empty() {
            continue;
        }
        steps.push(Step {
            rt,
            records,
            delete_ids,
        });
    }
    Ok(ImportPlan {
        steps,
        problems: Vec::new(),
        notes: notes.into_iter().collect(),
        skipped_fields: driftwatch_ingest::skipped::list(driftwatch_ingest::skipped::DFE_CSC),
    })
}

fn base(stored: &Stored, rt: &str, id: &str, cid: &str) -> Body {
    let mut b = stored.get(rt, id).cloned().unwrap_or_default();
    if rt != "children" {
        b.insert("child_id".into(), json!(cid));
    }
    b
}

fn child(plan: &mut Plan, stored: &Stored, cid: &str, c: &Child, at: &str) {
    let mut b = base(stored, "children", cid, cid);
    if let Some(d) = c.child_details.get() {
        let at = format!("{at}/child_details");
        if purged(&d.purge) {
            for k in ["birth_month", "sex", "ethnicity", "disability", "uasc"] {
                b.insert(k.into(), Json::Null);
            }
        } else {
            if let Some(m) = d.date_of_birth.get() {
                b.insert(
                    "birth_month".into(),
                    json!(format!("{:04}-{:02}", m.year, m.month)),
                );
            }
            set_code(plan, &mut b, "sex", &d.sex, types::SEX, sex);
            set_code(
                plan,
                &mut b,
                "ethnicity",
                &d.ethnicity,
                types::ETHNICITY,
                same,
            );
            if let Some(list) = d.disabilities.get() {
                let any = list.0.iter().any(|Code(c)| c != "NONE");
                b.insert("disability".into(), json!(any));
            }
            if let Some(u) = d.uasc_flag.get() {
                b.insert("uasc".into(), json!(u));
            }
        }
        plan.write("children", cid.to_string(), b, &at);
    } else {
        // Written (unchanged if stored) so that the child's records have their child.
        plan.write("children", cid.to_string(), b, at);
    }
}

fn episode(
    plan: &mut Plan,
    stored: &Stored,
    cid: &str,
    e: &Episode,
    at: &str,
    birth: Option<(i32, u32)>,
) {
    let Some(eid) = e.social_care_episode_id.get() else {
        return;
    };
    let rid = format!("{cid}:{}", eid.0);
    if purged(&e.purge) {
        plan.purge(stored, &rid);
        return;
    }
    // The referral.
    let mut r = base(stored, "referrals", &rid, cid);
    set_date(&mut r, "received_at", &e.referral_date);
    set_code(
        plan,
        &mut r,
        "source",
        &e.referral_source,
        types::REFERRAL_SOURCE,
        same,
    );
    match e.referral_no_further_action_flag.get() {
        Some(true) => {
            r.insert("outcome".into(), json!("nfa"));
        }
        Some(false) if r.get("outcome").and_then(|v| v.as_str()) == Some("nfa") => {
            r.insert("outcome".into(), Json::Null);
        }
        _ => {}
    }
    // The episode's closure (CIN census CINclosureDate / ReasonForClosure) on its referral. A
    // reason without a closure date (sent or stored) is not kept: driftwatch keeps a reason
    // only with the day.
    set_date(&mut r, "closed_on", &e.closure_date);
    set_code(
        plan,
        &mut r,
        "closure_reason",
        &e.closure_reason,
        types::CLOSURE_REASON,
        same,
    );
    if r.get("closure_reason").is_some_and(|v| !v.is_null())
        && r.get("closed_on").is_none_or(|v| v.is_null())
    {
        r.insert("closure_reason".into(), Json::Null);
        plan.note("closure_reasons_without_closure_date");
    }
    let referral = r.get("received_at").is_some_and(|v| !v.is_null());
    if referral {
        plan.write("referrals", rid.clone(), r, at);
    } else {
        plan.note("episodes_without_referral_date");
    }

    // Sub-records: matched by id within the episode.
    macro_rules! sub {
        ($list:ident, $idf:ident, $kind:literal, $member:literal, |$b:ident, $x:ident| $fill:block) => {
            if let Some(list) = e.$list.get() {
                for (k, $x) in list.0.iter().enumerate() {
                    let Some(sid) = $x.$idf.get() else { continue };
                    let id = format!("{rid}:{}:{}", $kind, sid.0);
                    if purged(&$x.purge) {
                        plan.purge(stored, &id);
                        continue;
                    }
                    let at = format!("{at}/{}/{k}", $member);
                    let rt = rt_of($kind);
                    let mut $b = base(stored, rt, &id, cid);
                    $fill
                    if $b.get("started_on").is_none_or(|v| v.is_null()) {
                        plan.note("records_without_start_date");
                        continue;
                    }
                    plan.write(rt, id, $b, &at);
                }
            }
        };
    }
    sub!(
        child_and_family_assessments,
        child_and_family_assessment_id,
        "cfa",
        "child_and_family_assessments",
        |b, x| {
            set_date(&mut b, "started_on", &x.start_date);
            set_date(&mut b, "authorised_on", &x.authorisation_date);
            if let Some(List(given)) = x.factors.get() {
                b.insert("factors".into(), factors(plan, given));
            }
            if !referral {
                plan.note("assessments_without_referral");
                continue;
            }
            b.insert("referral_id".into(), json!(rid));
        }
    );
    sub!(
        child_in_need_plans,
        child_in_need_plan_id,
        "cin",
        "child_in_need_plans",
        |b, x| {
            set_date(&mut b, "started_on", &x.start_date);
            set_date(&mut b, "ended_on", &x.end_date);
            if referral {
                b.insert("referral_id".into(), json!(rid));
            }
        }
    );
    sub!(
        section_47_assessments,
        section_47_assessment_id,
        "s47",
        "section_47_assessments",
        |b, x| {
            set_date(&mut b, "started_on", &x.start_date);
            set_date(&mut b, "completed_on", &x.end_date);
            if let Some(f) = x.icpc_required_flag.get() {
                b.insert("icpc_required".into(), json!(f));
            }
        }
    );
    // The initial conference of each enquiry with an ICPC date.
    if let Some(list) = e.section_47_assessments.get() {
        for (k, x) in list.0.iter().enumerate() {
            let (Some(sid), Some(held)) = (x.section_47_assessment_id.get(), date(&x.icpc_date))
            else {
                continue;
            };
            let s47 = format!("{rid}:s47:{}", sid.0);
            if purged(&x.purge) || plan.deleting("section47-enquiries", &s47) {
                continue;
            }
            let written = plan
                .records
                .get("section47-enquiries")
                .is_some_and(|v| v.iter().any(|p| p.id == s47));
            if !written {
                continue;
            }
            let id = format!("{s47}:icpc");
            let mut b = base(stored, "cp-conferences", &id, cid);
            b.insert("kind".into(), json!("initial"));
            b.insert("s47_enquiry_id".into(), json!(s47));
            b.insert("held_on".into(), held);
            plan.write(
                "cp-conferences",
                id,
                b,
                &format!("{at}/section_47_assessments/{k}"),
            );
        }
    }
    sub!(
        child_protection_plans,
        child_protection_plan_id,
        "cp",
        "child_protection_plans",
        |b, x| {
            set_date(&mut b, "started_on", &x.start_date);
            set_date(&mut b, "ended_on", &x.end_date);
        }
    );
    placements(plan, stored, cid, &rid, e, at);
    adoption(plan, stored, cid, &rid, e, at);
    workers(plan, stored, cid, &rid, e, at);
    care_leaver(plan, stored, cid, &rid, e, at, birth);
}

/// Record type of each sub-record kind.
fn rt_of(kind: &str) -> &'static str {
    match kind {
        "cfa" => "assessments",
        "cin" => "cin-plans",
        "s47" => "section47-enquiries",
        "cp" => "cp-plans",
        _ => "placements",
    }
}

/// Placements, and the periods of care they make up (SSDA903's rule: a period starts with a
/// placement whose start reason is `S`, or after one that ended it, and ends with the first
/// placement whose end reason is not `X1`).
fn placements(plan: &mut Plan, stored: &Stored, cid: &str, rid: &str, e: &Episode, at: &str) {
    let Some(list) = e.child_looked_after_placements.get() else {
        return;
    };
    let prefix = format!("{rid}:pl:");
    // Every placement of the episode: stored, then as this payload changes them.
    let mut all: BTreeMap<String, (Body, String)> = stored
        .0
        .get("placements")
        .into_iter()
        .flat_map(|m| m.iter())
        .filter(|(k, _)| k.starts_with(&prefix) && !plan.deleting("placements", k))
        .map(|(k, b)| {
            (
                k.clone(),
                (b.clone(), format!("{at}/child_looked_after_placements")),
            )
        })
        .collect();
    for (k, x) in list.0.iter().enumerate() {
        let Some(pid) = x.child_looked_after_placement_id.get() else {
            continue;
        };
        let id = format!("{prefix}{}", pid.0);
        if purged(&x.purge) {
            plan.purge(stored, &id);
            all.remove(&id);
            continue;
        }
        let mut b = base(stored, "placements", &id, cid);
        set_date(&mut b, "started_on", &x.start_date);
        set_date(&mut b, "ended_on", &x.end_date);
        set_code(
            plan,
            &mut b,
            "reason_new",
            &x.start_reason,
            types::REASON_NEW_EPISODE,
            same,
        );
        set_code(
            plan,
            &mut b,
            "placement_type",
            &x.placement_type,
            types::PLACEMENT_TYPE,
            same,
        );
        set_code(
            plan,
            &mut b,
            "reason_ended",
            &x.end_reason,
            types::EPISODE_REASON_ENDED,
            same,
        );
        set_code(
            plan,
            &mut b,
            "change_reason",
            &x.change_reason,
            types::PLACEMENT_CHANGE_REASON,
            same,
        );
        all.insert(id, (b, format!("{at}/child_looked_after_placements/{k}")));
    }
    let mut ordered: Vec<(String, Body, String)> = Vec::new();
    for (id, (b, src)) in all {
        match start_of(&b, "started_on") {
            Some(_) => ordered.push((id, b, src)),
            None => plan.note("records_without_start_date"),
        }
    }
    ordered.sort_by(|a, b| {
        (start_of(&a.1, "started_on"), &a.0).cmp(&(start_of(&b.1, "started_on"), &b.0))
    });
    // Group into periods.
    let mut periods: Vec<(String, Body, String)> = Vec::new();
    let mut open = false;
    for (id, mut b, src) in ordered {
        let reason_new = b.get("reason_new").and_then(|v| v.as_str());
        if !open || reason_new == Some("S") {
            let period = format!("{rid}:cla:{}", &id[prefix.len()..]);
            let mut p = base(stored, "cla-periods", &period, cid);
            p.insert("started_on".into(), b["started_on"].clone());
            p.insert("start_known".into(), json!(reason_new == Some("S")));
            p.insert("ended_on".into(), Json::Null);
            p.insert("reason_ended".into(), Json::Null);
            periods.push((period, p, src.clone()));
            open = true;
        }
        let (period, p, _) = periods.last_mut().expect("a period is open");
        b.insert("cla_period_id".into(), json!(period.clone()));
        let ended = b.get("ended_on").filter(|v| !v.is_null()).cloned();
        let reason = b
            .get("reason_ended")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        if let (Some(end), Some(reason)) = (ended, reason)
            && types::REASON_ENDED.contains(&reason.as_str())
        {
            p.insert("ended_on".into(), end);
            p.insert("reason_ended".into(), json!(reason));
            open = false;
        }
        plan.write("placements", id, b, &src);
    }
    // Periods no longer made by any placement are superseded.
    let keep: BTreeSet<&str> = periods.iter().map(|(id, _, _)| id.as_str()).collect();
    let cla_prefix = format!("{rid}:cla:");
    let stale: Vec<String> = stored
        .0
        .get("cla-periods")
        .into_iter()
        .flat_map(|m| m.keys())
        .filter(|k| k.starts_with(&cla_prefix) && !keep.contains(k.as_str()))
        .cloned()
        .collect();
    plan.deletes.entry("cla-periods").or_default().extend(stale);
    for (id, p, src) in periods {
        plan.write("cla-periods", id, p, &src);
    }
}

/// The adoption block: the adoption journey of the episode's (latest) period of care.
fn adoption(plan: &mut Plan, stored: &Stored, cid: &str, rid: &str, e: &Episode, at: &str) {
    let Some(a) = e.adoption.get() else {
        return;
    };
    let id = format!("{rid}:adoption");
    if purged(&a.purge) {
        plan.purge(stored, &id);
        return;
    }
    let at = format!("{at}/adoption");
    let mut b = base(stored, "adoptions", &id, cid);
    set_date(&mut b, "adm_decision_on", &a.initial_decision_date);
    set_date(&mut b, "matched_on", &a.matched_date);
    set_date(&mut b, "placed_on", &a.placed_date);
    // The period of care: written by this payload, else stored.
    let cla_prefix = format!("{rid}:cla:");
    let planned: Vec<(String, String)> = plan
        .records
        .get("cla-periods")
        .into_iter()
        .flatten()
        .filter(|p| p.id.starts_with(&cla_prefix))
        .filter_map(|p| {
            Some((
                p.body.get("started_on")?.as_str()?.to_string(),
                p.id.clone(),
            ))
        })
        .collect();
    let period = if !planned.is_empty() {
        planned.into_iter().max()
    } else {
        stored
            .0
            .get("cla-periods")
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.starts_with(&cla_prefix) && !plan.deleting("cla-periods", k))
            .filter_map(|(k, b)| Some((start_of(b, "started_on")?, k.clone())))
            .max()
    };
    if let Some((start, pid)) = period {
        b.insert("entered_care_on".into(), json!(start));
        b.insert("cla_period_id".into(), json!(pid));
    }
    if b.get("entered_care_on").is_none_or(|v| v.is_null()) {
        plan.note("adoptions_without_period_of_care");
        return;
    }
    // The permanence plan: adoption, decided on the agency decision (`initial_decision_date`),
    // in the same period of care. The feed carries no adoption order, so it stays not achieved
    // here (a PUT or an SSDA903 import gives the order to the adoption record).
    if let Some(decided) = b.get("adm_decision_on").filter(|v| !v.is_null()) {
        let pid = format!("{id}:plan");
        let mut p = base(stored, "permanence-plans", &pid, cid);
        p.insert("plan_type".into(), json!("adoption"));
        p.insert("decided_on".into(), decided.clone());
        if let Some(period) = b.get("cla_period_id") {
            p.insert("cla_period_id".into(), period.clone());
        }
        plan.write("permanence-plans", pid, p, &at);
    }
    plan.write("adoptions", id, b, &at);
}

/// `care_worker_details`: worker assignments, each matched by its worker and start date (the
/// item has no id of its own; SSDA903 keys SWEpisodes by `SW_DECOM` the same way). An item
/// without a start date updates the worker's latest assignment in the episode (written by this
/// payload, else stored): a partial update ending it sends the worker and the end date. Items
/// carry no `purge`: the assignments go with their episode or child. A worker id driftwatch
/// cannot keep as a code (empty, or starting with `-`) is not written, counted
/// `care_workers_without_worker_id`.
fn workers(plan: &mut Plan, stored: &Stored, cid: &str, rid: &str, e: &Episode, at: &str) {
    let Some(list) = e.care_worker_details.get() else {
        return;
    };
    const RT: &str = "worker-assignments";
    let mut out: BTreeMap<String, (Body, String)> = BTreeMap::new();
    for (k, x) in list.0.iter().enumerate() {
        let at = format!("{at}/care_worker_details/{k}");
        let Some(w) = x
            .worker_id
            .get()
            .map(|w| w.0.as_str())
            .filter(|w| crate::records::validate::check_code(w).is_ok())
        else {
            plan.note("care_workers_without_worker_id");
            continue;
        };
        let prefix = format!("{rid}:sw:{w}:");
        let id = match date(&x.start_date) {
            Some(d) => format!("{prefix}{}", d.as_str().unwrap_or_default()),
            None => {
                // The worker's latest assignment of the episode (ids end with the start date).
                let latest = out
                    .keys()
                    .chain(stored.0.get(RT).into_iter().flat_map(|m| m.keys()))
                    .filter(|id| id.starts_with(&prefix) && !plan.deleting(RT, id))
                    .max()
                    .cloned();
                match latest {
                    Some(id) => id,
                    None => {
                        plan.note("records_without_start_date");
                        continue;
                    }
                }
            }
        };
        let mut b = match out.remove(&id) {
            Some((b, _)) => b,
            None => base(stored, RT, &id, cid),
        };
        b.insert("worker_id".into(), json!(w));
        set_date(&mut b, "started_on", &x.start_date);
        set_date(&mut b, "ended_on", &x.end_date);
        out.insert(id, (b, at));
    }
    for (id, (b, at)) in out {
        plan.write(RT, id, b, &at);
    }
}

/// `care_leavers`: the episode's care leaver block, as care leaver outcomes, one per 17th-21st
/// birthday (as SSDA903 OC3 gives them). The contact date says which birthday: the one whose
/// year, from 3 months before it, holds the contact (by month: only the birth month is kept).
/// `in_touch` is YES when the contact falls from 3 months before to 1 month after the birthday
/// month (OC3's "around the birthday"), else NO, but a later contact never undoes a YES of the
/// same birthday (the feed carries the latest contact only). `activity` (an F, P or G code; `0`
/// not known) and `accommodation` (the type letter; the DfE's definition has no suitability)
/// are the block's latest values. A block without a contact date updates the episode's latest
/// outcome; with none stored, or without the child's birth month, or with the contact outside
/// the 17th-21st birthdays' years, nothing is written (counted in the notes). `purge` deletes
/// every outcome of the episode.
fn care_leaver(
    plan: &mut Plan,
    stored: &Stored,
    cid: &str,
    rid: &str,
    e: &Episode,
    at: &str,
    birth: Option<(i32, u32)>,
) {
    let Some(c) = e.care_leavers.get() else {
        return;
    };
    const RT: &str = "care-leaver-outcomes";
    let block = format!("{rid}:cl");
    if purged(&c.purge) {
        plan.purge(stored, &block);
        return;
    }
    let at = format!("{at}/care_leavers");
    // The block as stored: the episode's latest outcome (by birthday).
    let latest = stored
        .0
        .get(RT)
        .into_iter()
        .flat_map(|m| m.iter())
        .filter(|(k, _)| k.starts_with(&format!("{block}:")))
        .max_by_key(|(_, b)| start_of(b, "birthday_month"));
    let (id, mut b) = match c.contact_date.get() {
        Some(Date(d)) => {
            let Some((by, bm)) = birth else {
                plan.note("care_leavers_without_birth_month");
                return;
            };
            let Some((age, birthday, around)) = leaver_birthday((by, bm), *d) else {
                plan.note("care_leavers_outside_17_to_21");
                return;
            };
            let id = format!("{block}:{age}");
            let mut b = match stored.get(RT, &id) {
                Some(s) => s.clone(),
                None => {
                    // A new birthday: the block's other members carry over.
                    let mut b = Body::new();
                    if let Some((_, l)) = latest {
                        for f in [
                            "activity",
                            "accommodation",
                            "accommodation_suitable",
                            "team",
                            "worker_id",
                        ] {
                            if let Some(v) = l.get(f) {
                                b.insert(f.into(), v.clone());
                            }
                        }
                    }
                    b
                }
            };
            b.insert("child_id".into(), json!(cid));
            b.insert("age".into(), json!(age));
            b.insert("birthday_month".into(), json!(birthday));
            b.insert(
                "contacted_on".into(),
                json!(d.format("%Y-%m-%d").to_string()),
            );
            let was = b.get("in_touch").and_then(|v| v.as_str()) == Some("YES");
            b.insert(
                "in_touch".into(),
                json!(if around || was { "YES" } else { "NO" }),
            );
            (id, b)
        }
        None => match latest {
            Some((id, b)) => (id.clone(), b.clone()),
            None => {
                plan.note("care_leavers_without_contact_date");
                return;
            }
        },
    };
    if let Some(Code(a)) = c.activity.get() {
        let a = a.to_ascii_uppercase();
        let known =
            a.len() == 2 && a.starts_with(['F', 'P', 'G']) && a.as_bytes()[1].is_ascii_digit();
        if known {
            b.insert("activity".into(), json!(a));
        } else {
            b.insert("activity".into(), Json::Null);
            if a != "0" {
                plan.note("codes_not_kept");
            }
        }
    }
    if let Some(Code(a)) = c.accommodation.get() {
        let a = a.to_ascii_uppercase();
        if types::CARE_LEAVER_ACCOMMODATION.contains(&a.as_str()) {
            b.insert("accommodation".into(), json!(a));
        } else {
            b.insert("accommodation".into(), Json::Null);
            if a != "0" {
                plan.note("codes_not_kept");
            }
        }
    }
    plan.write(RT, id, b, &at);
}

/// The DfE member a driftwatch field of `rt` comes from, to point a problem at the payload.
fn member(rt: &str, field: &str) -> Option<&'static str> {
    Some(match (rt, field) {
        (_, "child_id") => "la_child_id",
        ("children", "birth_month") => "date_of_birth",
        ("children", "sex") => "sex",
        ("children", "ethnicity") => "ethnicity",
        ("children", "disability") => "disabilities",
        ("children", "uasc") => "uasc_flag",
        ("referrals", "received_at") => "referral_date",
        ("referrals", "source") => "referral_source",
        ("referrals", "closed_on") => "closure_date",
        ("referrals", "closure_reason") => "closure_reason",
        ("assessments", "authorised_on") => "authorisation_date",
        ("assessments", "factors") => "factors",
        ("section47-enquiries", "completed_on") => "end_date",
        ("section47-enquiries", "icpc_required") => "icpc_required_flag",
        ("cp-conferences", "held_on") => "icpc_date",
        ("placements", "reason_new") => "start_reason",
        ("placements", "reason_ended") => "end_reason",
        ("placements", "placement_type") => "placement_type",
        ("placements", "change_reason") => "change_reason",
        ("adoptions", "adm_decision_on") => "initial_decision_date",
        ("adoptions", "matched_on") => "matched_date",
        ("adoptions", "placed_on") => "placed_date",
        ("permanence-plans", "decided_on") => "initial_decision_date",
        ("worker-assignments", "worker_id") => "worker_id",
        ("care-leaver-outcomes", "contacted_on") => "contact_date",
        ("care-leaver-outcomes", "activity") => "activity",
        ("care-leaver-outcomes", "accommodation") => "accommodation",
        (_, "started_on") => "start_date",
        (_, "ended_on") => "end_date",
        _ => return None,
    })
}

/// A problem the pipeline found in a planned record, pointed at the payload: the record's
/// object (`file`, as planned) and the member its field came from.
pub fn locate(mut e: FieldError) -> FieldError {
    let Some(object) = e.file.take() else {
        return e;
    };
    let field = e
        .pointer
        .as_deref()
        .and_then(|p| p.strip_prefix('/'))
        .map(str::to_string);
    let rt = e.column.take().unwrap_or_default();
    let rt = rt.as_str();
    e.pointer = Some(match field.as_deref().and_then(|f| member(rt, f)) {
        Some(m) => format!("{object}/{m}"),
        None => object,
    });
    e.line = None;
    e.column = None;
    e
}

/// The 17th-21st birthday a care leaver's contact on `contact` is about, for a child born in
/// `birth` (year, month): the birthday whose year, from 3 months before its month, holds the
/// contact's month. Its age, its month (`YYYY-MM`), and whether the contact is around it (from
/// 3 months before to 1 month after its month). `None` outside the 17th-21st birthdays' years.
fn leaver_birthday(birth: (i32, u32), contact: chrono::NaiveDate) -> Option<(i32, String, bool)> {
    let (by, bm) = birth;
    // Months from the birth month to the contact's month.
    let k = (contact.year() * 12 + contact.month0() as i32) - (by * 12 + bm as i32 - 1);
    let age = (k + 3).div_euclid(12);
    (17..=21)
        .contains(&age)
        .then(|| (age, format!("{:04}-{bm:02}", by + age), k - 12 * age <= 1))
}

#[cfg(test)]
mod tests {
    use super::leaver_birthday;

    fn on(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_contact_is_about_the_birthday_whose_year_holds_it() {
        // Born June 2006: the 18th birthday is in June 2024; its year runs from March 2024
        // (3 months before) to February 2025.
        let b = (2006, 6);
        // 3 months before the birthday month (March): the 18th, around it.
        assert_eq!(
            leaver_birthday(b, on("2024-03-01")),
            Some((18, "2024-06".into(), true))
        );
        // 4 months before (February): still the 17th's year (from March 2023), not around it.
        assert_eq!(
            leaver_birthday(b, on("2024-02-29")),
            Some((17, "2023-06".into(), false))
        );
        // 1 month after (July): around; 2 months after (August): the same birthday, not around.
        assert_eq!(
            leaver_birthday(b, on("2024-07-31")),
            Some((18, "2024-06".into(), true))
        );
        assert_eq!(
            leaver_birthday(b, on("2024-08-01")),
            Some((18, "2024-06".into(), false))
        );
        // Before the 17th birthday's year (before March 2023) and after the 21st's (from March
        // 2028): none.
        assert_eq!(leaver_birthday(b, on("2023-02-28")), None);
        assert_eq!(
            leaver_birthday(b, on("2023-03-01")),
            Some((17, "2023-06".into(), true))
        );
        assert_eq!(
            leaver_birthday(b, on("2028-02-29")),
            Some((21, "2027-06".into(), false))
        );
        assert_eq!(leaver_birthday(b, on("2028-03-01")), None);
        // Born in November: 3 months before the birthday month crosses nothing odd (August).
        assert_eq!(
            leaver_birthday((2006, 11), on("2024-08-15")),
            Some((18, "2024-11".into(), true))
        );
        // Born in February: 3 months before is November of the year before.
        assert_eq!(
            leaver_birthday((2006, 2), on("2023-11-30")),
            Some((18, "2024-02".into(), true))
        );
    }
}
