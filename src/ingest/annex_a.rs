//! Ofsted Annex A workbook (xlsx, Lists 1-11 by their column headers). See INDICATORS.md §4.

use super::{ImportPlan, InputFile};
use crate::error::{ApiError, ApiResult};

pub fn plan(_files: &[InputFile]) -> ApiResult<ImportPlan> {
    Err(ApiError::parameter(
        "format",
        "Annex A import is not built yet",
    ))
}
