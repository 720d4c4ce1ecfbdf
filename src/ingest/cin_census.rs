//! CIN census XML (schema years 2017-2026). See INDICATORS.md §4.

use super::{ImportPlan, InputFile};
use crate::error::{ApiError, ApiResult};

pub fn plan(_files: &[InputFile]) -> ApiResult<ImportPlan> {
    Err(ApiError::parameter("format", "CIN census import is not built yet"))
}
