//! Collects the records a national-format importer derives, merges repeats of the same record
//! (same type and id), validates every body as `PUT` would and turns the result into an
//! [`ImportPlan`]. Shared by the CIN census and Annex A importers.
//!
//! A record that fails validation is left out and reported in `plan.problems` at its source
//! (file, line, column), as is every record of the plan that refers to it (a conference whose
//! plan was rejected), so the pipeline never sees a dangling reference made by the importer.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value as Json};

use crate::error::FieldError;
use crate::ingest::{ImportPlan, PlannedRecord, Source, Step};
use crate::records::types::{self, RecordType};
use crate::records::validate::parse_record;

#[derive(Default)]
pub(crate) struct Builder {
    /// Per record type path: records in the order first seen, and their index by id.
    records: HashMap<&'static str, (Vec<PlannedRecord>, HashMap<String, usize>)>,
    problems: Vec<FieldError>,
    notes: BTreeMap<String, u64>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Plan a record. A record of the same type and id planned before is the same record
    /// (the same event seen twice: two CIN episodes naming the same conference, a child in
    /// several lists): the later members that are not null are merged into it.
    pub fn add(
        &mut self,
        rt: &'static RecordType,
        id: String,
        body: Map<String, Json>,
        source: Source,
    ) {
        let (list, index) = self.records.entry(rt.path).or_default();
        if let Some(&i) = index.get(&id) {
            let existing = list[i].body.as_object_mut().expect("bodies are objects");
            let mut changed = false;
            for (k, v) in body {
                if !v.is_null() && existing.get(&k) != Some(&v) {
                    existing.insert(k, v);
                    changed = true;
                }
            }
            if changed {
                *self.notes.entry(format!("{}_merged", rt.path)).or_default() += 1;
            } else {
                *self
                    .notes
                    .entry(format!("{}_repeated", rt.path))
                    .or_default() += 1;
            }
            return;
        }
        index.insert(id.clone(), list.len());
        list.push(PlannedRecord {
            id,
            body: Json::Object(body),
            source,
        });
    }

    pub fn problem(&mut self, e: FieldError) {
        self.problems.push(e);
    }

    pub fn note(&mut self, key: impl Into<String>, n: u64) {
        *self.notes.entry(key.into()).or_default() += n;
    }

    /// Validate every planned record (in dependency order, so a rejected record's dependents
    /// are rejected too) and make the plan: one step per record type that has records.
    pub fn finish(mut self) -> ImportPlan {
        let mut rejected: HashMap<&'static str, HashSet<String>> = HashMap::new();
        let mut steps = Vec::new();
        let mut problems = Vec::new();
        for rt in types::ALL.iter().copied() {
            let Some((list, _)) = self.records.remove(rt.path) else {
                continue;
            };
            let mut keep = Vec::with_capacity(list.len());
            for rec in list {
                let mut errors = Vec::new();
                for (field, target) in rt.refs() {
                    if let Some(id) = rec.body.get(field.name).and_then(Json::as_str)
                        && rejected.get(target).is_some_and(|r| r.contains(id))
                    {
                        errors.push(FieldError::pointer(
                            format!("/{}", field.name),
                            format!("refers to {target} {id}, which was rejected"),
                        ));
                    }
                }
                if errors.is_empty()
                    && let Err(es) = parse_record(rt, &rec.id, &rec.body)
                {
                    errors = es;
                }
                if errors.is_empty() {
                    keep.push(rec);
                } else {
                    for e in errors {
                        let mut e = rec.source.locate(e);
                        e.message = format!("{} {}: {}", rt.path, rec.id, e.message);
                        problems.push(e);
                    }
                    rejected.entry(rt.path).or_default().insert(rec.id);
                }
            }
            let n_rejected = rejected.get(rt.path).map_or(0, |r| r.len() as u64);
            if n_rejected > 0 {
                self.note(format!("{}_rejected", rt.path), n_rejected);
            }
            if !keep.is_empty() {
                steps.push(Step {
                    rt,
                    records: keep,
                    delete_ids: Vec::new(),
                });
            }
        }
        let mut all = self.problems;
        all.extend(problems);
        ImportPlan {
            steps,
            problems: all,
            notes: self.notes.into_iter().collect(),
            skipped_fields: Vec::new(),
        }
    }
}

/// `<child>-<YYYY-MM-DD>`: the id of a record derived from a national return.
pub(crate) fn event_id(child: &str, date: chrono::NaiveDate) -> String {
    format!("{child}-{date}")
}

/// Insert `key: value` when `value` is `Some`.
pub(crate) fn put<T: Into<Json>>(body: &mut Map<String, Json>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        body.insert(key.to_string(), v.into());
    }
}

/// Short pseudonymous id for a worker named in a return: `w-` and 12 hex digits of the
/// SHA-256 of the name (whitespace collapsed, case folded). The name itself is never stored.
pub(crate) fn worker_pseudonym(name: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    let norm = name
        .split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if norm.is_empty() || norm == "#n/a" {
        return None;
    }
    let digest = Sha256::digest(norm.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Some(format!("w-{hex}"))
}
