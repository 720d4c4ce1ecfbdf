//! Timescales: a number and a unit (hours, calendar or working days, weeks, months).

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
    Weeks,
    Months,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hours => "hours",
            Unit::CalendarDays => "calendar_days",
            Unit::WorkingDays => "working_days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
        }
    }
    pub const NAMES: &[&str] = &["hours", "calendar_days", "working_days", "weeks", "months"];
    pub fn parse(s: &str) -> Option<Unit> {
        [
            Unit::Hours,
            Unit::CalendarDays,
            Unit::WorkingDays,
            Unit::Weeks,
            Unit::Months,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
    }
    /// Unit in which elapsed time is reported.
    pub fn elapsed_unit(self) -> &'static str {
        match self {
            Unit::Hours => "hours",
            Unit::WorkingDays => "working_days",
            _ => "days",
        }
    }
}

/// A timescale: a number and a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Limit {
    pub value: i32,
    pub unit: Unit,
}
