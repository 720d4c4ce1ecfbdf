//! SQL of the DfE CSC feed: the receipt of an accepted request, kept on its import's history row.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::Conn;
use driftwatch_error::ApiResult;

/// Give import `id` of `la` its receipt (a UUID, as text).
pub async fn set_receipt(conn: &mut Conn, la: &str, id: i64, receipt: &str) -> ApiResult<()> {
    diesel::sql_query("UPDATE imports SET receipt = $3::uuid WHERE la_code = $1 AND id = $2")
        .bind::<Text, _>(la)
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(receipt)
        .execute(conn)
        .await?;
    Ok(())
}

/// The import of `la` that answered with `receipt`.
pub async fn import_of_receipt(conn: &mut Conn, la: &str, receipt: &str) -> ApiResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> =
        diesel::sql_query("SELECT id FROM imports WHERE la_code = $1 AND receipt = $2::uuid")
            .bind::<Text, _>(la)
            .bind::<Text, _>(receipt)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}
