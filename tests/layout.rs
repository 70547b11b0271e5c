//! The repository's layout holds: one folder per chapter under `chapters/`, and no file
//! there that cargo does not build and test.
//!
//! Cargo finds a chapter's demonstrations (`examples/`) and tests (`tests/`) by itself,
//! but its programs and exercises are declared in the chapter's `Cargo.toml`, and an
//! exercise's tests run only if it says `test = true`. A declaration forgotten there
//! fails nothing by itself; these tests make it fail. They ask cargo (`cargo metadata`)
//! what it builds, so they check what cargo does, not what a manifest seems to say.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What the top of the repository holds: the design at a glance.
const TOP_LEVEL: [&str; 14] = [
    ".cargo",
    ".ci",
    ".gitignore",
    "Cargo.lock",
    "Cargo.toml",
    "README.md",
    "book",
    "book.toml",
    "build.rs",
    "chapters",
    "rustfmt.toml",
    "src",
    "tests",
    "xtask",
];

/// The folder under `chapters/` that is not a chapter: what the programs share.
const HARNESS: &str = "harness";

/// A target of a package, as `cargo metadata` reports it.
#[derive(Debug)]
struct Target {
    kind: String,
    name: String,
    src_path: PathBuf,
    test: bool,
}

/// The targets of every package under `chapters/`, by the package's folder.
fn chapter_targets() -> BTreeMap<PathBuf, Vec<Target>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{output:?}");
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let root = fs::canonicalize(".").unwrap();
    let mut by_dir = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let manifest =
            PathBuf::from(package["manifest_path"].as_str().unwrap());
        let dir = manifest.parent().unwrap();
        let Ok(relative) = dir.strip_prefix(&root) else {
            continue;
        };
        if !relative.starts_with("chapters") {
            continue;
        }
        let targets = package["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|target| Target {
                kind: target["kind"][0].as_str().unwrap().to_string(),
                name: target["name"].as_str().unwrap().to_string(),
                src_path: PathBuf::from(target["src_path"].as_str().unwrap()),
                test: target["test"].as_bool().unwrap(),
            })
            .collect();
        by_dir.insert(relative.to_path_buf(), targets);
    }
    by_dir
}

fn chapter_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir("chapters")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn rust_files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files_under(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_top_level_shows_the_design() {
    let found: BTreeSet<String> = fs::read_dir(".")
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "target" && name != ".git")
        // What git ignores is no part of the design: the student's files of
        // classroom mode (my-exercises/), an editor's or a tool's leftovers.
        .filter(|name| {
            TOP_LEVEL.contains(&name.as_str()) || !ignored_by_git(name)
        })
        .collect();
    let expected: BTreeSet<String> =
        TOP_LEVEL.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, expected,
        "the top of the repository changed: a chapter's files go in its folder \
         under chapters/, shared program code in chapters/harness"
    );
}

/// Whether git ignores `name` (`git check-ignore`); false if git cannot tell.
fn ignored_by_git(name: &str) -> bool {
    Command::new("git")
        .args(["check-ignore", "--quiet", "--", name])
        .status()
        .is_ok_and(|status| status.success())
}

/// Every folder under `chapters/` is a package of the workspace (the glob in the root
/// Cargo.toml finds it), and every chapter has its page in the book.
#[test]
fn every_chapter_folder_is_a_package_with_a_page() {
    let targets = chapter_targets();
    for dir in chapter_dirs() {
        assert!(
            targets.contains_key(&dir),
            "{} is not a package of the workspace (no Cargo.toml?)",
            dir.display()
        );
        let name = dir.file_name().unwrap().to_string_lossy();
        if name != HARNESS {
            let page = Path::new("book").join(format!("{name}.md"));
            assert!(
                page.is_file(),
                "chapter {name} has no page {}",
                page.display()
            );
        }
    }
}

/// Whether `file` is a module of a target: `DIR/NAME.rs` declared by `mod NAME;`
/// in `DIR.rs`, which is itself a target's root or such a module (the layout of
/// a program too long for one file, `measure.rs` and `measure/*.rs`).
fn is_module_of_a_target(file: &Path, roots: &BTreeSet<PathBuf>) -> bool {
    let (Some(dir), Some(name)) = (file.parent(), file.file_stem()) else {
        return false;
    };
    let parent = dir.with_extension("rs");
    let declared = fs::read_to_string(&parent).is_ok_and(|text| {
        let declaration = format!("mod {};", name.to_string_lossy());
        text.lines().any(|line| {
            let line = line.trim_start();
            line == declaration
                || line.strip_prefix("pub ").is_some_and(|l| l == declaration)
        })
    });
    declared
        && (roots.contains(&parent) || is_module_of_a_target(&parent, roots))
}

/// No `.rs` file under `chapters/` escapes cargo: each is the root of a target of its
/// package, or a module such a root declares (the harness's modules aside).
#[test]
fn every_rust_file_under_chapters_is_a_target() {
    let targets = chapter_targets();
    let root = fs::canonicalize(".").unwrap();
    let mut problems = Vec::new();
    for (dir, targets) in &targets {
        if dir.ends_with(HARNESS) {
            continue;
        }
        let roots: BTreeSet<PathBuf> =
            targets.iter().map(|t| t.src_path.clone()).collect();
        let mut files = Vec::new();
        rust_files_under(dir, &mut files);
        for file in files {
            let file_path = root.join(&file);
            if !roots.contains(&file_path)
                && !is_module_of_a_target(&file_path, &roots)
            {
                problems.push(format!(
                    "{} is not a target of {}: declare it in {}/Cargo.toml, \
                     or as a module of a target (`mod NAME;` in the parent file)",
                    file.display(),
                    dir.display(),
                    dir.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An exercise's tests run under `cargo test`: it is an example with `test = true`.
#[test]
fn every_exercise_is_tested() {
    let targets = chapter_targets();
    let root = fs::canonicalize(".").unwrap();
    let mut problems = Vec::new();
    for (dir, targets) in &targets {
        let mut files = Vec::new();
        rust_files_under(&dir.join("exercises"), &mut files);
        for file in files {
            let target =
                targets.iter().find(|t| t.src_path == root.join(&file));
            match target {
                Some(t) if t.kind == "example" && t.test => {}
                _ => problems.push(format!(
                    "{}: cargo test does not run its tests; declare it in \
                     {}/Cargo.toml as an [[example]] with test = true",
                    file.display(),
                    dir.display()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The text of a chapter's integration tests (`tests/*.rs`).
fn test_sources(dir: &Path) -> String {
    let mut files = Vec::new();
    rust_files_under(&dir.join("tests"), &mut files);
    files
        .iter()
        .map(|file| without_comments(&fs::read_to_string(file).unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` without its comment lines: a commented-out check is no check.
fn without_comments(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The words of `text` that follow `opening` up to the next character that cannot be
/// in a snapshot's name.
fn names_after(text: &str, opening: &str) -> BTreeSet<String> {
    text.match_indices(opening)
        .map(|(at, _)| {
            let rest = text[at + opening.len()..].trim_start();
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            rest[..end].to_string()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Every program gets the standard checks of `harness::chapter_program!` (snapshot,
/// determinism, `--help`, bad arguments) in its chapter's tests.
#[test]
fn every_program_has_the_standard_checks() {
    let targets = chapter_targets();
    let mut problems = Vec::new();
    for (dir, targets) in &targets {
        let checked = names_after(&test_sources(dir), "chapter_program!(");
        for bin in targets.iter().filter(|t| t.kind == "bin") {
            if !checked.contains(&bin.name) {
                problems.push(format!(
                    "program {} has no `harness::chapter_program!({})` in {}/tests",
                    bin.name,
                    bin.name,
                    dir.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Programs are built without a test harness (`test = false`: they are tested as
/// processes, which saves a test binary each), so a `#[test]` in one would never run.
#[test]
fn programs_hold_no_unit_tests() {
    let mut problems = Vec::new();
    for targets in chapter_targets().values() {
        for bin in targets.iter().filter(|t| t.kind == "bin") {
            let text = fs::read_to_string(&bin.src_path).unwrap();
            if text.contains("#[test]") && !bin.test {
                problems.push(format!(
                    "{}: has #[test] functions, which cargo test would not run \
                     (test = false); test the program as a process in tests/",
                    bin.src_path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every snapshot is one a test asserts: a snapshot that nothing checks any more would
/// go on being shown by the book without proving anything.
#[test]
fn every_snapshot_is_referenced_by_a_test() {
    let mut problems = Vec::new();
    for dir in chapter_dirs() {
        let sources = test_sources(&dir);
        let mut referenced = BTreeSet::new();
        for program in names_after(&sources, "chapter_program!(") {
            referenced.insert(format!("{program}-bad-argument"));
            referenced.insert(program);
        }
        referenced.extend(names_after(&sources, "assert_snapshot(\""));
        referenced.extend(names_after(&sources, ".snapshot(\""));
        let Ok(entries) = fs::read_dir(dir.join("snapshots")) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            let Some(stem) = name.strip_suffix(".snap") else {
                problems.push(format!(
                    "{}: not a snapshot (a .snap.new to review?)",
                    path.display()
                ));
                continue;
            };
            if !referenced.contains(stem) {
                problems.push(format!(
                    "{}: no test asserts this snapshot; remove it",
                    path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A demonstration or an exercise that ignored its arguments would run on
/// after a typo (`cargo run --example pipe_eof -- --frob` exited with 0): each
/// refuses them, calling `harness::cli::takes_no_arguments()` first in `main`,
/// or `harness::cli::demonstration_role()` if it runs itself as its child, or
/// `harness::cli::takes_roles(&[...])` if it runs itself in roles of its own.
#[test]
fn every_demonstration_refuses_arguments() {
    let mut problems = Vec::new();
    for dir in chapter_dirs() {
        let mut files = Vec::new();
        rust_files_under(&dir.join("examples"), &mut files);
        rust_files_under(&dir.join("exercises"), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            if !text.contains("takes_no_arguments()")
                && !text.contains("demonstration_role()")
                && !text.contains("takes_roles(&[")
            {
                problems.push(format!(
                    "{}: call harness::cli::takes_no_arguments() first in main",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
