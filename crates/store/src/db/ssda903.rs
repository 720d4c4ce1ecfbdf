//! SQL of the SSDA903 importer: what earlier imports stored for the children of a return
//! (dates as `YYYY-MM-DD` text), which the importer compares a new return with.

use std::collections::BTreeSet;

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text};

use super::Conn;
use super::sql::{Sql, ident};
use driftwatch_error::ApiResult;

#[derive(QueryableByName, Debug, Clone)]
pub struct StoredPlacement {
    #[diesel(sql_type = Text)]
    pub child_id: String,
    #[diesel(sql_type = Text)]
    pub cla_period_id: String,
    #[diesel(sql_type = Text)]
    pub started_on: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub ended_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub placement_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub legal_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason_new: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason_ended: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_id: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub long_term: Option<bool>,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct StoredPeriod {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub child_id: String,
    #[diesel(sql_type = Text)]
    pub started_on: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub ended_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub legal_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason_ended: Option<String>,
    #[diesel(sql_type = Bool)]
    pub start_known: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub team: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_id: Option<String>,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct StoredReview {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub child_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub cla_period_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub held_on: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub care_plan_updated_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_id: Option<String>,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct StoredAdoption {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub child_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub cla_period_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub entered_care_on: String,
    #[diesel(sql_type = Text)]
    pub adm_decision_on: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub matched_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub placed_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub adoption_order_on: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub foster_carer_adoption: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub decision_reversed_on: Option<String>,
}

/// What earlier imports stored for some children, as read.
#[derive(Debug, Default)]
pub struct StoredRows {
    /// SSDA903-derived placements (id `<child>-<started_on>`).
    pub placements: Vec<StoredPlacement>,
    /// Every stored period of these children, by child and start.
    pub periods: Vec<StoredPeriod>,
    /// SSDA903-derived reviews (id `<child>-<held_on>`).
    pub reviews: Vec<StoredReview>,
    /// SSDA903-derived adoptions (id `<child>-<adm_decision_on>`).
    pub adoptions: Vec<StoredAdoption>,
}

fn date_text(col: &str) -> String {
    format!("to_char(t.{}, 'YYYY-MM-DD')", ident(col))
}

/// What earlier imports stored for `children` of `la`.
pub async fn stored(
    conn: &mut Conn,
    la: &str,
    children: &BTreeSet<String>,
) -> ApiResult<StoredRows> {
    let mut stored = StoredRows::default();
    if children.is_empty() {
        return Ok(stored);
    }
    let ids = serde_json::to_string(children).expect("ids serialise");
    let select = |cols: &str, table: &str, extra: &str| {
        let mut sql = Sql::default();
        let la_p = sql.bind(la.to_string());
        let ids_p = sql.bind(ids.clone());
        sql.push(&format!(
            "SELECT {cols} FROM {table} t WHERE t.la_code = {la_p} \
                 AND t.child_id IN (SELECT json_array_elements_text({ids_p}::json)) {extra}",
            table = ident(table)
        ));
        sql
    };
    let placements: Vec<StoredPlacement> = select(
        &format!(
            "t.child_id, t.cla_period_id, {s} AS started_on, {e} AS ended_on, \
                 t.placement_type, t.legal_status, t.reason_new, t.reason_ended, t.team, \
                 t.worker_id, t.long_term",
            s = date_text("started_on"),
            e = date_text("ended_on"),
        ),
        "placements",
        &format!(
            "AND t.id = t.child_id || '-' || {}",
            date_text("started_on")
        ),
    )
    .fetch_all(conn)
    .await?;
    stored.placements = placements;
    let periods: Vec<StoredPeriod> = select(
        &format!(
            "t.id, t.child_id, {s} AS started_on, {e} AS ended_on, t.legal_status, \
                 t.reason_ended, t.start_known, t.team, t.worker_id",
            s = date_text("started_on"),
            e = date_text("ended_on"),
        ),
        "cla_periods",
        "ORDER BY t.child_id, t.started_on",
    )
    .fetch_all(conn)
    .await?;
    stored.periods = periods;
    let reviews: Vec<StoredReview> = select(
        &format!(
            "t.id, t.child_id, t.cla_period_id, {h} AS held_on, {c} AS care_plan_updated_on, \
                 t.team, t.worker_id",
            h = date_text("held_on"),
            c = date_text("care_plan_updated_on"),
        ),
        "cla_reviews",
        &format!("AND t.id = t.child_id || '-' || {}", date_text("held_on")),
    )
    .fetch_all(conn)
    .await?;
    stored.reviews = reviews;
    let adoptions: Vec<StoredAdoption> = select(
        &format!(
            "t.id, t.child_id, t.cla_period_id, {e} AS entered_care_on, \
                 {a} AS adm_decision_on, {m} AS matched_on, {p} AS placed_on, \
                 {o} AS adoption_order_on, t.foster_carer_adoption, {r} AS decision_reversed_on",
            e = date_text("entered_care_on"),
            a = date_text("adm_decision_on"),
            m = date_text("matched_on"),
            p = date_text("placed_on"),
            o = date_text("adoption_order_on"),
            r = date_text("decision_reversed_on"),
        ),
        "adoptions",
        &format!(
            "AND t.adm_decision_on IS NOT NULL AND t.id = t.child_id || '-' || {}",
            date_text("adm_decision_on")
        ),
    )
    .fetch_all(conn)
    .await?;
    stored.adoptions = adoptions;
    Ok(stored)
}
