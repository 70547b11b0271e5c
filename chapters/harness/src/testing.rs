//! The checks every chapter program gets, run on the program as a real process:
//! its output is a snapshot that the book includes verbatim, it is the same on
//! every run, it answers `--help`, and bad input gets a usage error.
//!
//! A chapter's `tests/outputs.rs` states them with one line per program:
//!
//! ```text
//! harness::chapter_program!(pipe);
//! ```
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
//! for the determinism check. Snapshots live in the chapter's `snapshots/`
//! folder. After an intended change of output, accept the new snapshots with
//! `INSTA_UPDATE=always cargo test -p chapter-NAME` (or `cargo insta review`),
//! read the diff, and commit them: the book shows them as they are.

use std::fs;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// Regex and replacement pairs applied to a transcript, in order.
pub type Filters = Vec<(String, String)>;

/// How long a test waits for a program before it gives up and fails: far
/// longer than any of them takes (milliseconds), short enough to report a hang
/// instead of being one.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A chapter program that cargo built for the test that uses it.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// The name of the binary, as in `cargo run --bin NAME`.
    pub name: &'static str,
    /// Its path (`CARGO_BIN_EXE_NAME`).
    pub path: &'static str,
    /// The chapter's `snapshots` folder.
    pub snapshots: &'static str,
}

/// The [`Program`] `name` of the chapter whose test expands this.
#[macro_export]
macro_rules! program {
    ($name:expr) => {
        $crate::testing::Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name)),
            snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        }
    };
}

impl Program {
    /// Runs the program with `args`, with a deadline, and returns its
    /// transcript.
    pub fn transcript(self, args: &[&str]) -> String {
        let output = Running::start(self, args, None).finish();
        transcript_of(self.name, args, &output)
    }

    /// The transcript of `args` with every filter applied.
    pub fn filtered_transcript(
        self,
        args: &[&str],
        filters: &Filters,
    ) -> String {
        filter(self.transcript(args), filters)
    }

    /// Asserts `transcript` against the snapshot `NAME.snap` of the chapter.
    pub fn assert_snapshot(self, name: &str, transcript: &str) {
        insta::with_settings!({
            snapshot_path => self.snapshots,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, transcript);
        });
    }

    /// Asserts the filtered transcript of `args` against the snapshot
    /// `NAME.snap` of the chapter.
    pub fn snapshot(self, name: &str, args: &[&str], filters: &Filters) {
        self.assert_snapshot(name, &self.filtered_transcript(args, filters));
    }

    /// Runs the program `runs` times, `parallel` copies at a time, and asserts
    /// that every transcript, filtered, is identical to the first.
    pub fn assert_deterministic(
        self,
        args: &[&str],
        filters: &Filters,
        runs: usize,
        parallel: usize,
    ) {
        let expected = self.filtered_transcript(args, filters);
        assert_repeatable(&expected, runs, parallel, || {
            self.filtered_transcript(args, filters)
        });
    }
}

/// Calls `run` until it has been called `runs` times in all (counting the run
/// that gave `expected`), from `parallel` threads at once, and asserts that
/// every result equals `expected`.
pub fn assert_repeatable<T: PartialEq + std::fmt::Debug + Sync>(
    expected: &T,
    runs: usize,
    parallel: usize,
    run: impl Fn() -> T + Sync,
) {
    let next = AtomicUsize::new(1);
    thread::scope(|scope| {
        for _ in 0..parallel {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < runs {
                    assert_eq!(&run(), expected, "runs differed");
                }
            });
        }
    });
}

/// Applies every filter of `filters` to `text`.
pub fn filter(mut text: String, filters: &Filters) -> String {
    for (pattern, replacement) in filters {
        let regex = regex::Regex::new(pattern).expect("valid filter");
        text = regex.replace_all(&text, replacement.as_str()).into_owned();
    }
    text
}

/// A filter for a transcript that prints the kernel limit
/// `/proc/sys/kernel/NAME` after `label`: where this machine has tuned it, the
/// value shown is Linux's `default`, so that the book shows what a reader with
/// an untuned kernel sees. Empty where the machine has the default.
pub fn tuned_limit(label: &str, name: &str, default: u64) -> Filters {
    let path = format!("/proc/sys/kernel/{name}");
    let value =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if value.trim() == default.to_string() {
        return Vec::new();
    }
    vec![(
        format!("{}{}\\b", regex::escape(label), value.trim()),
        format!("{label}{default}"),
    )]
}

/// A finished run of the program `name` with `args`, as a terminal would show
/// it.
pub fn transcript_of(name: &str, args: &[&str], output: &Output) -> String {
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

/// A child process whose standard output and error are read with a deadline:
/// a program that hangs fails the test after [`PATIENCE`] instead of hanging
/// it, and is killed when this is dropped.
pub struct Running {
    name: &'static str,
    child: Option<Child>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    out: Vec<u8>,
    err: Vec<u8>,
    deadline: Instant,
}

impl Running {
    /// Starts `program` with `args` and standard input closed; with `dir`, as
    /// its working directory and its `TMPDIR`.
    pub fn start(
        program: Program,
        args: &[&str],
        dir: Option<&Path>,
    ) -> Running {
        let mut command = Command::new(program.path);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = dir {
            command.env("TMPDIR", dir).current_dir(dir);
        }
        Running::start_command(program.name, command)
    }

    /// Starts `command`, which may be any program (a test helper run as
    /// another user, say), with standard input closed and its output read
    /// with the same deadline; `name` names it in failures.
    pub fn start_command(name: &'static str, mut command: Command) -> Running {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Running {
            name,
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child: Some(child),
            out: Vec::new(),
            err: Vec::new(),
            deadline: Instant::now() + PATIENCE,
        }
    }

    /// The process id of the child.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Reads what the child writes until `enough` says so of its standard
    /// output, or both streams are closed. Past the deadline it panics, naming
    /// the program and what it printed, and dropping `self` kills the child.
    pub fn read_until(&mut self, enough: impl Fn(&[u8]) -> bool) {
        while !enough(&self.out)
            && (self.stdout.is_some() || self.stderr.is_some())
        {
            let remaining =
                self.deadline.saturating_duration_since(Instant::now());
            let timeout =
                PollTimeout::try_from(remaining).expect("under i32::MAX ms");
            let (out_ready, err_ready) = {
                let mut fds = Vec::new();
                if let Some(stdout) = &self.stdout {
                    fds.push(PollFd::new(stdout.as_fd(), PollFlags::POLLIN));
                }
                if let Some(stderr) = &self.stderr {
                    fds.push(PollFd::new(stderr.as_fd(), PollFlags::POLLIN));
                }
                let ready = poll(&mut fds, timeout).expect("poll");
                assert!(
                    ready > 0,
                    "{} still running after {PATIENCE:?}; stdout so far:\n{}\
                     stderr so far:\n{}",
                    self.name,
                    String::from_utf8_lossy(&self.out),
                    String::from_utf8_lossy(&self.err)
                );
                let is_ready = |fd: Option<&PollFd>| {
                    fd.is_some_and(|fd| fd.any() == Some(true))
                };
                let mut fds = fds.iter();
                let out_ready = self.stdout.is_some() && is_ready(fds.next());
                let err_ready = self.stderr.is_some() && is_ready(fds.next());
                (out_ready, err_ready)
            };
            if out_ready {
                read_some(&mut self.stdout, &mut self.out);
            }
            if err_ready {
                read_some(&mut self.stderr, &mut self.err);
            }
        }
    }

    /// Reads both streams to end-of-file, then collects the exit status.
    pub fn finish(mut self) -> Output {
        self.read_until(|_| false);
        let mut child = self.child.take().expect("finished once");
        // Both streams are closed: the child is exiting, so this wait is short.
        let status = child.wait().expect("waitpid");
        Output {
            status,
            stdout: std::mem::take(&mut self.out),
            stderr: std::mem::take(&mut self.err),
        }
    }
}

/// One read(2) from a stream that poll reported ready; end-of-file closes it.
fn read_some<R: Read>(stream: &mut Option<R>, into: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    let n = stream
        .as_mut()
        .map_or(0, |s| s.read(&mut buf).expect("read"));
    if n == 0 {
        *stream = None;
    } else {
        into.extend_from_slice(&buf[..n]);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Only our own child, by its pid.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `program` with its working directory and `TMPDIR` pointing at two
/// empty directories, and asserts that it succeeds and that both are still
/// empty afterwards: a program that creates files creates them in a private
/// directory of its own and removes it before it exits.
pub fn assert_leaves_no_file(program: Program, args: &[&str]) {
    let tmpdir = tempfile::Builder::new().prefix("tmpdir").tempdir().unwrap();
    let workdir = tempfile::Builder::new()
        .prefix("workdir")
        .tempdir()
        .unwrap();
    let mut command = Command::new(program.path);
    command
        .args(args)
        .env("TMPDIR", tmpdir.path())
        .current_dir(workdir.path());
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}: {output:?}", program.name);
    for dir in [&tmpdir, &workdir] {
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{} left {left:?} behind", program.name);
    }
}

/// The checks every chapter program gets: its output is the snapshot
/// `NAME.snap` that the book includes, 100 runs (8 at a time) print the same,
/// `--help` prints a usage line and exits with 0, and an unexpected argument
/// gets a usage error (snapshot `NAME-bad-argument.snap`). Programs with more
/// to check get more tests beside these.
///
/// `chapter_program!(NAME, args: [...], filters: EXPR)` runs the program with
/// those arguments for the snapshot and the determinism check, and applies the
/// filters, a [`Filters`], to both.
///
/// `chapter_program!(NAME, output_checked_by: PATH, bad_arguments: [...])` is
/// for a program whose output only makes sense beside another's (a server and
/// its clients): the test function at `PATH` checks the output and its
/// determinism (the macro refers to it, so it cannot go missing), and the
/// macro checks `--help` and the bad arguments given.
#[macro_export]
macro_rules! chapter_program {
    ($name:ident) => {
        $crate::chapter_program!($name, args: [], filters: Vec::new());
    };
    ($name:ident, output_checked_by: $checks:path, bad_arguments: [$($bad:expr),*]) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            const PROGRAM: $crate::testing::Program =
                $crate::program!(stringify!($name));

            #[allow(dead_code)]
            const OUTPUT_CHECKED_BY: fn() = $checks;

            $crate::chapter_program!(@help_and_bad_arguments [$($bad),*]);
        }
    };
    (@help_and_bad_arguments [$($bad:expr),*]) => {
        #[test]
        fn answers_help() {
            let help = PROGRAM.transcript(&["--help"]);
            let usage = format!("\nUsage: {}", PROGRAM.name);
            assert!(help.contains(&usage), "{help}");
            assert!(!help.contains("[exit status"), "{help}");
        }

        #[test]
        fn rejects_bad_arguments() {
            PROGRAM.snapshot(
                &format!("{}-bad-argument", PROGRAM.name),
                &[$($bad),*],
                &Vec::new(),
            );
        }
    };
    ($name:ident, args: [$($arg:expr),*], filters: $filters:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            const PROGRAM: $crate::testing::Program =
                $crate::program!(stringify!($name));

            fn filters() -> $crate::testing::Filters {
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

            $crate::chapter_program!(@help_and_bad_arguments ["bogus"]);
        }
    };
}
