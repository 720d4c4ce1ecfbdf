//! Responses shared by the routes: a keyset page of rows, the conditional (ETag) headers and
//! 304 of the figure endpoints, and the client's `Cache-Control: no-cache`.

use actix_web::{HttpRequest, HttpResponse, http::header};

use crate::audit::RequestTx;
use crate::http::Format;
use crate::http::conditional::{self, DataVersion};
use crate::http::params;
use crate::http::stream::{RowWriter, Tabular};

/// A page of rows: `{"data": [...], "next_cursor", "next"}` (JSON) or CSV/NDJSON rows, with a
/// `Link: <next>; rel="next"` header when there is a next page. The rows (and the children
/// they are about) count in the request's audit row.
pub fn page_response<R: Tabular>(
    req: &HttpRequest,
    tx: &RequestTx,
    format: Format,
    rows: &[R],
    columns: Vec<String>,
    next_cursor: Option<String>,
    to_json: impl Fn(&R) -> serde_json::Value,
) -> HttpResponse {
    tx.note_rows(rows.iter().map(Tabular::child_id));
    let next = next_cursor.as_ref().map(|c| params::next_url(req, c));
    let mut res = HttpResponse::Ok();
    if let Some(n) = &next {
        res.insert_header((header::LINK, format!("<{n}>; rel=\"next\"")));
    }
    match format {
        Format::Json => res.json(serde_json::json!({
            "data": rows.iter().map(to_json).collect::<Vec<_>>(),
            "next_cursor": next_cursor,
            "next": next,
        })),
        f => {
            let mut w = RowWriter::new(f, columns);
            for r in rows {
                w.row(r);
            }
            res.content_type(f.content_type()).body(w.take())
        }
    }
}

/// The tag headers of a figure response (and its 304).
pub fn conditional_headers(res: &mut actix_web::HttpResponseBuilder, tag: &str, v: DataVersion) {
    res.insert_header((header::ETAG, tag.to_string()))
        .insert_header((header::LAST_MODIFIED, conditional::http_date(v.changed_at)))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
}

/// 304 with the tag headers: the client holds this version.
pub fn not_modified_response(tag: &str, v: DataVersion) -> HttpResponse {
    let mut res = HttpResponse::NotModified();
    conditional_headers(&mut res, tag, v);
    res.finish()
}

/// The client asked to bypass caches (`Cache-Control: no-cache`).
pub fn no_cache(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("no-cache"))
}
