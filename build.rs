//! Feeds every chapter of the book to skeptic, with mdBook's `{{#include}}` and
//! `{{#rustdoc_include}}` expanded first: skeptic would otherwise compile the directive
//! text, not the program the reader sees.

use std::fs;
use std::path::{Path, PathBuf};

#[path = "xtask/src/mdbook_links.rs"]
mod mdbook_links;

fn main() {
    println!("cargo:rerun-if-changed=book");
    println!("cargo:rerun-if-changed=xtask/src/mdbook_links.rs");
    let out_dir =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let copies_dir = out_dir.join("book");

    let mut chapters = Vec::new();
    collect_markdown(Path::new("book"), &mut chapters);
    chapters.sort();

    let mut copies = Vec::new();
    for chapter in &chapters {
        let expanded = mdbook_links::expand_file(chapter)
            .unwrap_or_else(|e| panic!("{e}"));
        for file in &expanded.included {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        let copy =
            copies_dir.join(chapter.strip_prefix("book").expect("under book/"));
        write_backdated(&copy, &expanded.text, chapter);
        copies.push(copy);
    }
    skeptic::generate_doc_tests(&copies);
}

fn collect_markdown(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            collect_markdown(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
}

/// Writes `text` to `copy` with the modification time of `source`. skeptic asks cargo to
/// rerun this script when the copy changes; a copy newer than the last run would make
/// every `cargo test` rerun it and rebuild the whole package.
fn write_backdated(copy: &Path, text: &str, source: &Path) {
    let parent = copy.parent().expect("copy has a parent");
    fs::create_dir_all(parent)
        .unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    fs::write(copy, text).unwrap_or_else(|e| panic!("{}: {e}", copy.display()));
    let modified = fs::metadata(source)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    fs::File::options()
        .write(true)
        .open(copy)
        .and_then(|file| file.set_modified(modified))
        .unwrap_or_else(|e| panic!("{}: {e}", copy.display()));
}
