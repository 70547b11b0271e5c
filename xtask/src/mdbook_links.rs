//! mdBook's `{{#include}}` and `{{#rustdoc_include}}`, expanded exactly as mdBook 0.5.4
//! expands them (crates/mdbook-driver/src/builtin_preprocessors/links.rs), so that the code
//! skeptic compiles is the code the reader sees.
//!
//! One deliberate difference: mdBook renders a missing anchor or an unreadable file as an
//! empty block or the raw directive and only logs it; here both are errors, so a typo in a
//! chapter fails the build instead of publishing an empty listing.
//!
//! Shared by `build.rs` (which feeds the expanded chapters to skeptic), by
//! `tests/book.rs` (which checks the book's structure) and by the xtask, whose `build`
//! compares this expansion with mdBook's own for every page.

use std::fs;
use std::path::{Path, PathBuf};

const MAX_DEPTH: usize = 10;

/// The result of expanding one markdown file.
pub struct Expanded {
    /// The markdown with every directive replaced by what it includes.
    pub text: String,
    /// Every file an include read, for `rerun-if-changed`.
    // Read by build.rs and tests/book.rs; the xtask compares only the text.
    #[allow(dead_code)]
    pub included: Vec<PathBuf>,
}

/// Expands the directives of the markdown file at `path`.
pub fn expand_file(path: &Path) -> Result<Expanded, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut included = Vec::new();
    let text = expand(&text, base, path, 0, &mut included)?;
    Ok(Expanded { text, included })
}

fn expand(
    text: &str,
    base: &Path,
    source: &Path,
    depth: usize,
    included: &mut Vec<PathBuf>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(directive) = find_directive(rest) {
        out.push_str(&rest[..directive.start]);
        match directive.kind {
            Kind::Escaped => {
                out.push_str(&rest[directive.start + 1..directive.end])
            }
            Kind::Other => out.push_str(&rest[directive.start..directive.end]),
            Kind::Include { rustdoc } => {
                let raw = &rest[directive.start..directive.end];
                let (file, selector) = match directive.target.split_once(':') {
                    Some((file, selector)) => (file, Some(selector)),
                    None => (directive.target, None),
                };
                let target = base.join(file);
                let content = fs::read_to_string(&target).map_err(|e| {
                    format!(
                        "{}: {raw}: cannot read {}: {e}",
                        source.display(),
                        target.display()
                    )
                })?;
                included.push(target.clone());
                let selected = select(&content, selector, rustdoc)
                    .map_err(|e| format!("{}: {raw}: {e}", source.display()))?;
                if depth + 1 >= MAX_DEPTH {
                    return Err(format!(
                        "{}: includes nest too deeply",
                        source.display()
                    ));
                }
                let nested_base = target.parent().unwrap_or(Path::new("."));
                out.push_str(&expand(
                    &selected,
                    nested_base,
                    source,
                    depth + 1,
                    included,
                )?);
            }
        }
        rest = &rest[directive.end..];
    }
    out.push_str(rest);
    Ok(out)
}

enum Kind {
    Escaped,
    Include { rustdoc: bool },
    Other,
}

struct Directive<'a> {
    start: usize,
    end: usize,
    kind: Kind,
    target: &'a str,
}

/// Finds the next directive, matching mdBook's regular expression:
/// `\\\{\{\#.*\}\}` (escaped) or `\{\{\s*\#([a-zA-Z0-9_]+)\s+([^}]+)\}\}`.
fn find_directive(text: &str) -> Option<Directive<'_>> {
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let open = from + offset;
        if open > 0
            && text[..open].ends_with('\\')
            && text[open + 2..].starts_with('#')
        {
            // Escaped: greedy `.*` up to the last `}}` on the same line.
            let line_end =
                text[open..].find('\n').map_or(text.len(), |i| open + i);
            if let Some(close) = text[open..line_end].rfind("}}") {
                return Some(Directive {
                    start: open - 1,
                    end: open + close + 2,
                    kind: Kind::Escaped,
                    target: "",
                });
            }
        }
        if let Some(found) = parse_at(text, open) {
            return Some(found);
        }
        from = open + 1;
    }
    None
}

fn parse_at(text: &str, open: usize) -> Option<Directive<'_>> {
    let after = &text[open + 2..];
    let body = after.trim_start();
    let body_start = open + 2 + (after.len() - body.len());
    let name_and_rest = body.strip_prefix('#')?;
    let name_len = name_and_rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name_and_rest.len());
    if name_len == 0 {
        return None;
    }
    let name = &name_and_rest[..name_len];
    let after_name = &name_and_rest[name_len..];
    let args = after_name.trim_start();
    if args.len() == after_name.len() {
        return None; // `\s+` needs at least one whitespace character
    }
    let args_len = args.find('}').unwrap_or(args.len());
    if args_len == 0 || !args[args_len..].starts_with("}}") {
        return None;
    }
    let args_start =
        body_start + 1 + name_len + (after_name.len() - args.len());
    let end = args_start + args_len + 2;
    let mut words = args[..args_len].split_whitespace();
    let target = words.next().unwrap_or("");
    let kind = match name {
        "include" => Kind::Include { rustdoc: false },
        "rustdoc_include" => Kind::Include { rustdoc: true },
        _ => Kind::Other,
    };
    Some(Directive {
        start: open,
        end,
        kind,
        target,
    })
}

/// Applies mdBook's line range or anchor selection.
fn select(
    content: &str,
    selector: Option<&str>,
    rustdoc: bool,
) -> Result<String, String> {
    match parse_selector(selector) {
        Selector::Anchor(anchor) => {
            if !has_anchor(content, &anchor) {
                return Err(format!("no line says `ANCHOR: {anchor}`"));
            }
            Ok(if rustdoc {
                rustdoc_anchored(content, &anchor)
            } else {
                anchored(content, &anchor)
            })
        }
        Selector::Lines(start, end) => {
            let in_range =
                |i: usize| i >= start && end.is_none_or(|end| i < end);
            if rustdoc {
                let lines: Vec<String> = content
                    .lines()
                    .enumerate()
                    .map(|(i, line)| {
                        if in_range(i) {
                            line.to_string()
                        } else {
                            format!("# {line}")
                        }
                    })
                    .collect();
                Ok(lines.join("\n"))
            } else {
                let lines: Vec<&str> = content
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| in_range(*i))
                    .map(|(_, line)| line)
                    .collect();
                Ok(lines.join("\n"))
            }
        }
    }
}

enum Selector {
    Anchor(String),
    /// Zero-based start, exclusive end.
    Lines(usize, Option<usize>),
}

fn parse_selector(selector: Option<&str>) -> Selector {
    let mut parts = selector.unwrap_or("").splitn(3, ':');
    let first = parts.next();
    let start = match first {
        Some(value) if value.parse::<usize>().is_ok() => {
            Some(value.parse::<usize>().unwrap_or(0).saturating_sub(1))
        }
        Some("") | None => None,
        Some(anchor) => return Selector::Anchor(anchor.to_string()),
    };
    let end = parts.next().map(|s| s.parse::<usize>());
    match (start, end) {
        (Some(start), Some(Ok(end))) => Selector::Lines(start, Some(end)),
        (Some(start), Some(Err(_))) => Selector::Lines(start, None),
        (Some(start), None) => Selector::Lines(start, Some(start + 1)),
        (None, Some(Ok(end))) => Selector::Lines(0, Some(end)),
        (None, None) | (None, Some(Err(_))) => Selector::Lines(0, None),
    }
}

/// The anchor name a line opens (`ANCHOR: name`) or closes (`ANCHOR_END: name`), as
/// mdBook's `ANCHOR(_END)?:\s*([\w_-]+)` finds it anywhere in the line.
fn marker<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let mut search = line;
    while let Some(at) = search.find(keyword) {
        let after = &search[at + keyword.len()..];
        let name = after.trim_start();
        let len = name
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(name.len());
        if len > 0 {
            return Some(&name[..len]);
        }
        search = after;
    }
    None
}

/// The anchor that `line` opens (`ANCHOR: name`), if any.
pub fn starts(line: &str) -> Option<&str> {
    marker(line, "ANCHOR:")
}

/// The anchor that `line` closes (`ANCHOR_END: name`), if any.
pub fn ends(line: &str) -> Option<&str> {
    marker(line, "ANCHOR_END:")
}

/// The lines of `content` inside `anchor`, as `{{#include FILE:anchor}}` shows them
/// (the lines of other anchors left out), or `None` if no line opens it. Classroom mode
/// reads an exercise's task and hints with it, exactly as the book shows them.
// Used by the xtask only (build.rs and tests/book.rs include this file too).
#[allow(dead_code)]
pub fn anchor(content: &str, anchor: &str) -> Option<String> {
    has_anchor(content, anchor).then(|| anchored(content, anchor))
}

fn has_anchor(content: &str, anchor: &str) -> bool {
    content.lines().any(|line| starts(line) == Some(anchor))
}

fn anchored(content: &str, anchor: &str) -> String {
    let mut kept = Vec::new();
    let mut inside = false;
    for line in content.lines() {
        if inside {
            match ends(line) {
                Some(name) if name == anchor => break,
                Some(_) => {}
                None if starts(line).is_none() => kept.push(line),
                None => {}
            }
        } else if starts(line) == Some(anchor) {
            inside = true;
        }
    }
    kept.join("\n")
}

fn rustdoc_anchored(content: &str, anchor: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in content.lines() {
        if inside {
            match ends(line) {
                Some(name) if name == anchor => inside = false,
                Some(_) => {}
                None if starts(line).is_none() => {
                    out.push_str(line);
                    out.push('\n');
                }
                None => {}
            }
        } else if let Some(name) = starts(line) {
            if name == anchor {
                inside = true;
            }
        } else if ends(line).is_none() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.pop();
    out
}
