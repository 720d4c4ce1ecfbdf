//! CIN census XML (schema years 2017-2026). See docs/INDICATORS.md §4 and the README section
//! "CIN census mapping".
//!
//! Every `Child` gives a `children` record (LAchildID; birth month; `GenderCurrent` up to the
//! 2023 schema or `Sex` from 2024; ethnicity; disability) and every `CINdetails` (one CIN
//! episode) a referral, with its assessments, CIN plans, section 47 enquiries (each with the
//! strategy discussion that started it, held on `S47ActualStartDate`), initial conferences
//! and child protection plans with their review conferences. UPNs, names and free text are
//! never read. Ids are `<LAchildID>-<date>` (see [`builder::event_id`]).

pub(crate) mod builder;
mod xml;

use chrono::NaiveDate;
use serde_json::{Map, Value as Json, json};

use self::builder::{Builder, event_id, put};
use self::xml::Node;
use super::{ImportPlan, InputFile, Source};
use crate::error::{ApiError, ApiResult};
use crate::records::types::{
    ABUSE_CATEGORY, ASSESSMENTS, CHILDREN, CIN_PLANS, CP_CONFERENCES, CP_PLANS, ETHNICITY,
    REFERRAL_SOURCE, REFERRALS, SECTION47_ENQUIRIES, STRATEGY_DISCUSSIONS,
};
use crate::records::validate::parse_date;

pub fn plan(files: &[InputFile]) -> ApiResult<ImportPlan> {
    if files.is_empty() {
        return Err(ApiError::parameter(
            "file",
            "no file given: send the CIN census XML",
        ));
    }
    let mut b = Builder::new();
    let mut not_census = Vec::new();
    for file in files {
        // Each child is mapped as soon as it has been read; a file that turns out not to be
        // a census refuses the whole import, so what its children planned is never used.
        let mut stats = Stats::default();
        let name = file.name.as_str();
        let parsed = xml::parse(name, &file.bytes, &mut |child| {
            stats.count(child);
            read_child(&mut b, name, child);
        });
        match parsed.and_then(|root| check_root(name, root)) {
            Ok(_) => stats.note(&mut b),
            Err(e) => not_census.push(*e),
        }
    }
    if !not_census.is_empty() {
        return Err(ApiError::validation(not_census));
    }
    let mut plan = b.finish();
    plan.skipped_fields = super::skipped::list(super::skipped::CIN_CENSUS);
    Ok(plan)
}

/// The root must be a `Message` with `Children` (and, when the header names a collection,
/// the collection `CIN`).
fn check_root(file: &str, root: Node) -> Result<Node, Box<crate::error::FieldError>> {
    if root.name != "Message" {
        return Err(Box::new(
            Source::at(file, root.line)
                .column(root.name.clone())
                .problem(format!(
                    "the root element is <{}>, not <Message>: not a CIN census XML file",
                    root.name
                )),
        ));
    }
    if let Some(c) = root
        .child("Header")
        .and_then(|h| h.child("CollectionDetails"))
        .and_then(|d| d.child("Collection"))
        && !c.text.trim().eq_ignore_ascii_case("CIN")
    {
        return Err(Box::new(
            Source::at(file, c.line)
                .column("Collection")
                .problem(format!(
                    "the collection is {:?}, not CIN: not a CIN census XML file",
                    c.text.trim()
                )),
        ));
    }
    if root.child("Children").is_none() {
        return Err(Box::new(
            Source::at(file, root.line)
                .column("Children")
                .problem("<Message> has no <Children>: not a CIN census XML file"),
        ));
    }
    Ok(root)
}

/// The schema variant, from the elements present: `Sex` (2024 onwards) or `GenderCurrent`
/// (2017-2023); `PreProceedingsandFGDM` (2026) is recognised and not mapped.
#[derive(Default)]
struct Stats {
    sex: u64,
    gender_current: u64,
    pre_proceedings: u64,
}

impl Stats {
    fn count(&mut self, child: &Node) {
        let ids = child.child("ChildIdentifiers");
        if ids.is_some_and(|i| i.child("Sex").is_some()) {
            self.sex += 1;
        } else if ids.is_some_and(|i| i.child("GenderCurrent").is_some()) {
            self.gender_current += 1;
        }
        self.pre_proceedings += child
            .all("CINdetails")
            .map(|d| d.all("PreProceedingsandFGDM").count() as u64)
            .sum::<u64>();
    }
    fn note(&self, b: &mut Builder) {
        for (key, n) in [
            ("cin_census_children_with_sex", self.sex),
            (
                "cin_census_children_with_gender_current",
                self.gender_current,
            ),
            (
                "cin_census_pre_proceedings_not_mapped",
                self.pre_proceedings,
            ),
        ] {
            if n > 0 {
                b.note(key, n);
            }
        }
    }
}

/// A date element of `parent`: `Ok(None)` when absent or empty; an impossible date is
/// reported at the element (file, line, element name) and is `Err`.
fn date(b: &mut Builder, file: &str, parent: &Node, name: &str) -> Result<Option<NaiveDate>, ()> {
    let Some(node) = parent.child(name) else {
        return Ok(None);
    };
    date_node(b, file, node)
}

fn date_node(b: &mut Builder, file: &str, node: &Node) -> Result<Option<NaiveDate>, ()> {
    let t = node.text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    // The schema's xs:date; a time or offset after the date is tolerated.
    let d = t.get(..10).unwrap_or(t);
    match parse_date(d) {
        Ok(d) if t.len() == 10 || t[10..].starts_with(['T', 'Z', '+', '-']) => Ok(Some(d)),
        Ok(_) | Err(_) => {
            b.problem(
                Source::at(file, node.line)
                    .column(node.name.clone())
                    .problem(format!(
                        "{t:?} is not a real date (YYYY-MM-DD); what it dates is not imported"
                    )),
            );
            Err(())
        }
    }
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "y" | "yes" => Some(true),
        "false" | "0" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// `GenderCurrent` (1 male, 2 female, 0 not known, 9 not specified) or `Sex` (the 2024+ schema
/// has M / F / U; some files still send the numeric codes).
fn sex(code: &str) -> Option<&'static str> {
    match code.trim().to_ascii_uppercase().as_str() {
        "1" | "M" | "MALE" => Some("M"),
        "2" | "F" | "FEMALE" => Some("F"),
        "0" | "9" | "U" | "X" | "UNKNOWN" => Some("U"),
        _ => None,
    }
}

fn read_child(b: &mut Builder, file: &str, child: &Node) {
    let Some(ids) = child.child("ChildIdentifiers") else {
        b.problem(
            Source::at(file, child.line)
                .column("ChildIdentifiers")
                .problem("a <Child> without <ChildIdentifiers>; the child is rejected"),
        );
        return;
    };
    let Some(child_id) = ids.text_of("LAchildID").map(str::to_string) else {
        b.problem(
            Source::at(file, ids.line)
                .column("LAchildID")
                .problem("a <Child> without <LAchildID>; the child is rejected"),
        );
        return;
    };
    let src = |node: &Node| Source::at(file, node.line);

    let mut body = Map::new();
    if let Ok(Some(born)) = date(b, file, ids, "PersonBirthDate") {
        body.insert(
            "birth_month".into(),
            json!(born.format("%Y-%m").to_string()),
        );
    }
    for el in ["Sex", "GenderCurrent"] {
        if let Some(n) = ids.child(el) {
            match sex(&n.text) {
                Some(s) => {
                    body.insert("sex".into(), json!(s));
                }
                None => b.problem(
                    src(n)
                        .column(el)
                        .problem(format!("{:?} is not a known {el} code", n.text.trim())),
                ),
            }
            break;
        }
    }
    if let Some(chars) = child.child("ChildCharacteristics") {
        if let Some(n) = chars.child("Ethnicity") {
            let code = n.text.trim().to_ascii_uppercase();
            if ETHNICITY.contains(&code.as_str()) {
                body.insert("ethnicity".into(), json!(code));
            } else if !code.is_empty() {
                b.problem(src(n).column("Ethnicity").problem(format!(
                    "{code:?} is not a DfE ethnicity code ({})",
                    ETHNICITY.join(", ")
                )));
            }
        }
        if let Some(d) = chars.child("Disabilities") {
            let codes: Vec<String> = d
                .all("Disability")
                .map(|x| x.text.trim().to_ascii_uppercase())
                .filter(|x| !x.is_empty())
                .collect();
            if !codes.is_empty() {
                body.insert(
                    "disability".into(),
                    json!(codes.iter().any(|c| c != "NONE")),
                );
            }
        }
    }
    b.add(&CHILDREN, child_id.clone(), body, src(child));

    for details in child.all("CINdetails") {
        read_episode(b, file, &child_id, details);
    }
}

/// One `CINdetails`: a CIN episode, which starts with a referral.
fn read_episode(b: &mut Builder, file: &str, child_id: &str, d: &Node) {
    let src = |node: &Node| Source::at(file, node.line);
    let referral_date = match date(b, file, d, "CINreferralDate") {
        Ok(Some(r)) => r,
        Ok(None) => {
            b.problem(
                src(d)
                    .column("CINreferralDate")
                    .problem("a <CINdetails> without <CINreferralDate>; the episode is rejected"),
            );
            return;
        }
        Err(()) => return,
    };
    let referral_id = event_id(child_id, referral_date);
    let closure = date(b, file, d, "CINclosureDate").ok().flatten();
    let nfa = d.text_of("ReferralNFA").and_then(yes);

    let mut r = Map::new();
    r.insert("child_id".into(), json!(child_id));
    r.insert("received_at".into(), json!(referral_date.to_string()));
    if let Some(n) = d.child("ReferralSource") {
        let code = n.text.trim().to_ascii_uppercase();
        if REFERRAL_SOURCE.contains(&code.as_str()) {
            r.insert("source".into(), json!(code));
        } else if !code.is_empty() {
            b.problem(src(n).column("ReferralSource").problem(format!(
                "{code:?} is not a DfE referral source code ({})",
                REFERRAL_SOURCE.join(", ")
            )));
        }
    }
    // The census records no decision date. An NFA referral is decided when its episode is
    // closed (the census closes NFA referrals on the decision). A referral that went on to a
    // section 47 enquiry or an assessment was decided, at a time the census does not give:
    // its outcome is recorded without `decision_at`, so it forms no referral-decision case
    // (neither met nor overdue by construction). Others stay undecided, and the import report
    // counts them.
    match (nfa, closure) {
        (Some(true), Some(c)) if c >= referral_date => {
            r.insert("decision_at".into(), json!(c.to_string()));
            r.insert("outcome".into(), json!("nfa"));
        }
        _ if d.all("Section47").next().is_some() => {
            r.insert("outcome".into(), json!("strategy_discussion"));
            b.note("referrals_decided_at_unknown_time", 1);
        }
        _ if d.all("Assessments").next().is_some() => {
            r.insert("outcome".into(), json!("assessment"));
            b.note("referrals_decided_at_unknown_time", 1);
        }
        _ => b.note("referrals_without_decision_date", 1),
    }
    let referral_line = d.child("CINreferralDate").map_or(d.line, |n| n.line);
    b.add(
        &REFERRALS,
        referral_id.clone(),
        r,
        Source::at(file, referral_line).column("CINreferralDate"),
    );

    for a in d.all("Assessments") {
        let Ok(Some(start)) = date(b, file, a, "AssessmentActualStartDate") else {
            if a.child("AssessmentActualStartDate").is_none() {
                b.note("assessments_without_start_date", 1);
            }
            continue;
        };
        let Ok(authorised) = date(b, file, a, "AssessmentAuthorisationDate") else {
            continue;
        };
        let mut body = Map::new();
        body.insert("child_id".into(), json!(child_id));
        body.insert("referral_id".into(), json!(referral_id));
        body.insert("started_on".into(), json!(start.to_string()));
        put(
            &mut body,
            "authorised_on",
            authorised.map(|x| x.to_string()),
        );
        b.add(
            &ASSESSMENTS,
            event_id(child_id, start),
            body,
            src(a).column("AssessmentActualStartDate"),
        );
    }

    for p in d.all("CINPlanDates") {
        let Ok(Some(start)) = date(b, file, p, "CINPlanStartDate") else {
            continue;
        };
        let Ok(end) = date(b, file, p, "CINPlanEndDate") else {
            continue;
        };
        let mut body = Map::new();
        body.insert("child_id".into(), json!(child_id));
        body.insert("referral_id".into(), json!(referral_id));
        body.insert("started_on".into(), json!(start.to_string()));
        put(&mut body, "ended_on", end.map(|x| x.to_string()));
        b.add(
            &CIN_PLANS,
            event_id(child_id, start),
            body,
            src(p).column("CINPlanStartDate"),
        );
    }

    // Child protection plans first, so initial conferences can name the plan they started.
    let mut plan_starts: Vec<(NaiveDate, String)> = Vec::new();
    for p in d.all("ChildProtectionPlans") {
        let Ok(Some(start)) = date(b, file, p, "CPPstartDate") else {
            continue;
        };
        let Ok(end) = date(b, file, p, "CPPendDate") else {
            continue;
        };
        let plan_id = event_id(child_id, start);
        let mut body = Map::new();
        body.insert("child_id".into(), json!(child_id));
        body.insert("started_on".into(), json!(start.to_string()));
        put(&mut body, "ended_on", end.map(|x| x.to_string()));
        for (el, field) in [
            ("InitialCategoryOfAbuse", "initial_category"),
            ("LatestCategoryOfAbuse", "latest_category"),
        ] {
            if let Some(n) = p.child(el) {
                let code = n.text.trim().to_ascii_uppercase();
                if ABUSE_CATEGORY.contains(&code.as_str()) {
                    body.insert(field.into(), json!(code));
                } else if !code.is_empty() {
                    b.problem(src(n).column(el).problem(format!(
                        "{code:?} is not a DfE category of abuse ({})",
                        ABUSE_CATEGORY.join(", ")
                    )));
                }
            }
        }
        if let Some(n) = p.child("NumberOfPreviousCPP") {
            let text = n.text.trim();
            match text.parse::<u8>() {
                Ok(k) if k <= 99 => {
                    body.insert("previous_plans".into(), json!(k));
                }
                _ if text.is_empty() => {}
                _ => b.problem(src(n).column("NumberOfPreviousCPP").problem(format!(
                    "{text:?} is not a number of previous plans (0 to 99)"
                ))),
            }
        }
        b.add(
            &CP_PLANS,
            plan_id.clone(),
            body,
            src(p).column("CPPstartDate"),
        );
        plan_starts.push((start, plan_id.clone()));
        for reviews in p.all("Reviews") {
            for rv in reviews.all("CPPreviewDate") {
                let Ok(Some(held)) = date_node(b, file, rv) else {
                    continue;
                };
                let body = conference(child_id, "review", held, Some(&plan_id), None, None);
                b.add(
                    &CP_CONFERENCES,
                    event_id(child_id, held),
                    body,
                    src(rv).column("CPPreviewDate"),
                );
            }
        }
    }
    let plan_on = |day: NaiveDate| {
        plan_starts
            .iter()
            .find(|(s, _)| *s == day)
            .map(|(_, id)| id.clone())
    };

    // Section 47 enquiries, each started at a strategy discussion held on its start date.
    let mut s47s: Vec<(NaiveDate, Option<NaiveDate>, String)> = Vec::new();
    for s in d.all("Section47") {
        let Ok(Some(start)) = date(b, file, s, "S47ActualStartDate") else {
            continue;
        };
        let Ok(icpc) = date(b, file, s, "DateOfInitialCPC") else {
            continue;
        };
        let not_required = s.text_of("ICPCnotRequired").and_then(yes);
        let id = event_id(child_id, start);
        let mut sd = Map::new();
        sd.insert("child_id".into(), json!(child_id));
        sd.insert("referral_id".into(), json!(referral_id));
        // The return gives the day of the strategy discussion that started the enquiry, not
        // when the concern was identified: that stays unknown (null), so the discussion forms
        // no strategy-discussion-timeliness case rather than one that is met by construction.
        sd.insert("held_at".into(), json!(start.to_string()));
        sd.insert("s47_initiated".into(), json!(true));
        b.add(
            &STRATEGY_DISCUSSIONS,
            id.clone(),
            sd,
            src(s).column("S47ActualStartDate"),
        );
        let mut e = Map::new();
        e.insert("child_id".into(), json!(child_id));
        e.insert("strategy_discussion_id".into(), json!(id));
        e.insert("started_on".into(), json!(start.to_string()));
        let required = match (not_required, icpc) {
            (Some(nr), _) => Some(!nr),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        };
        put(&mut e, "icpc_required", required);
        b.add(
            &SECTION47_ENQUIRIES,
            id.clone(),
            e,
            src(s).column("S47ActualStartDate"),
        );
        if let Some(held) = icpc {
            let line = s.child("DateOfInitialCPC").map_or(s.line, |n| n.line);
            let body = conference(
                child_id,
                "initial",
                held,
                plan_on(held).as_deref(),
                Some(&id),
                None,
            );
            b.add(
                &CP_CONFERENCES,
                event_id(child_id, held),
                body,
                Source::at(file, line).column("DateOfInitialCPC"),
            );
        }
        s47s.push((start, icpc, id));
    }

    // The episode's initial conference (CINdetails/DateOfInitialCPC): the enquiry it followed
    // is the one with that conference date, or else the only enquiry of the episode started
    // by then that gave no conference date of its own.
    if let Some(n) = d.child("DateOfInitialCPC")
        && let Ok(Some(held)) = date_node(b, file, n)
    {
        let by_date = s47s.iter().find(|(_, i, _)| *i == Some(held));
        let undated: Vec<_> = s47s
            .iter()
            .filter(|(s, i, _)| i.is_none() && *s <= held)
            .collect();
        let s47 = by_date
            .or(if undated.len() == 1 {
                Some(undated[0])
            } else {
                None
            })
            .map(|(_, _, id)| id.as_str());
        let plan = plan_on(held);
        let body = conference(child_id, "initial", held, plan.as_deref(), s47, None);
        b.add(
            &CP_CONFERENCES,
            event_id(child_id, held),
            body,
            src(n).column("DateOfInitialCPC"),
        );
    }
}

fn conference(
    child_id: &str,
    kind: &str,
    held: NaiveDate,
    plan: Option<&str>,
    s47: Option<&str>,
    outcome_plan: Option<bool>,
) -> Map<String, Json> {
    let mut body = Map::new();
    body.insert("child_id".into(), json!(child_id));
    body.insert("kind".into(), json!(kind));
    body.insert("held_on".into(), json!(held.to_string()));
    put(&mut body, "cp_plan_id", plan);
    put(&mut body, "s47_enquiry_id", s47);
    // An initial conference on the day a plan started made that plan.
    let outcome = outcome_plan.or(if kind == "initial" && plan.is_some() {
        Some(true)
    } else {
        None
    });
    put(&mut body, "outcome_plan", outcome);
    body
}

#[cfg(test)]
pub(crate) mod tests;
