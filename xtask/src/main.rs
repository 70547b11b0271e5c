//! Book tooling, so that a reader needs nothing but cargo.
//!
//! - `cargo xtask serve [ARGS]`: build the book, serve it on http://localhost:3000, rebuild
//!   on every change, and open it in a browser. ARGS go to `mdbook serve` (`--port 8000`).
//! - `cargo xtask build`: build the HTML book into `target/book`, and fail on any warning
//!   or error from mdBook, on a directive left unexpanded, on a broken internal link,
//!   anchor or image, or on any page where mdBook's own expansion of `{{#include}}`
//!   differs from the one the tests compile (`mdbook_links.rs`).
//! - `cargo xtask stress [OPTIONS]`: run every chapter program hundreds of times, in
//!   sequence, at once and killed at random moments, and check its output and what it
//!   leaves behind against the snapshots and the book (`stress.rs`).
//!
//! - `cargo xtask exercise ...`: classroom mode, the chapters' exercises as something a
//!   student can start, check and get hints on (src/exercise/, `cargo xtask exercise
//!   help`).
//!
//! - `cargo xtask measure`: measure every IPC mechanism on this machine and rewrite the
//!   measurement chapter's tables and chart (`measure.rs`).
//!
//! `serve` and `build` use mdBook at the pinned version below. If `mdbook` on the PATH is another version
//! (or missing), the pinned one is installed once with `cargo install --locked` into
//! `$CARGO_HOME/apue-ipc/mdbook-<version>`, beside and not over any mdBook you have.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod browser;
mod demonstrations;
mod exercise;
mod mdbook_links;
mod measure;
mod posix_objects;
mod stress;

const MDBOOK_VERSION: &str = "0.5.4";

const HELP: &str = "\
Usage: cargo xtask <command>

Commands:
  serve [ARGS]  build the book, serve it at http://localhost:3000 and open it;
                ARGS are passed to `mdbook serve` (for example --port 8000)
  build         build the book into target/book and check it: no mdBook warning,
                no unexpanded {{#include}}, no broken internal link or image,
                and every page's includes expanded by mdBook exactly as the
                tests expand them
  browser       build and check the book, then read it in headless Chromium
                at a desktop and a phone width: no console error, images
                loaded, code highlighted, links and anchors resolve, the search
                finds a word of each page, print.html holds every chapter in
                order; screenshots and a PDF in target/browser (needs
                `chromium` on the PATH, or $CHROMIUM)
  exercise ...  classroom mode: list, start, check and get hints on the
                chapters' exercises (`cargo xtask exercise help`)
  stress [OPTS] run every chapter program many times, at once, and killed at
                random moments; compare every output with its snapshot and what
                the kills leave with the book (`cargo xtask stress --help`)
  measure [ARGS]
                measure every IPC mechanism on this machine (about a minute)
                and rewrite the measurement chapter's tables and chart:
                `cargo run --release --bin measure -- --write ARGS`
  help          print this help
";

type Result<T, E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("build") if args.len() == 1 => build(),
        Some("browser") if args.len() == 1 => {
            build().and_then(|()| browser::run(&root()))
        }
        Some("exercise") => exercise::main(&root(), &args[1..]),
        Some("stress")
            if args[1..].iter().any(|a| a == "--help" || a == "-h") =>
        {
            print!("{}", stress::HELP);
            Ok(())
        }
        Some("stress") => stress::stress(&args[1..]),
        Some("measure") => measure::run(&root(), &args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => {
            Err(format!("unknown command or argument '{other}'\n\n{HELP}"))
        }
        None => Err(format!("no command given\n\n{HELP}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn serve(args: &[String]) -> Result<()> {
    let mdbook = mdbook()?;
    let mut command = Command::new(mdbook);
    command.arg("serve").args(args).current_dir(root());
    if !args.iter().any(|a| a == "--open" || a == "-o")
        && env::var_os("CI").is_none()
    {
        command.arg("--open");
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("mdbook serve ended with {status}"))
    }
}

fn build() -> Result<()> {
    let root = root();
    check_includes(&root.join("book"))?;
    let mdbook = mdbook()?;
    let output = Command::new(&mdbook)
        .arg("build")
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    eprint!("{log}");
    if !output.status.success() {
        return Err(format!("mdbook build ended with {}", output.status));
    }
    let complaints: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") || line.contains("ERROR"))
        .collect();
    if !complaints.is_empty() {
        return Err(format!(
            "mdbook build reported {} warning(s) or error(s):\n{}",
            complaints.len(),
            complaints.join("\n")
        ));
    }
    compare_expansions(&mdbook, &root)?;
    let html = root.join("target/book");
    let mut problems = check_html(&html)?;
    problems.extend(exercise::catalog::rendered_problems(&root, &html)?);
    if !problems.is_empty() {
        return Err(format!(
            "the built book has {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        ));
    }
    println!(
        "book built and checked: {}",
        html.join("index.html").display()
    );
    Ok(())
}

/// Builds the book once more with mdBook's `markdown` renderer, which writes each page as
/// it stands after mdBook's preprocessors, and compares every page with the expansion
/// that build.rs hands to skeptic: the code the tests compile must be the code the reader
/// sees, character for character.
fn compare_expansions(mdbook: &Path, root: &Path) -> Result<()> {
    let out = root.join("target/book-markdown");
    let output = Command::new(mdbook)
        .arg("build")
        .current_dir(root)
        // Configuration by environment (mdBook's MDBOOK_ variables): only the markdown
        // renderer, into a directory of its own.
        .env("MDBOOK_OUTPUT", r#"{"markdown":{}}"#)
        .env("MDBOOK_BUILD__BUILD_DIR", &out)
        .output()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "mdbook build (markdown renderer) ended with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let book = root.join("book");
    let mut pages = Vec::new();
    collect(&book, "md", &mut pages)?;
    let mut differences = Vec::new();
    let mut compared = 0;
    for page in pages {
        let relative = page.strip_prefix(&book).unwrap_or(&page);
        if relative == Path::new("SUMMARY.md") {
            continue;
        }
        let rendered_path = out.join(relative);
        let rendered = fs::read_to_string(&rendered_path)
            .map_err(|e| format!("{}: {e}", rendered_path.display()))?;
        let ours = mdbook_links::expand_file(&page)?.text;
        compared += 1;
        if let Some(difference) = first_difference(&rendered, &ours) {
            differences.push(format!("{}: {difference}", relative.display()));
        }
    }
    if differences.is_empty() {
        println!(
            "{compared} pages: mdBook's expansion and the tests' are identical"
        );
        Ok(())
    } else {
        Err(format!(
            "mdBook expands {} page(s) differently from xtask/src/mdbook_links.rs, so \
             the tests would not compile what the reader sees:\n{}",
            differences.len(),
            differences.join("\n")
        ))
    }
}

/// Where `mdbook` (mdBook's text) and `ours` first differ, or `None` if they are equal.
fn first_difference(mdbook: &str, ours: &str) -> Option<String> {
    if mdbook == ours {
        return None;
    }
    let mut lines = mdbook.split('\n').zip(ours.split('\n')).enumerate();
    let at = lines.find(|(_, (a, b))| a != b);
    Some(match at {
        Some((index, (theirs, ours))) => format!(
            "line {}: mdBook has {theirs:?}, the tests have {ours:?}",
            index + 1
        ),
        None => format!(
            "one is a prefix of the other ({} bytes in mdBook's, {} in the tests')",
            mdbook.len(),
            ours.len()
        ),
    })
}

/// Expands every page's includes the strict way (see mdbook_links.rs): mdBook
/// itself renders a misspelt anchor as an empty listing without a word.
fn check_includes(book: &Path) -> Result<()> {
    let mut pages = Vec::new();
    collect(book, "md", &mut pages)?;
    let errors: Vec<String> = pages
        .iter()
        .filter_map(|page| mdbook_links::expand_file(page).err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("unresolved includes:\n{}", errors.join("\n")))
    }
}

/// Returns a path to mdBook at the pinned version, installing it if needed.
fn mdbook() -> Result<PathBuf> {
    let on_path = PathBuf::from("mdbook");
    if version_of(&on_path).as_deref() == Some(MDBOOK_VERSION) {
        return Ok(on_path);
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            env::var_os("HOME").map(|home| Path::new(&home).join(".cargo"))
        })
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let install_root = cargo_home
        .join("apue-ipc")
        .join(format!("mdbook-{MDBOOK_VERSION}"));
    let private = install_root.join("bin").join("mdbook");
    if version_of(&private).as_deref() == Some(MDBOOK_VERSION) {
        return Ok(private);
    }
    eprintln!(
        "xtask: installing mdBook {MDBOOK_VERSION} into {} with `cargo install --locked`.\n\
         xtask: this happens once and takes a few minutes (about 6 on 2 cores).",
        install_root.display()
    );
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "mdbook", "--locked", "--version", MDBOOK_VERSION])
        .arg("--root")
        .arg(&install_root)
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install mdbook ended with {status}"));
    }
    match version_of(&private) {
        Some(version) if version == MDBOOK_VERSION => Ok(private),
        other => Err(format!(
            "{} reports version {other:?} after installing {MDBOOK_VERSION}",
            private.display()
        )),
    }
}

/// The version `mdbook --version` reports (`mdbook v0.5.4`), or None if it cannot run.
fn version_of(mdbook: &Path) -> Option<String> {
    let output = Command::new(mdbook).arg("--version").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let version = text.trim().strip_prefix("mdbook v")?;
    Some(version.to_string())
}

/// Checks every HTML page under `dir`: no mdBook directive left in the text, and every
/// relative `href` or `src` names an existing file and, with a fragment, an existing id.
fn check_html(dir: &Path) -> Result<Vec<String>> {
    let mut pages = Vec::new();
    collect(dir, "html", &mut pages)?;
    if pages.is_empty() {
        return Err(format!("no HTML pages in {}", dir.display()));
    }
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for page in &pages {
        let text = fs::read_to_string(page)
            .map_err(|e| format!("{}: {e}", page.display()))?;
        ids.insert(
            page.clone(),
            attribute_values(&text, "id").into_iter().collect(),
        );
        texts.insert(page.clone(), text);
    }
    let mut problems = Vec::new();
    for (page, text) in &texts {
        let name = page.strip_prefix(dir).unwrap_or(page).display().to_string();
        if text.contains("{{#") {
            problems.push(format!(
                "{name}: contains an unexpanded {{{{#...}}}} directive"
            ));
        }
        // 404.html is served for any missing path, so its links are absolute on purpose.
        if name == "404.html" {
            continue;
        }
        let mut links = attribute_values(text, "href");
        links.extend(attribute_values(text, "src"));
        links.extend(attribute_values(text, "srcset"));
        for link in links {
            if let Some(problem) = check_link(dir, page, &link, &ids) {
                problems.push(format!("{name}: {problem}"));
            }
        }
    }
    Ok(problems)
}

fn check_link(
    dir: &Path,
    page: &Path,
    link: &str,
    ids: &BTreeMap<PathBuf, BTreeSet<String>>,
) -> Option<String> {
    let external = ["http://", "https://", "mailto:", "javascript:", "data:"];
    if link.is_empty() || external.iter().any(|scheme| link.starts_with(scheme))
    {
        return None;
    }
    let (path, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let target = if path.is_empty() {
        page.to_path_buf()
    } else if let Some(absolute) = path.strip_prefix('/') {
        dir.join(absolute)
    } else {
        page.parent().unwrap_or(dir).join(path)
    };
    let target = normalize(&target);
    let target = if target.is_dir() {
        target.join("index.html")
    } else {
        target
    };
    if !target.is_file() {
        return Some(format!("broken link {link}"));
    }
    match (fragment, ids.get(&target)) {
        (Some(fragment), Some(known))
            if !fragment.is_empty() && !known.contains(fragment) =>
        {
            Some(format!("link {link}: no element with id \"{fragment}\""))
        }
        _ => None,
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The values of every `name="..."` attribute in `html`.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .filter_map(|(at, _)| {
            let start = at + pattern.len();
            let end = html[start..].find('"')? + start;
            Some(html[start..end].replace("&amp;", "&"))
        })
        .collect()
}

fn collect(
    dir: &Path,
    extension: &str,
    found: &mut Vec<PathBuf>,
) -> Result<()> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(&path, extension, found)?;
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    Ok(())
}
