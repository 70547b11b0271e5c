//! Every chapter program, run as a real process: its output is a snapshot that
//! the book includes verbatim, it is the same on every run, and bad input gets
//! a usage error.
//!
//! A snapshot is a transcript, as a terminal would show it:
//!
//! ```text
//! $ cargo run --bin pipe
//! PIPE_BUF=4096,S_ISFIFO=1
//! hello,world
//! ```
//!
//! Standard output comes first, then standard error, then `[exit status: N]`
//! when N is not 0. What truly varies between runs or machines (identifiers,
//! uids, tuned limits) is replaced by filters, the same for the snapshot and
//! for the determinism check. After an intended change of output, accept the
//! new snapshots with `INSTA_UPDATE=always cargo test --test outputs` (or
//! `cargo insta review`), read the diff, and commit them: the book shows them
//! as they are.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// The path of a chapter program that cargo built for this test.
macro_rules! bin {
    ($name:expr) => {
        Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name)),
        }
    };
}

#[derive(Clone, Copy)]
struct Program {
    name: &'static str,
    path: &'static str,
}

impl Program {
    /// Runs the program with `args` and returns its transcript.
    fn transcript(self, args: &[&str]) -> String {
        let output = Command::new(self.path)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path));
        transcript_of(self.name, args, &output)
    }

    /// The transcript of `args` with every `(regex, replacement)` of `filters`
    /// applied.
    fn filtered_transcript(
        self,
        args: &[&str],
        filters: &[(String, String)],
    ) -> String {
        let mut text = self.transcript(args);
        for (pattern, replacement) in filters {
            let regex = regex::Regex::new(pattern).expect("valid filter");
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        text
    }

    /// Asserts the transcript of `args` against the snapshot
    /// `chapters/snapshots/<name>.snap`.
    fn snapshot(self, name: &str, args: &[&str], filters: &[(String, String)]) {
        let transcript = self.filtered_transcript(args, filters);
        insta::with_settings!({
            snapshot_path => "../chapters/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, transcript);
        });
    }

    /// Runs the program `runs` times, `parallel` copies at a time, and asserts
    /// that every transcript, filtered, is identical to the first.
    fn assert_deterministic(
        self,
        args: &[&str],
        filters: &[(String, String)],
        runs: usize,
        parallel: usize,
    ) {
        let expected = self.filtered_transcript(args, filters);
        let next = AtomicUsize::new(1);
        thread::scope(|scope| {
            for _ in 0..parallel {
                scope.spawn(|| {
                    while next.fetch_add(1, Ordering::Relaxed) < runs {
                        let got = self.filtered_transcript(args, filters);
                        assert_eq!(
                            got, expected,
                            "{} differed between runs",
                            self.name
                        );
                    }
                });
            }
        });
    }
}

/// A finished run of the program `name` with `args`, as a terminal would show
/// it.
fn transcript_of(name: &str, args: &[&str], output: &Output) -> String {
    let mut text = format!("$ cargo run --bin {name}");
    if !args.is_empty() {
        text.push_str(" --");
        for arg in args {
            text.push(' ');
            text.push_str(arg);
        }
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    match output.status.code() {
        Some(0) => {}
        Some(code) => text.push_str(&format!("[exit status: {code}]\n")),
        None => text.push_str(&format!("[{}]\n", output.status)),
    }
    text
}

/// The checks every chapter program gets: its output is the snapshot
/// `NAME.snap` that the book includes, 100 runs (8 at a time) print the same,
/// `--help` prints a usage line and exits with 0, and an unexpected argument
/// gets a usage error (snapshot `NAME-bad-argument.snap`). Programs with more
/// to check get more tests beside these.
///
/// `chapter_program!(NAME, args: [...], filters: EXPR)` runs the program with
/// those arguments for the snapshot and the determinism check, and applies the
/// filters, a `Vec<(String, String)>` of regex and replacement, to both.
macro_rules! chapter_program {
    ($name:ident) => {
        chapter_program!($name, args: [], filters: Vec::new());
    };
    ($name:ident, args: [$($arg:expr),*], filters: $filters:expr) => {
        mod $name {
            use super::*;

            const PROGRAM: Program = bin!(stringify!($name));

            fn filters() -> Vec<(String, String)> {
                $filters
            }

            #[test]
            fn output() {
                PROGRAM.snapshot(stringify!($name), &[$($arg),*], &filters());
            }

            #[test]
            fn is_deterministic() {
                PROGRAM.assert_deterministic(&[$($arg),*], &filters(), 100, 8);
            }

            #[test]
            fn answers_help() {
                let help = PROGRAM.transcript(&["--help"]);
                let usage = format!("\nUsage: {}", stringify!($name));
                assert!(help.contains(&usage), "{help}");
                assert!(!help.contains("[exit status"), "{help}");
            }

            #[test]
            fn rejects_bad_arguments() {
                PROGRAM.snapshot(concat!(stringify!($name), "-bad-argument"), &["bogus"], &[]);
            }
        }
    };
}

chapter_program!(pipe);
chapter_program!(msg, args: [], filters: tuned_limit("max bytes:", "msgmnb", 16384));
chapter_program!(ipc_limits, args: [], filters: vec![(
    // A limit somebody tuned on this machine: the book shows Linux's default.
    r"= \d+ \(Linux default: (\d+)\)".to_string(),
    "= $1".to_string(),
)]);
chapter_program!(ipcrm_mine, args: ["demo"], filters: vec![
    (r"id=\d+".to_string(), "id=[id]".to_string()),
    (r"owner=\d+ \(you\)".to_string(), "owner=[uid] (you)".to_string()),
]);

/// A filter that shows `label` followed by Linux's `default` for the limit
/// `/proc/sys/kernel/NAME` where this machine has another value (none where it
/// has not).
fn tuned_limit(label: &str, name: &str, default: u64) -> Vec<(String, String)> {
    let path = format!("/proc/sys/kernel/{name}");
    let value = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    if value.trim() == default.to_string() {
        return Vec::new();
    }
    vec![(
        format!("{}{}\\b", regex::escape(label), value.trim()),
        format!("{label}{default}"),
    )]
}

chapter_program!(popen);
chapter_program!(fifo);

#[path = "outputs/fifo_service.rs"]
mod fifo_service;
#[path = "outputs/temp_files.rs"]
mod temp_files;
