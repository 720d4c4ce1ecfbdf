//! What each national format carries that its importer reads past: the import report's
//! `skipped_fields` (README, "Import report"). A field leaves its list when an importer maps it.
//! Identifiers a pseudonymous store must not hold (UPN, mother's details, postcodes, names) are
//! listed too: they are skipped on purpose and stay skipped.

/// CIN census elements not mapped (header metadata such as `Collection`, `Year` and
/// `ReferenceDate` is not listed: it is no child's data).
pub const CIN_CENSUS: &[&str] = &[
    "ChildIdentifiers/UPN",
    "ChildIdentifiers/FormerUPN",
    "ChildIdentifiers/UPNunknown",
    "ChildIdentifiers/ExpectedPersonBirthDate",
    "ChildIdentifiers/PersonDeathDate",
    "CINdetails/PrimaryNeedCode",
    "CINdetails/ReasonForClosure",
    "Assessments/AssessmentFactors",
    "Section47/InitialCPCtarget",
    "PreProceedingsandFGDM",
];

/// Annex A columns not mapped, by list (the columns of the 2024 template).
pub const ANNEX_A: &[&str] = &[
    "List 1: Date of Contact",
    "List 1: Contact Source",
    "List 2: Assessment completion date",
    "List 2: Organisation completing assessment",
    "List 3: Number of Referrals in Last 12 Months",
    "List 4: Child Seen During Continuous Assessment",
    "List 4: Was the child assessed as requiring LA children's social care support?",
    "List 5: Number of Section 47 Enquiries in the last 12 months",
    "List 5: Number of ICPCs in the last 12 months",
    "List 6: Primary Need Code",
    "List 6: Date Child Was Last Seen",
    "List 6: CIN Closure Date",
    "List 6: Reason for Closure",
    "List 6: Case Status",
    "List 7: Date of the Last Statutory Visit",
    "List 7: Was the Child Seen Alone?",
    "List 7: Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
    "List 8: Child's Category of Need",
    "List 8: Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
    "List 8: Start date of current legal status",
    "List 8: Date of Last Social Work Visit",
    "List 8: What is the permanence plan for this child?",
    "List 8: Date of Last IRO Visit / Contact to the Child",
    "List 8: Date of Last Health Assessment",
    "List 8: Date of Last Dental Check",
    "List 8: Number of Placements in the Last 12 months",
    "List 8: Placement Provider",
    "List 8: Placement postcode",
    "List 8: URN of Placement",
    "List 8: Placement Location",
    "List 8: LA of Placement",
    "List 8: Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
    "List 8: Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
    "List 9: Allocated Personal Advisor",
    "List 9: Eligibility Category",
    "List 9: LA in Touch",
    "List 9: Latest Date of Contact",
    "List 9: Type of Accommodation",
    "List 9: Suitability of Accommodation",
    "List 9: Activity Status",
    "List 10: Family identifier",
    "List 10: Reason Why Child No Longer Placed for Adoption",
    "List 11",
];

/// SSDA903 fields and tables not mapped.
pub const SSDA903: &[&str] = &[
    "header: UPN",
    "header: MOTHER",
    "header: MC_DOB",
    "episodes: CIN",
    "episodes: PLACE_PROVIDER",
    "episodes: REASON_PLACE_CHANGE",
    "episodes: HOME_POST",
    "episodes: PL_POST",
    "episodes: URN",
    "reviews: REVIEW_CODE",
    "ad1: NB_ADOPTR",
    "ad1: SEX_ADOPTR",
    "ad1: LS_ADOPTR",
    "placed_for_adoption: REASON_PLACED_CEASED",
    "oc2",
    "previous_permanence",
    "DoLo",
];

/// A list as the report carries it.
pub fn list(fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| f.to_string()).collect()
}

/// DfE CSC API (v1.0.1) members the feed reads past (`crates/api/src/dfe_csc/map.rs` counts several in the
/// receipt's notes when a payload carries them). The identifiers are dropped at the door, on
/// purpose; the date of birth is kept as the birth month only.
pub const DFE_CSC: &[&str] = &[
    "mis_child_id",
    "child_details/unique_pupil_number",
    "child_details/former_unique_pupil_number",
    "child_details/unique_pupil_number_unknown_reason",
    "child_details/first_name",
    "child_details/surname",
    "child_details/postcode",
    "child_details/expected_date_of_birth",
    "child_details/uasc_end_date",
    "health_and_wellbeing/sdq_assessments",
    "child_looked_after_placements/postcode",
];
