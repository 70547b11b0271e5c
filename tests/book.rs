//! The book's structure: every include resolves, every chapter program's output is shown
//! through its snapshot (never pasted), every listing file runs once, and SUMMARY.md
//! lists every page.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[path = "../xtask/src/mdbook_links.rs"]
mod mdbook_links;

/// The header insta writes above a snapshot's content (`omit_expression`), so the book
/// includes a snapshot from this line on: `{{#include ../chapters/pipe/snapshots/pipe.snap:4:}}`.
const SNAPSHOT_BODY_LINE: usize = 4;

fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(Path::new("book"), &mut found);
    found.sort();
    found
}

/// The pages in the order of SUMMARY.md, which is the order a reader meets them.
fn pages_in_reading_order() -> Vec<PathBuf> {
    let summary = fs::read_to_string("book/SUMMARY.md").unwrap();
    summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|link| !link.is_empty())
        .map(|link| Path::new("book").join(link))
        .collect()
}

/// The folders of the chapters under `chapters/` (the harness is not one).
fn chapter_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("chapters")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() && !path.ends_with("harness"))
        .collect();
    dirs.sort();
    dirs
}

/// The `.rs` files directly in `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// The chapter programs: the `.rs` files at the top of each chapter's folder.
fn bin_names() -> Vec<String> {
    chapter_dirs()
        .iter()
        .flat_map(|dir| rust_files(dir))
        .map(|file| file.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_include_resolves() {
    let mut failures = Vec::new();
    for page in pages() {
        match mdbook_links::expand_file(&page) {
            Ok(expanded) => {
                if expanded.text.contains("{{#include")
                    || expanded.text.contains("{{#rustdoc")
                {
                    failures.push(format!(
                        "{}: a directive was left unexpanded",
                        page.display()
                    ));
                }
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every program, listing and exercise is shown somewhere in the book: a file that no page
/// includes is either dead or a demonstration the reader never sees.
#[test]
fn every_listing_is_in_the_book() {
    let mut included = BTreeSet::new();
    for page in pages() {
        let expanded = mdbook_links::expand_file(&page).unwrap();
        for file in expanded.included {
            included.insert(fs::canonicalize(&file).unwrap());
        }
    }
    for chapter in chapter_dirs() {
        let listings = rust_files(&chapter)
            .into_iter()
            .chain(rust_files(&chapter.join("examples")))
            .chain(rust_files(&chapter.join("exercises")));
        for path in listings {
            assert!(
                included.contains(&fs::canonicalize(&path).unwrap()),
                "{} is not included by any page of the book",
                path.display()
            );
        }
    }
}

#[test]
fn output_blocks_are_snapshots_not_pasted_text() {
    let mut shown = BTreeSet::new();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        for (index, line) in text.lines().enumerate() {
            let at = format!("{}:{}", page.display(), index + 1);
            assert!(
                !line.starts_with("$ cargo run --bin"),
                "{at}: program output is pasted; include its snapshot instead:\n\
                 {{{{#include ../chapters/CHAPTER/snapshots/NAME.snap:{SNAPSHOT_BODY_LINE}:}}}}"
            );
            let Some(start) = line.find("{{#include ") else {
                continue;
            };
            let directive = &line[start + "{{#include ".len()..];
            let target = directive.split("}}").next().unwrap().trim();
            let Some((file, selector)) = target.split_once(".snap:") else {
                continue;
            };
            assert_eq!(
                selector,
                format!("{SNAPSHOT_BODY_LINE}:"),
                "{at}: a snapshot is included from line {SNAPSHOT_BODY_LINE} on"
            );
            let snap = page.parent().unwrap().join(format!("{file}.snap"));
            let content = fs::read_to_string(&snap)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let header: Vec<&str> =
                content.lines().take(SNAPSHOT_BODY_LINE - 1).collect();
            assert_eq!(
                header.first(),
                Some(&"---"),
                "{}: header",
                snap.display()
            );
            assert_eq!(
                header.last(),
                Some(&"---"),
                "{}: header",
                snap.display()
            );
            shown.insert(
                snap.file_stem().unwrap().to_string_lossy().into_owned(),
            );
        }
    }
    for bin in bin_names() {
        assert!(
            shown.contains(&bin),
            "no chapter shows the output of `{bin}`: include its chapter's snapshots/{bin}.snap"
        );
    }
}

/// The widest listing line that the book shows without a horizontal scroll bar.
const LISTING_WIDTH: usize = 80;

/// Lines the reader sees in a ```rust block (hidden `# ` lines aside) fit the page.
#[test]
fn listings_fit_the_page() {
    let mut too_wide = Vec::new();
    for page in pages() {
        let text = mdbook_links::expand_file(&page).unwrap().text;
        let mut in_rust = false;
        for line in text.lines() {
            if let Some(info) = line.trim_start().strip_prefix("```") {
                in_rust = !in_rust && info.contains("rust");
                continue;
            }
            let hidden =
                line.trim_start().starts_with("# ") || line.trim() == "#";
            if in_rust && !hidden && line.chars().count() > LISTING_WIDTH {
                too_wide.push(format!("{}: {line}", page.display()));
            }
        }
    }
    assert!(
        too_wide.is_empty(),
        "listing lines wider than {LISTING_WIDTH} columns:\n{}",
        too_wide.join("\n")
    );
}

#[test]
fn summary_lists_every_page() {
    let summary = fs::read_to_string("book/SUMMARY.md").unwrap();
    let linked: BTreeSet<String> = summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|link| !link.is_empty())
        .map(str::to_string)
        .collect();
    for link in &linked {
        assert!(
            Path::new("book").join(link).is_file(),
            "SUMMARY.md links to missing {link}"
        );
    }
    for page in pages() {
        let relative = page
            .strip_prefix("book")
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            relative == "SUMMARY.md" || linked.contains(&relative),
            "{relative} is not listed in SUMMARY.md"
        );
    }
}

/// A ```rust block that includes a whole file with `{{#rustdoc_include}}` compiles and
/// runs that file (the lines outside the anchor are hidden, not left out). Every
/// listing file therefore runs once, in the first block that includes it in reading
/// order; every later block that shows another part of the same file is marked
/// `ignore`, so that `cargo test` neither compiles nor runs the same program again.
#[test]
fn every_listing_file_runs_once() {
    let mut first_seen: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for page in pages_in_reading_order() {
        let text = fs::read_to_string(&page).unwrap();
        let mut info: Option<String> = None;
        for (index, line) in text.lines().enumerate() {
            let at = format!("{}:{}", page.display(), index + 1);
            if let Some(fence) = line.trim_start().strip_prefix("```") {
                info = match info {
                    Some(_) => None,
                    None => Some(fence.trim().to_string()),
                };
                continue;
            }
            let Some(info) = info.as_deref().filter(|i| i.contains("rust"))
            else {
                continue;
            };
            let Some(start) = line.find("{{#rustdoc_include ") else {
                continue;
            };
            let target = line[start + "{{#rustdoc_include ".len()..]
                .split(['}', ':'])
                .next()
                .unwrap()
                .trim();
            let file =
                fs::canonicalize(page.parent().unwrap().join(target)).unwrap();
            let ignored = info.split(',').any(|word| word.trim() == "ignore");
            match first_seen.get(&file) {
                None if ignored => problems.push(format!(
                    "{at}: the first block that includes {target} is marked \
                     `ignore`: nothing would run it"
                )),
                None => {
                    first_seen.insert(file, at);
                }
                Some(first) if !ignored => problems.push(format!(
                    "{at}: {target} already runs at {first}; mark this block \
                     ```rust,ignore"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
