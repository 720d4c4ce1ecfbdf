//! Property tests: the public fake returns (../shared/testdata/, read in place), mutated at
//! random, through each importer's pure parse ([`super::parse`]). Whatever the bytes, it does
//! not panic, and a refusal is a structured 422: errors, each with a message and the file.

use std::io::{Read, Write};

use proptest::prelude::*;

use super::{Format, InputFile, parse, testdata};
use crate::error::ApiError;

/// One edit of a file; positions are taken modulo its length.
#[derive(Debug, Clone)]
enum Op {
    Set(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, &'static [u8]),
    Truncate(usize),
}

/// Fragments that matter to the readers: markup, quoting, separators, bad UTF-8, entities.
const FRAGMENTS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"<a>",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&lol;",
    b"<!DOCTYPE x>",
    b"<![CDATA[",
    b"\"",
    b",",
    b",,,,",
    b"\n",
    b"\r",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\0",
    b"-1",
    b"99999999999999999999",
    b"1900-02-29",
    b"31/02/2020",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Op::Set(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Op::Delete(p, n)),
        (any::<usize>(), 1usize..256).prop_map(|(p, n)| Op::Duplicate(p, n)),
        (any::<usize>(), prop::sample::select(FRAGMENTS)).prop_map(|(p, f)| Op::Insert(p, f)),
        any::<usize>().prop_map(Op::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, ops: &[Op]) {
    for op in ops {
        let len = bytes.len().max(1);
        match *op {
            Op::Set(p, b) => {
                if let Some(x) = bytes.get_mut(p % len) {
                    *x = b;
                }
            }
            Op::Delete(p, n) => {
                let p = (p % len).min(bytes.len());
                let end = (p + n).min(bytes.len());
                bytes.drain(p..end);
            }
            Op::Duplicate(p, n) => {
                let p = (p % len).min(bytes.len());
                let end = (p + n).min(bytes.len());
                let copy = bytes[p..end].to_vec();
                bytes.splice(p..p, copy);
            }
            Op::Insert(p, f) => {
                let p = (p % len).min(bytes.len());
                bytes.splice(p..p, f.iter().copied());
            }
            Op::Truncate(p) => bytes.truncate(p % len),
        }
    }
}

/// A mutated file parses, or is refused with a structured error naming the file.
fn check(format: Format, files: &[InputFile]) -> Result<(), TestCaseError> {
    match parse(format, files) {
        Ok(_) => Ok(()),
        Err(ApiError::Validation { errors, .. }) => {
            prop_assert!(!errors.is_empty());
            for e in &errors {
                prop_assert!(!e.message.is_empty());
                prop_assert!(
                    e.file.is_some() || e.parameter.is_some(),
                    "an error without its place: {e:?}"
                );
            }
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!("not a structured 422: {e:?}"))),
    }
}

fn mutated(rel: &str, ops: &[Op]) -> InputFile {
    let mut f = testdata(rel);
    let mut bytes = f.bytes.to_vec();
    apply(&mut bytes, ops);
    f.bytes = bytes.into();
    f
}

/// The workbook with one of its parts (by index) mutated, repacked (stored, so the archive
/// itself stays readable and the mutation reaches the workbook reader).
fn mutated_workbook(rel: &str, part: usize, ops: &[Op]) -> InputFile {
    let mut f = testdata(rel);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(f.bytes.clone())).unwrap();
    let target = part % zip.len();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if i == target {
            apply(&mut bytes, ops);
        }
        out.start_file(name, opts).unwrap();
        out.write_all(&bytes).unwrap();
    }
    f.bytes = out.finish().unwrap().into_inner().into();
    f
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cin_census_mutated(ops in ops()) {
        check(Format::CinCensus, &[mutated("cin-census/CIN_Census_2024.xml", &ops)])?;
    }

    #[test]
    fn ssda903_csv_mutated(ops in ops(), which in 0usize..3) {
        let rel = ["ssda903-2017-2021/2021-episodes.csv", "ssda903-2017-2021/2021-header.csv",
            "ssda903-2017-2021/2021-reviews.csv"][which];
        let header = testdata("ssda903-2017-2021/2021-header.csv");
        check(Format::Ssda903, &[header, mutated(rel, &ops)])?;
    }

    #[test]
    fn ssda903_xml_mutated(ops in ops()) {
        check(Format::Ssda903, &[mutated("ssda903-2017-18/fake_903.xml", &ops)])?;
    }

    #[test]
    fn annex_a_bytes_mutated(ops in ops()) {
        check(Format::AnnexA, &[mutated("annex-a/Annex_A_2024_Jan.xlsx", &ops)])?;
    }

    #[test]
    fn annex_a_parts_mutated(ops in ops(), part in any::<usize>()) {
        check(Format::AnnexA, &[mutated_workbook("annex-a/Annex_A_2024_Jan.xlsx", part, &ops)])?;
    }
}
