//! The exercises, found where they live: every `chapters/CHAPTER/exercises/NAME.rs`
//! is one. Nothing lists them centrally; what classroom mode needs is in the
//! exercise's own two files:
//!
//! - `NAME.rs`, the tested reference solution, marks the code the student writes
//!   with `// ANCHOR: todo MESSAGE` ... `// ANCHOR_END: todo` (one region per
//!   function body to write). The starter is this file with each region replaced by
//!   `todo!("MESSAGE")` and the book's other anchor lines left out. mdBook drops
//!   every `ANCHOR` line from the listings it shows, so the markers are invisible in
//!   the book. The tests are the file's last item, `#[cfg(test)] mod tests { ... }`.
//! - `NAME.md`, beside it, holds what the student and the teacher read, each part
//!   between `<!-- ANCHOR: part -->` and `<!-- ANCHOR_END: part -->` so that the book
//!   includes it: `task` (a heading `### Exercise N: title`, then the task),
//!   `hint-1`, `hint-2`, ... (shown one more after each failed check), optionally
//!   `hint-hang` (shown when a test hangs), and `teacher` (learning goal, expected
//!   time, common mistakes).
//!
//! [`all`] says what an exercise lacks in its files, [`book_problems`] which page
//! fails to show a part of it, and [`rendered_problems`] what the built book does
//! not show as text; a test runs the first two over every exercise, so that a new
//! one cannot skip them, and `cargo xtask build` the third.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::mdbook_links;

/// The book page that holds the teacher's notes and a solution for every exercise.
pub const GUIDE_PAGE: &str = "book/teachers-guide.md";

/// One exercise, read from its two files.
#[derive(Debug)]
pub struct Exercise {
    /// The file name without `.rs`, unique in the workspace: `msg_priority`.
    pub name: String,
    /// The chapter's folder name: `msg`.
    pub chapter: String,
    /// Its number in the chapter (`### Exercise 2: ...`), easy first.
    pub number: u32,
    /// The heading's title, `a priority queue`.
    pub title: String,
    /// The reference solution, `ROOT/chapters/msg/exercises/msg_priority.rs`.
    pub solution: PathBuf,
    /// Its text.
    pub source: String,
    /// The task, without its heading.
    pub task: String,
    /// The hints, in the order they are given.
    pub hints: Vec<String>,
    /// The hint for a test that hangs, if the exercise has one.
    pub hang_hint: Option<String>,
    /// The expected time, from the teacher's notes.
    pub minutes: u32,
    /// Whether libtest runs its tests (`#[test]` functions, `rustc --test`), or
    /// the file's own `main` under `cfg(test)`: `harness = false` in the
    /// chapter's `Cargo.toml`, for an exercise whose tests fork, which must
    /// happen on the only thread of a process (`harness::one_thread`).
    pub libtest: bool,
}

impl Exercise {
    /// The starter: the solution with `todo!()` where the student's code goes.
    pub fn starter(&self) -> String {
        starter(&self.source).expect("checked when the exercise was read")
    }

    /// The exercise's tests, as the reference solution has them.
    pub fn tests(&self) -> &str {
        tests_module(&self.source).expect("checked when the exercise was read")
    }

    /// The folder of the chapter's package, `ROOT/chapters/msg`.
    pub fn chapter_dir(&self) -> &Path {
        self.solution
            .parent()
            .and_then(Path::parent)
            .expect("chapters/CHAPTER/exercises/NAME.rs")
    }
}

/// Every exercise under `root/chapters`, in the order of the book (chapters as
/// SUMMARY.md lists them, then by number), or what is wrong with those that cannot
/// be read.
pub fn all(root: &Path) -> Result<Vec<Exercise>, String> {
    let (exercises, problems) = scan(root)?;
    if problems.is_empty() {
        Ok(exercises)
    } else {
        Err(problems.join("\n"))
    }
}

/// The exercises that can be read, in the order of the book, and what is wrong
/// with the others.
pub fn scan(root: &Path) -> Result<(Vec<Exercise>, Vec<String>), String> {
    let mut exercises = Vec::new();
    let mut problems = Vec::new();
    for solution in solution_files(root)? {
        match read(&solution) {
            Ok(exercise) => exercises.push(exercise),
            Err(mut found) => problems.append(&mut found),
        }
    }
    let order = chapter_order(root);
    let place = |chapter: &str| {
        order
            .iter()
            .position(|(name, _)| name == chapter)
            .unwrap_or(order.len())
    };
    exercises.sort_by(|a, b| {
        (place(&a.chapter), &a.chapter, a.number, &a.name).cmp(&(
            place(&b.chapter),
            &b.chapter,
            b.number,
            &b.name,
        ))
    });
    Ok((exercises, problems))
}

/// The chapters that SUMMARY.md links, `- [Title](name.md)`, in its order.
pub fn chapter_order(root: &Path) -> Vec<(String, String)> {
    let summary =
        fs::read_to_string(root.join("book/SUMMARY.md")).unwrap_or_default();
    summary
        .lines()
        .filter_map(|line| {
            let (title, rest) =
                line.trim_start().strip_prefix("- [")?.split_once("](")?;
            let page = rest.strip_suffix(')')?.strip_suffix(".md")?;
            Some((page.to_string(), title.to_string()))
        })
        .collect()
}

/// The exercise called `name`, or an error that lists the names there are.
pub fn find(root: &Path, name: &str) -> Result<Exercise, String> {
    let name = name.trim_end_matches(".rs");
    let solution = solution_files(root)?
        .into_iter()
        .find(|path| path.file_stem().is_some_and(|stem| stem == name));
    match solution {
        Some(path) => read(&path).map_err(|problems| problems.join("\n")),
        None => {
            let names: Vec<String> = solution_files(root)?
                .iter()
                .filter_map(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            Err(format!(
                "no exercise is called '{name}'; there are: {}\n\
                 (`cargo xtask exercise list` shows them by chapter)",
                names.join(", ")
            ))
        }
    }
}

/// `chapters/*/exercises/*.rs`, sorted.
fn solution_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let chapters = root.join("chapters");
    let mut files = Vec::new();
    let entries = fs::read_dir(&chapters)
        .map_err(|e| format!("{}: {e}", chapters.display()))?;
    for entry in entries {
        let dir = entry.map_err(|e| e.to_string())?.path().join("exercises");
        let Ok(inner) = fs::read_dir(&dir) else {
            continue;
        };
        for file in inner {
            let path = file.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Reads one exercise, or says everything that is wrong with it.
fn read(solution: &Path) -> Result<Exercise, Vec<String>> {
    let shown = |path: &Path| {
        let text = path.display().to_string();
        match text.find("chapters/") {
            Some(at) => text[at..].to_string(),
            None => text,
        }
    };
    let name = solution
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let chapter = solution
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let notes_path = solution.with_extension("md");
    let mut problems = Vec::new();
    let source = fs::read_to_string(solution)
        .map_err(|e| vec![format!("{}: {e}", shown(solution))])?;
    if let Err(problem) = starter(&source) {
        problems.push(format!("{}: {problem}", shown(solution)));
    }
    if tests_module(&source).is_none() {
        problems.push(format!(
            "{}: no `#[cfg(test)]` line followed by `mod tests {{` at the start \
             of a line: the tests must be the file's last item",
            shown(solution)
        ));
    }
    let notes = match fs::read_to_string(&notes_path) {
        Ok(notes) => notes,
        Err(e) => {
            problems.push(format!(
                "{}: {e}: every exercise has its task, hints and teacher's notes \
                 beside it (see the contributor note in {GUIDE_PAGE})",
                shown(&notes_path)
            ));
            return Err(problems);
        }
    };
    let mut complain = |what: String| {
        problems.push(format!("{}: {what}", shown(&notes_path)));
    };
    let (number, title, task) = match mdbook_links::anchor(&notes, "task") {
        None => {
            complain("no `<!-- ANCHOR: task -->`".to_string());
            (0, String::new(), String::new())
        }
        Some(task) => match parse_heading(&task) {
            Some(parsed) => parsed,
            None => {
                complain(
                    "the task must start with a heading `### Exercise N: title`"
                        .to_string(),
                );
                (0, String::new(), String::new())
            }
        },
    };
    let mut hints = Vec::new();
    while let Some(hint) =
        mdbook_links::anchor(&notes, &format!("hint-{}", hints.len() + 1))
    {
        hints.push(hint.trim().to_string());
    }
    if hints.is_empty() {
        complain("no `<!-- ANCHOR: hint-1 -->`: give one or two hints".into());
    }
    if hints.iter().any(String::is_empty) {
        complain("a hint is empty".to_string());
    }
    let hang_hint =
        mdbook_links::anchor(&notes, "hint-hang").map(|h| h.trim().to_string());
    let minutes = match mdbook_links::anchor(&notes, "teacher") {
        None => {
            complain(
                "no `<!-- ANCHOR: teacher -->` (the teacher's notes)".into(),
            );
            0
        }
        Some(teacher) => {
            for label in [
                "**Learning goal.**",
                "**Expected time.**",
                "**Common mistakes.**",
            ] {
                if !teacher.contains(label) {
                    complain(format!("the teacher's notes lack {label}"));
                }
            }
            match expected_minutes(&teacher) {
                Some(minutes) => minutes,
                None => {
                    complain(
                        "**Expected time.** must be followed by `N minutes`"
                            .into(),
                    );
                    0
                }
            }
        }
    };
    let manifest_path = solution
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("Cargo.toml"))
        .unwrap_or_default();
    let libtest = match fs::read_to_string(&manifest_path) {
        Ok(manifest) => !own_test_main(&manifest, &name),
        Err(e) => {
            problems.push(format!("{}: {e}", shown(&manifest_path)));
            true
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Exercise {
        name,
        chapter,
        number,
        title,
        solution: solution.to_path_buf(),
        source,
        task,
        hints,
        hang_hint,
        minutes,
        libtest,
    })
}

/// Whether the package manifest `manifest` builds the example `name` without
/// libtest: `harness = false` in its `[[example]]` table.
fn own_test_main(manifest: &str, name: &str) -> bool {
    let mut in_example = false;
    let mut this_one = false;
    let mut harness_off = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            if in_example && this_one {
                return harness_off;
            }
            in_example = line == "[[example]]";
            this_one = false;
            harness_off = false;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match (key.trim(), value.trim()) {
            ("name", value) if in_example => {
                this_one = value.trim_matches('"') == name;
            }
            ("harness", "false") if in_example => harness_off = true,
            _ => {}
        }
    }
    in_example && this_one && harness_off
}

/// `### Exercise 2: a title` and the text below it.
fn parse_heading(task: &str) -> Option<(u32, String, String)> {
    let task = task.trim_start();
    let (heading, rest) = task.split_once('\n').unwrap_or((task, ""));
    let heading = heading.strip_prefix("### Exercise ")?;
    let (number, title) = heading.split_once(':')?;
    let number = number.trim().parse().ok()?;
    let title = title.trim();
    if title.is_empty() || rest.trim().is_empty() {
        return None;
    }
    Some((number, title.to_string(), rest.trim().to_string()))
}

/// The `N` of `**Expected time.** N minutes`.
fn expected_minutes(teacher: &str) -> Option<u32> {
    let after = teacher.split("**Expected time.**").nth(1)?.trim_start();
    let (number, rest) = after.split_once(' ')?;
    rest.starts_with("minutes").then(|| number.parse().ok())?
}

/// The starter of the reference solution `source`: each `todo` region replaced by
/// `todo!("MESSAGE")` at the marker's indentation, every other anchor line left out.
pub fn starter(source: &str) -> Result<String, String> {
    let mut out = String::with_capacity(source.len());
    let mut open: Option<usize> = None;
    let mut regions = 0;
    for (index, line) in source.lines().enumerate() {
        let number = index + 1;
        if let Some(start) = open {
            match mdbook_links::ends(line) {
                Some("todo") if number == start + 1 => {
                    return Err(format!(
                        "line {start}: the todo region is empty"
                    ))
                }
                Some("todo") => open = None,
                _ if mdbook_links::starts(line) == Some("todo") => {
                    return Err(format!(
                        "line {number}: a todo region opens inside the one of \
                         line {start}"
                    ))
                }
                _ => {}
            }
            continue;
        }
        if mdbook_links::starts(line) == Some("todo") {
            let message = line
                .split_once("ANCHOR:")
                .map(|(_, rest)| rest.trim_start())
                .and_then(|rest| rest.strip_prefix("todo"))
                .unwrap_or("")
                .trim();
            if message.is_empty() {
                return Err(format!(
                    "line {number}: `// ANCHOR: todo` needs a message for the \
                     starter's todo!(), as in `// ANCHOR: todo read every line`"
                ));
            }
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(&format!("{indent}todo!({message:?})\n"));
            open = Some(number);
            regions += 1;
        } else if mdbook_links::ends(line) == Some("todo") {
            return Err(format!(
                "line {number}: `ANCHOR_END: todo` without an opening marker"
            ));
        } else if mdbook_links::starts(line).is_none()
            && mdbook_links::ends(line).is_none()
        {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some(start) = open {
        return Err(format!("line {start}: the todo region is never closed"));
    }
    if regions == 0 {
        return Err("no `// ANCHOR: todo MESSAGE` ... `// ANCHOR_END: todo` \
                    marks the code the student writes"
            .to_string());
    }
    Ok(out)
}

/// The messages of the `todo` markers of `source`, in order.
fn todo_messages(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|line| mdbook_links::starts(line) == Some("todo"))
        .filter_map(|line| line.split_once("ANCHOR:"))
        .filter_map(|(_, rest)| rest.trim_start().strip_prefix("todo"))
        .map(|message| message.trim().to_string())
        .collect()
}

/// The tests: from the line `#[cfg(test)]` before `mod tests {` to the end.
pub fn tests_module(source: &str) -> Option<&str> {
    let mut offset = 0;
    let mut previous: Option<usize> = None;
    for line in source.split_inclusive('\n') {
        if line.trim_end() == "mod tests {" {
            if let Some(start) = previous {
                return Some(&source[start..]);
            }
        }
        previous = (line.trim_end() == "#[cfg(test)]").then_some(offset);
        offset += line.len();
    }
    None
}

/// What the book lacks for `exercises`: the chapter page shows each task and hint,
/// the teacher's guide each exercise's notes and solution.
pub fn book_problems(root: &Path, exercises: &[Exercise]) -> Vec<String> {
    let includes = match book_includes(root) {
        Ok(includes) => includes,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for exercise in exercises {
        let notes = exercise.solution.with_extension("md");
        let chapter_page = format!("book/{}.md", exercise.chapter);
        let mut parts: Vec<String> = vec!["task".to_string()];
        parts.extend((1..=exercise.hints.len()).map(|n| format!("hint-{n}")));
        if exercise.hang_hint.is_some() {
            parts.push("hint-hang".to_string());
        }
        let mut wanted: Vec<(&str, &Path, String)> = parts
            .into_iter()
            .map(|part| (chapter_page.as_str(), notes.as_path(), part))
            .collect();
        wanted.push((GUIDE_PAGE, &notes, "teacher".to_string()));
        wanted.push((GUIDE_PAGE, &exercise.solution, "solution".to_string()));
        // The starter listing in the chapter shows the starter's todo!()s.
        let page_text =
            fs::read_to_string(root.join(&chapter_page)).unwrap_or_default();
        for message in todo_messages(&exercise.source) {
            let todo = format!("todo!({message:?})");
            if !page_text.contains(&todo) {
                problems.push(format!(
                    "{chapter_page}: the starter listing of {} lacks `{todo}`, which \
                     the starter has",
                    exercise.name
                ));
            }
        }
        for (page, file, anchor) in wanted {
            let key = (page.to_string(), file.to_path_buf(), anchor);
            if !includes.contains(&key) {
                let relative = file.strip_prefix(root).unwrap_or(file);
                problems.push(format!(
                    "{page} does not include {}:{} (exercise {})",
                    relative.display(),
                    key.2,
                    exercise.name
                ));
            }
        }
    }
    problems
}

/// What the built book (`html`, mdBook's output) fails to show of the exercises:
/// the words of every task and hint must appear, in order, on the chapter's page,
/// and those of every teacher's notes on the guide; and no markdown may be left
/// unrendered there (a `<details>` block without blank lines keeps its `**`).
pub fn rendered_problems(
    root: &Path,
    html: &Path,
) -> Result<Vec<String>, String> {
    let exercises = all(root)?;
    let mut problems = Vec::new();
    let mut pages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let guide = Path::new(GUIDE_PAGE)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for exercise in &exercises {
        let notes_path = exercise.solution.with_extension("md");
        let notes = fs::read_to_string(&notes_path)
            .map_err(|e| format!("{}: {e}", notes_path.display()))?;
        let mut parts = vec![(exercise.chapter.clone(), "task".to_string())];
        parts.extend(
            (1..=exercise.hints.len())
                .map(|n| (exercise.chapter.clone(), format!("hint-{n}"))),
        );
        if exercise.hang_hint.is_some() {
            parts.push((exercise.chapter.clone(), "hint-hang".to_string()));
        }
        parts.push((guide.clone(), "teacher".to_string()));
        for (page, part) in parts {
            let words = match pages.get(&page) {
                Some(words) => words,
                None => {
                    let path = html.join(format!("{page}.html"));
                    let text = fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    let shown = html_text(&text);
                    if shown.contains("**") {
                        problems.push(format!(
                            "{page}.html: shows `**`, markdown left unrendered"
                        ));
                    }
                    pages.entry(page.clone()).or_insert(words_of(&shown))
                }
            };
            let part_text =
                mdbook_links::anchor(&notes, &part).unwrap_or_default();
            let wanted = words_of(&markdown_text(&part_text));
            let found = !wanted.is_empty()
                && words.windows(wanted.len()).any(|w| w == wanted.as_slice());
            if !found {
                problems.push(format!(
                    "{page}.html does not show the {part} of {} as its text",
                    exercise.name
                ));
            }
        }
    }
    Ok(problems)
}

/// The text of an HTML page's `<main>`: tags dropped, entities as spaces.
fn html_text(html: &str) -> String {
    let main = html
        .split("<main>")
        .nth(1)
        .and_then(|rest| rest.split("</main>").next())
        .unwrap_or(html);
    let mut text = String::with_capacity(main.len());
    let mut in_tag = false;
    let mut in_entity = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            '&' if !in_tag => in_entity = true,
            ';' if in_entity => {
                in_entity = false;
                text.push(' ');
            }
            _ if in_tag || in_entity => {}
            c => text.push(c),
        }
    }
    text
}

/// The text a reader sees of a markdown part: link targets and HTML comments
/// left out (the rest of the syntax is punctuation, which [`words_of`] drops).
fn markdown_text(markdown: &str) -> String {
    let mut text = String::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        text.push_str(&rest[..at]);
        rest = rest[at..].split_once(')').map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    text
}

/// The words of `text`, lowercased: what survives any rendering.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every `{{#include FILE:ANCHOR}}` and `{{#rustdoc_include FILE:ANCHOR}}` of the
/// book's pages: (page relative to root, canonical file, anchor).
fn book_includes(
    root: &Path,
) -> Result<BTreeSet<(String, PathBuf, String)>, String> {
    let book = root.join("book");
    let mut found = BTreeSet::new();
    let entries =
        fs::read_dir(&book).map_err(|e| format!("{}: {e}", book.display()))?;
    for entry in entries {
        let page = entry.map_err(|e| e.to_string())?.path();
        if page.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&page)
            .map_err(|e| format!("{}: {e}", page.display()))?;
        let page_name = format!(
            "book/{}",
            page.file_name().unwrap_or_default().to_string_lossy()
        );
        for directive in ["{{#include ", "{{#rustdoc_include "] {
            for piece in text.split(directive).skip(1) {
                let Some(target) = piece.split("}}").next() else {
                    continue;
                };
                let Some((file, anchor)) = target.trim().split_once(':') else {
                    continue;
                };
                if let Ok(file) = fs::canonicalize(book.join(file)) {
                    found.insert((page_name.clone(), file, anchor.to_string()));
                }
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLUTION: &str = "\
//! An exercise.

// ANCHOR: solution
// ANCHOR: setup
pub fn double(x: u32) -> u32 {
    // ANCHOR_END: setup
    // ANCHOR: todo multiply by two
    x * 2
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() {}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles() {}
}
";

    #[test]
    fn the_starter_replaces_the_todo_regions_and_drops_the_anchors() {
        let starter = starter(SOLUTION).unwrap();
        assert_eq!(
            starter,
            "//! An exercise.\n\npub fn double(x: u32) -> u32 {\n    \
             todo!(\"multiply by two\")\n}\n\nfn main() {}\n\n#[cfg(test)]\n\
             mod tests {\n    #[test]\n    fn doubles() {}\n}\n"
        );
    }

    #[test]
    fn a_solution_without_markers_or_with_broken_ones_is_refused() {
        let without = SOLUTION
            .replace("    // ANCHOR: todo multiply by two\n", "")
            .replace("    // ANCHOR_END: todo\n", "");
        assert!(starter(&without)
            .unwrap_err()
            .contains("no `// ANCHOR: todo"));
        let unclosed = SOLUTION.replace("    // ANCHOR_END: todo\n", "");
        assert!(starter(&unclosed).unwrap_err().contains("never closed"));
        let silent = SOLUTION.replace("todo multiply by two", "todo");
        assert!(starter(&silent).unwrap_err().contains("needs a message"));
        let empty = SOLUTION.replace("    x * 2\n", "");
        assert!(starter(&empty).unwrap_err().contains("is empty"));
    }

    #[test]
    fn the_tests_are_found_from_cfg_test_to_the_end() {
        let tests = tests_module(SOLUTION).unwrap();
        assert!(tests.starts_with("#[cfg(test)]\nmod tests {"));
        assert!(tests.ends_with("fn doubles() {}\n}\n"));
        assert_eq!(tests_module("fn main() {}\nmod tests {}\n"), None);
    }

    #[test]
    fn headings_and_expected_times_are_parsed() {
        assert_eq!(
            parse_heading("### Exercise 2: a key that is free\n\nWrite it."),
            Some((2, "a key that is free".into(), "Write it.".into()))
        );
        assert_eq!(parse_heading("## Exercise 2: x\n\ntext"), None);
        assert_eq!(parse_heading("### Exercise two: x\n\ntext"), None);
        assert_eq!(
            expected_minutes("**Expected time.** 25 minutes."),
            Some(25)
        );
        assert_eq!(expected_minutes("**Expected time.** half an hour."), None);
    }

    #[test]
    fn examples_built_without_libtest_are_found_in_the_manifest() {
        let manifest = "\
[package]
name = \"chapter-x\"

# An exercise that forks.
[[example]]
name = \"x_fork\"
path = \"exercises/x_fork.rs\"
test = true
harness = false # its own main

[[example]]
name = \"x_plain\"
path = \"exercises/x_plain.rs\"
test = true
";
        assert!(own_test_main(manifest, "x_fork"));
        assert!(!own_test_main(manifest, "x_plain"));
        assert!(!own_test_main(manifest, "x_other"));
        assert!(!own_test_main(
            "[[bin]]\nname = \"x_fork\"\nharness = false\n",
            "x_fork"
        ));
    }

    /// The rule that keeps classroom mode complete: every exercise under
    /// `chapters/*/exercises/` has its starter markers, task, hints and teacher's
    /// notes, and the book shows them.
    #[test]
    fn every_exercise_is_ready_for_classroom_mode() {
        let root = crate::root();
        let exercises = all(&root).unwrap_or_else(|problems| {
            panic!("exercises not ready for classroom mode:\n{problems}")
        });
        assert!(!exercises.is_empty());
        let problems = book_problems(&root, &exercises);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let mut numbers = BTreeSet::new();
        for exercise in &exercises {
            assert!(
                numbers.insert((exercise.chapter.clone(), exercise.number)),
                "two exercises of chapter {} are number {}",
                exercise.chapter,
                exercise.number
            );
        }
        // Easy first: within a chapter (`all` sorts by number), no exercise is
        // expected to take less time than the one before it.
        for pair in exercises.windows(2) {
            let [before, after] = pair else { continue };
            assert!(
                before.chapter != after.chapter
                    || before.minutes <= after.minutes,
                "chapter {}: exercise {} ({}, {} minutes) comes after exercise \
                 {} ({}, {} minutes): swap them, or correct the times",
                after.chapter,
                after.number,
                after.name,
                after.minutes,
                before.number,
                before.name,
                before.minutes
            );
        }
    }
}
