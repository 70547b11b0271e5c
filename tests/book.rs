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

// The errata and the links between pages.
//
// A `> [!WARNING]` callout in a chapter marks a mistake of the note (the introduction
// says so, and shows one as a sample). Each such callout carries a stable anchor,
// `<div id="note-NAME"></div>` on the line before it, and ends with a link to its
// entry, `[Errata](errata.md#NAME)`; the entry, a `### Title {#NAME}` of
// book/errata.md, links back to `PAGE.md#note-NAME`. The anchors are explicit so that
// the links survive any edit of a heading.

/// The errata chapter.
const ERRATA: &str = "book/errata.md";

/// Callouts that illustrate the convention instead of flagging a mistake: the
/// introduction shows what a callout looks like with one. Any other `[!WARNING]` there
/// is a mistake of the note and needs its entry.
const SAMPLE_CALLOUTS: [(&str, usize); 1] = [("book/introduction.md", 1)];

/// The kinds of mistake, as the errata's table names them.
const KINDS: [&str; 10] = [
    "crash or undefined behaviour",
    "unchecked call or status",
    "race left to `sleep` or to luck",
    "wrong output",
    "leak",
    "too permissive",
    "wrong error or limit",
    "wrong explanation",
    "dated",
    "typo",
];

/// A `> [!WARNING]` callout of a chapter.
struct Callout {
    /// `book/pipe.md:196`
    at: String,
    page: String,
    /// NAME of the `<div id="note-NAME">` before it, if there is one.
    anchor: Option<String>,
    /// The targets of the callout's links into the errata (`NAME` of `errata.md#NAME`).
    errata_links: Vec<String>,
}

/// The lines of `text` outside fenced code blocks, with their line numbers (from 1).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match fence {
            Some(open) => {
                if trimmed.starts_with(open)
                    && trimmed
                        .trim_start_matches(open.chars().next().unwrap())
                        .trim()
                        .is_empty()
                {
                    fence = None;
                }
            }
            None => {
                if trimmed.starts_with("```") {
                    fence = Some("```");
                } else if trimmed.starts_with("~~~") {
                    fence = Some("~~~");
                } else {
                    lines.push((index + 1, line));
                }
            }
        }
    }
    lines
}

/// The targets of the markdown links `[text](target)` in `line`, inline code aside.
fn link_targets(line: &str) -> Vec<String> {
    let mut outside_code = String::new();
    for (index, part) in line.split('`').enumerate() {
        if index % 2 == 0 {
            outside_code.push_str(part);
        }
    }
    outside_code
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| {
            target.split_whitespace().next().unwrap_or("").to_string()
        })
        .collect()
}

/// The value of the attribute `name` in an HTML line: `html_attribute(line, "id")` is
/// `note-x` for `<div id="note-x"></div>`.
fn html_attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!(" {name}=\"");
    let start = line.find(&pattern)? + pattern.len();
    let end = line[start..].find('"')? + start;
    Some(&line[start..end])
}

fn html_id(line: &str) -> Option<&str> {
    html_attribute(line, "id")
}

fn callouts() -> Vec<Callout> {
    let mut found = Vec::new();
    for page in pages() {
        let name = page.display().to_string();
        if name == ERRATA {
            continue;
        }
        let text = fs::read_to_string(&page).unwrap();
        let lines = prose_lines(&text);
        for (position, &(number, line)) in lines.iter().enumerate() {
            if line.trim() != "> [!WARNING]" {
                continue;
            }
            let before = lines[..position]
                .iter()
                .rev()
                .map(|(_, line)| line.trim())
                .find(|line| !line.is_empty());
            let anchor = before
                .filter(|line| line.starts_with("<div id=\"note-"))
                .and_then(html_id)
                .and_then(|id| id.strip_prefix("note-"))
                .map(str::to_string);
            let errata_links = lines[position..]
                .iter()
                .take_while(|(_, line)| line.starts_with('>'))
                .flat_map(|(_, line)| link_targets(line))
                .filter_map(|target| {
                    target.strip_prefix("errata.md#").map(str::to_string)
                })
                .collect();
            found.push(Callout {
                at: format!("{name}:{number}"),
                page: page.file_name().unwrap().to_string_lossy().into_owned(),
                anchor,
                errata_links,
            });
        }
    }
    found
}

/// An entry of the errata: a `### Title {#NAME}` and what follows it.
struct Entry {
    name: String,
    at: String,
    section: String,
    body: Vec<String>,
}

impl Entry {
    /// The text of the item `- **Label:** ...`, continuation lines included.
    fn item(&self, label: &str) -> Option<String> {
        let prefix = format!("- **{label}:**");
        let start = self.body.iter().position(|l| l.starts_with(&prefix))?;
        let mut text = self.body[start][prefix.len()..].trim().to_string();
        for line in &self.body[start + 1..] {
            if !line.starts_with("  ") {
                break;
            }
            text.push(' ');
            text.push_str(line.trim());
        }
        Some(text)
    }
}

/// The explicit id of a heading, `{#id}` at its end.
fn heading_attribute(line: &str) -> Option<&str> {
    let rest = line.trim_end().strip_suffix('}')?;
    let start = rest.rfind("{#")?;
    Some(&rest[start + 2..])
}

fn errata_entries() -> Vec<Entry> {
    let text = fs::read_to_string(ERRATA).unwrap();
    let mut entries: Vec<Entry> = Vec::new();
    let mut section = String::new();
    for (number, line) in prose_lines(&text) {
        if line.starts_with("## ") {
            section = heading_attribute(line).unwrap_or("").to_string();
            entries.push(Entry {
                name: String::new(),
                at: String::new(),
                section: String::new(),
                body: Vec::new(),
            });
        } else if line.starts_with("### ") {
            let name = heading_attribute(line).unwrap_or_else(|| {
                panic!(
                    "{ERRATA}:{number}: an entry needs a stable id: \
                     `### Title {{#name}}`"
                )
            });
            entries.push(Entry {
                name: name.to_string(),
                at: format!("{ERRATA}:{number}"),
                section: section.clone(),
                body: Vec::new(),
            });
        } else if let Some(entry) = entries.last_mut() {
            entry.body.push(line.to_string());
        }
    }
    // A section heading ends the entry before it; the placeholders go.
    entries.retain(|entry| !entry.name.is_empty());
    entries
}

#[test]
fn every_callout_of_the_note_has_its_entry() {
    let entries = errata_entries();
    let by_name: BTreeMap<&str, &Entry> =
        entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut problems = Vec::new();
    let mut samples: BTreeMap<String, usize> = BTreeMap::new();
    let mut named = BTreeSet::new();
    for callout in callouts() {
        let Some(name) = &callout.anchor else {
            let page = format!("book/{}", callout.page);
            *samples.entry(page).or_default() += 1;
            if callout.errata_links.is_empty() {
                // Possibly a sample; counted below.
                continue;
            }
            problems.push(format!(
                "{}: a callout of the note's mistakes needs a stable anchor, \
                 `<div id=\"note-NAME\"></div>`, on the line before it",
                callout.at
            ));
            continue;
        };
        if !named.insert(name.clone()) {
            problems.push(format!(
                "{}: anchor note-{name} is used twice",
                callout.at
            ));
        }
        if callout.errata_links != [name.clone()] {
            problems.push(format!(
                "{}: the callout note-{name} must end with one link to its entry, \
                 `[Errata](errata.md#{name})` (it links to {:?})",
                callout.at, callout.errata_links
            ));
        }
        match by_name.get(name.as_str()) {
            None => problems.push(format!(
                "{}: callout note-{name} has no entry in {ERRATA}: add \
                 `### Title {{#{name}}}` there, in the note's order, with the \
                 note's words, what is true, its kind and what shows it",
                callout.at
            )),
            Some(entry) => {
                let back = format!("{}#note-{name}", callout.page);
                let links: Vec<String> = entry
                    .item("Callout")
                    .map(|text| link_targets(&text))
                    .unwrap_or_default();
                if links != [back.clone()] {
                    problems.push(format!(
                        "{}: entry {name} must link back to its callout, \
                         `- **Callout:** [Chapter]({back})` (it links to {links:?})",
                        entry.at
                    ));
                }
            }
        }
    }
    let allowed: BTreeMap<String, usize> = SAMPLE_CALLOUTS
        .iter()
        .map(|(page, count)| (page.to_string(), *count))
        .collect();
    for (page, count) in &samples {
        if allowed.get(page) != Some(count) {
            problems.push(format!(
                "{page}: {count} `[!WARNING]` callout(s) without an anchor: a callout \
                 of the note's mistakes needs `<div id=\"note-NAME\"></div>` before \
                 it, a link `[Errata](errata.md#NAME)` at its end and an entry in \
                 {ERRATA} (a warning that is not the note's mistake is a \
                 `[!CAUTION]`)"
            ));
        }
    }
    for entry in &entries {
        if !named.contains(&entry.name) {
            problems.push(format!(
                "{}: entry {} has no callout `<div id=\"note-{}\"></div>` in any chapter",
                entry.at, entry.name, entry.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every entry quotes the note, has a kind, and says what shows it; a file it names
/// exists.
#[test]
fn every_erratum_quotes_the_note_and_says_what_shows_it() {
    let entries = errata_entries();
    assert!(!entries.is_empty(), "{ERRATA} has no entry");
    let mut problems = Vec::new();
    let text = fs::read_to_string(ERRATA).unwrap();
    for entry in &entries {
        let at = &entry.at;
        // The quote: the note's words in a `>` block, or its code in a fenced block
        // (which prose_lines leaves out, so look in the raw text after the heading).
        let quoted_words = entry.body.iter().any(|line| line.starts_with("> "));
        let after = text
            .split(&format!("{{#{}}}", entry.name))
            .nth(1)
            .unwrap_or("");
        let until_next = after.split("\n### ").next().unwrap_or("");
        let quoted_code = until_next
            .lines()
            .any(|l| l.starts_with("```") && l.len() > 3);
        if !quoted_words && !quoted_code {
            problems.push(format!(
                "{at}: quote the note, as a `> ` block (with a translation) or its \
                 code in a fenced block"
            ));
        }
        match entry.item("Kind") {
            Some(kind) if KINDS.contains(&kind.as_str()) => {}
            other => problems.push(format!(
                "{at}: `- **Kind:**` must be one of {KINDS:?}, not {other:?}"
            )),
        }
        match entry.item("Shown by") {
            None => problems.push(format!(
                "{at}: say what shows it: `- **Shown by:** the listing ...`, \
                 `the test ...`, `the note's program, run by hand ...` or \
                 `a matter of text ...`"
            )),
            Some(shown) => {
                let paths: Vec<&str> = shown
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|code| {
                        (code.starts_with("chapters/")
                            || code.starts_with("src/"))
                            && code.ends_with(".rs")
                    })
                    .collect();
                for path in &paths {
                    if !Path::new(path).is_file() {
                        problems.push(format!(
                            "{at}: names {path}, which does not exist"
                        ));
                    }
                }
                let said = ["by hand", "a matter of text"]
                    .iter()
                    .any(|words| shown.contains(words));
                if paths.is_empty() && !said {
                    problems.push(format!(
                        "{at}: `Shown by` names no listing or test (`chapters/...rs`), \
                         and says neither `by hand` nor `a matter of text`"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The count at the top of the errata is the count of its entries.
#[test]
fn the_errata_count_is_the_count_of_its_entries() {
    let entries = errata_entries();
    let text = fs::read_to_string(ERRATA).unwrap();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_section: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &entries {
        *by_kind
            .entry(entry.item("Kind").unwrap_or_default())
            .or_default() += 1;
        *by_section.entry(entry.section.clone()).or_default() += 1;
    }
    let mut table_kinds = BTreeMap::new();
    let mut table_sections = BTreeMap::new();
    for (_, line) in prose_lines(&text) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [label, count] = cells[..] else { continue };
        let Ok(count) = count.parse::<usize>() else {
            continue;
        };
        if let Some(section) = link_targets(label)
            .first()
            .and_then(|target| target.strip_prefix('#'))
        {
            table_sections.insert(section.to_string(), count);
        } else {
            table_kinds.insert(label.to_string(), count);
        }
    }
    assert_eq!(
        table_kinds, by_kind,
        "{ERRATA}: the table of kinds does not count the entries"
    );
    assert_eq!(
        table_sections, by_section,
        "{ERRATA}: the table of sections does not count the entries"
    );
    let total = format!("{} entries, by kind", entries.len());
    assert!(text.contains(&total), "{ERRATA} should say \"{total}\"");
}

/// The ids mdBook gives the headings of a page (crates/mdbook-html, `id_from_content`
/// and `unique_id` in 0.5.4), with the explicit ones (`{#id}`, `id="..."`).
fn ids_of(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut counted = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        if let Some(id) = html_id(line) {
            ids.insert(id.to_string());
        }
        let trimmed = line.trim_start();
        let level = trimmed.chars().take_while(|&c| c == '#').count();
        if level == 0 || level > 6 || !trimmed[level..].starts_with(' ') {
            continue;
        }
        if let Some(id) = heading_attribute(trimmed) {
            ids.insert(id.to_string());
            continue;
        }
        let content = heading_text(&trimmed[level..]);
        let id: String = content
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c)
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let mut unique = id.clone();
        let mut suffix = 0;
        while !counted.insert(unique.clone()) {
            suffix += 1;
            unique = format!("{id}-{suffix}");
        }
        ids.insert(unique);
    }
    ids
}

/// The text of a heading as rendered: links by their text, code by its content, no
/// emphasis marks or tags.
fn heading_text(markdown: &str) -> String {
    let mut text = String::new();
    let mut rest = markdown;
    while let Some(start) = rest.find('[') {
        text.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match (after.find("]("), after.find(')')) {
            (Some(close), Some(end)) if close < end => {
                text.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            _ => {
                text.push('[');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '`' | '*' => {}
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
}

/// Every link from one page of the book to another, or to a place on the same page,
/// resolves: the page exists, and so does the anchor, whether a heading's or an
/// explicit one. (`cargo xtask build` checks the same on the rendered HTML.)
#[test]
fn links_between_pages_resolve() {
    let mut texts = BTreeMap::new();
    for page in pages() {
        let text = mdbook_links::expand_file(&page).unwrap().text;
        texts.insert(page, text);
    }
    let ids: BTreeMap<&PathBuf, BTreeSet<String>> = texts
        .iter()
        .map(|(page, text)| (page, ids_of(text)))
        .collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for (page, text) in &texts {
        for (number, line) in prose_lines(text) {
            let html = ["href", "src", "srcset"]
                .iter()
                .filter_map(|name| html_attribute(line, name))
                .map(str::to_string);
            for target in link_targets(line).into_iter().chain(html) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (file, fragment) = match target.split_once('#') {
                    Some((file, fragment)) => (file, Some(fragment)),
                    None => (target.as_str(), None),
                };
                let linked = if file.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(file)
                };
                checked += 1;
                let at = format!("{}:{number}", page.display());
                if !linked.is_file() {
                    broken.push(format!("{at}: {target}: no such file"));
                    continue;
                }
                let Some(fragment) = fragment else { continue };
                let known = ids.get(&linked);
                if !known.is_some_and(|ids| ids.contains(fragment)) {
                    broken.push(format!(
                        "{at}: {target}: {} has no heading or anchor with id \"{fragment}\"",
                        linked.display()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} links found: is the parser right?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
