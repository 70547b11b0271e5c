//! Every chapter program, run as a real process: its output is a snapshot that the book
//! includes verbatim, it is the same on every run, and bad input gets a usage error.
//!
//! A snapshot is a transcript, as a terminal would show it:
//!
//! ```text
//! $ cargo run --bin pipe
//! PIPE_BUF=4096,S_ISFIFO=1
//! hello,world
//! ```
//!
//! Standard output comes first, then standard error, then `[exit status: N]` when N is
//! not 0. After an intended change of output, accept the new snapshots with
//! `INSTA_UPDATE=always cargo test --test outputs` (or `cargo insta review`), read the
//! diff, and commit them: the book shows them as they are.

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

    /// Asserts the transcript of `args` against the snapshot `chapters/snapshots/<name>.snap`.
    fn snapshot(self, name: &str, args: &[&str]) {
        let transcript = self.transcript(args);
        insta::with_settings!({
            snapshot_path => "../chapters/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, transcript);
        });
    }

    /// Runs the program `runs` times, `parallel` copies at a time, and asserts that every
    /// transcript is identical to the first.
    fn assert_deterministic(self, args: &[&str], runs: usize, parallel: usize) {
        let expected = self.transcript(args);
        let next = AtomicUsize::new(1);
        thread::scope(|scope| {
            for _ in 0..parallel {
                scope.spawn(|| {
                    while next.fetch_add(1, Ordering::Relaxed) < runs {
                        let got = self.transcript(args);
                        assert_eq!(got, expected, "{} differed between runs", self.name);
                    }
                });
            }
        });
    }
}

/// A finished run of the program `name` with `args`, as a terminal would show it.
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

/// The checks every chapter program gets: its output is the snapshot `NAME.snap` that the
/// book includes, 100 runs (8 at a time) print the same, `--help` prints a usage line and
/// exits with 0, and an unexpected argument gets a usage error (snapshot
/// `NAME-bad-argument.snap`). Programs with more to check get more tests beside these.
macro_rules! chapter_program {
    ($name:ident) => {
        mod $name {
            use super::*;

            const PROGRAM: Program = bin!(stringify!($name));

            #[test]
            fn output() {
                PROGRAM.snapshot(stringify!($name), &[]);
            }

            #[test]
            fn is_deterministic() {
                PROGRAM.assert_deterministic(&[], 100, 8);
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
                PROGRAM.snapshot(concat!(stringify!($name), "-bad-argument"), &["bogus"]);
            }
        }
    };
}

chapter_program!(pipe);
chapter_program!(popen);
chapter_program!(fifo);

#[path = "outputs/fifo_service.rs"]
mod fifo_service;
#[path = "outputs/temp_files.rs"]
mod temp_files;
