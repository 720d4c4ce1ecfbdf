//! SSDA903 (the DfE looked-after children return): CSV tables or the XML. See INDICATORS.md §4.

use super::{ImportPlan, InputFile};
use crate::db::Conn;
use crate::error::{ApiError, ApiResult};

pub async fn plan(_conn: &mut Conn, _la: &str, _files: &[InputFile]) -> ApiResult<ImportPlan> {
    Err(ApiError::parameter(
        "format",
        "SSDA903 import is not built yet",
    ))
}
