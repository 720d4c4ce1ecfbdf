//! Rebuild when a migration is added or changed: they are embedded in the binary
//! (`embed_migrations!`), and cargo does not otherwise watch that folder.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
