//! `driftwatch benchmarks import FILE|DIR…`: each file parsed (`parse`) and written
//! (`db::benchmarks::import`) in one transaction of its own, as the tables' owner. What each
//! file did is printed: loaded (and what it replaced), unchanged, or the error naming it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::parse;
use crate::db::{self, Conn, benchmarks::Outcome};

/// Files named directly, and the `.csv` files of folders (not hidden, in name order: a folder
/// of published files may hold a README).
fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| {
                    let name = file_name(f);
                    !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".csv")
                })
                .collect();
            files.sort();
            if files.is_empty() {
                anyhow::bail!("the folder {} has no .csv files", p.display());
            }
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{} is not a file or folder", p.display());
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Import every file; an error if any failed (the others are still imported).
pub async fn run(conn: &mut Conn, paths: &[PathBuf]) -> anyhow::Result<()> {
    let files = expand(paths)?;
    let mut failed = 0;
    for f in &files {
        let name = file_name(f);
        match one(conn, &name, f).await {
            Ok(Outcome::Unchanged {
                file_name,
                imported_at,
            }) => println!(
                "{name}: unchanged (the same file was imported as {file_name} at {})",
                imported_at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            Ok(Outcome::Loaded {
                rows,
                loaded,
                replaced,
            }) => {
                let what: Vec<String> = loaded
                    .iter()
                    .map(|(m, years)| match (years.first(), years.last()) {
                        (Some(a), Some(b)) if a != b => format!("{m} {a}-{b}"),
                        (Some(a), _) => format!("{m} {a}"),
                        _ => m.clone(),
                    })
                    .collect();
                println!("{name}: loaded {rows} rows ({})", what.join(", "));
                for (m, year, from) in replaced {
                    if year == 0 {
                        println!("{name}: replaced {m} (from {from})");
                    } else {
                        println!("{name}: replaced {m} {year} (from {from})");
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} files not imported", files.len());
    }
    Ok(())
}

async fn one(conn: &mut Conn, name: &str, path: &Path) -> anyhow::Result<Outcome> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let parsed = parse::parse(name, &bytes).map_err(anyhow::Error::msg)?;
    db::begin(conn).await?;
    match db::benchmarks::import(conn, name, &sha, &parsed).await {
        Ok(o) => {
            db::commit(conn).await?;
            Ok(o)
        }
        Err(e) => {
            db::rollback(conn).await;
            Err(anyhow::anyhow!("{name}: {}", e.problem().detail))
        }
    }
}
