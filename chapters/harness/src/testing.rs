//! The checks every chapter program gets, run on the program as a real process:
//! its output is a snapshot that the book includes verbatim, it is the same on
//! every run, it answers `--help`, bad input of every kind gets one clear line
//! and a non-zero exit ([`matrix`]), a standard output that fails is handled,
//! and `cargo xtask stress` can run it hundreds of times and kill it
//! ([`stress`]).
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

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

pub mod matrix;
pub mod stress;

pub use matrix::{assert_rejects, assert_stdout_failures, Sandbox};

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

/// The environment variable that points the tests at another build of the
/// programs: `APUE_IPC_BIN_DIR=/path/to/target/debug cargo test` runs this
/// tree's tests against the programs in that directory (an older commit's,
/// to see a new test fail before its fix).
pub const BIN_DIR: &str = "APUE_IPC_BIN_DIR";

impl Program {
    /// The program's executable: `$APUE_IPC_BIN_DIR/NAME` if that variable is
    /// set, else the one cargo built.
    pub fn exe(self) -> PathBuf {
        match std::env::var_os(BIN_DIR) {
            Some(dir) => Path::new(&dir).join(self.name),
            None => PathBuf::from(self.path),
        }
    }

    /// A command that runs the program, with standard input closed and its
    /// standard output and error piped (for [`Running`] to read).
    pub fn command(self) -> Command {
        let mut command = Command::new(self.exe());
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

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
        let mut command = program.command();
        command.args(args);
        if let Some(dir) = dir {
            command.env("TMPDIR", dir).current_dir(dir);
        }
        Running::spawn(program.name, command)
    }

    /// Starts `command` for the program `name`, reading with the deadline
    /// [`PATIENCE`] those of its standard output and error that it pipes (see
    /// [`Program::command`]).
    pub fn spawn(name: &'static str, mut command: Command) -> Running {
        Running::spawn_within(name, &mut command, PATIENCE)
    }

    /// [`Running::spawn`] with a deadline of `patience` from now.
    pub fn spawn_within(
        name: &'static str,
        command: &mut Command,
        patience: Duration,
    ) -> Running {
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {:?}: {e}", command.get_program())
        });
        Running {
            name,
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child: Some(child),
            out: Vec::new(),
            err: Vec::new(),
            deadline: Instant::now() + patience,
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
        if let Err(late) = self.try_read_until(enough) {
            panic!("{late}");
        }
    }

    /// What the child wrote so far on its standard output and error.
    pub fn so_far(&self) -> (&[u8], &[u8]) {
        (&self.out, &self.err)
    }

    /// [`Running::read_until`], with the deadline reported as an error.
    pub fn try_read_until(
        &mut self,
        enough: impl Fn(&[u8]) -> bool,
    ) -> Result<(), String> {
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
                if ready == 0 {
                    return Err(format!(
                        "{} (or a process that shares its output) still \
                         running at the deadline; stdout so far:\n{}\
                         stderr so far:\n{}",
                        self.name,
                        String::from_utf8_lossy(&self.out),
                        String::from_utf8_lossy(&self.err)
                    ));
                }
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
        Ok(())
    }

    /// Reads both streams to end-of-file, then collects the exit status.
    pub fn finish(self) -> Output {
        self.try_finish().unwrap_or_else(|late| panic!("{late}"))
    }

    /// [`Running::finish`], with the deadline reported as an error (and the
    /// child killed, by its pid, when `self` is dropped).
    pub fn try_finish(mut self) -> Result<Output, String> {
        self.try_read_until(|_| false)?;
        let mut child = self.child.take().expect("finished once");
        // Both streams are closed: the child is exiting, so this wait is short.
        // (With neither stream piped, this is the only wait: bounded by the
        // program, which the tests that do so expect to end at once.)
        let status = child.wait().expect("waitpid");
        Ok(Output {
            status,
            stdout: std::mem::take(&mut self.out),
            stderr: std::mem::take(&mut self.err),
        })
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
    let sandbox = Sandbox::new();
    let mut command = sandbox.command(program);
    command.args(args);
    let output = Running::spawn(program.name, command).finish();
    assert!(output.status.success(), "{}: {output:?}", program.name);
    sandbox.assert_nothing_left(program.name);
}

/// A transcript's command line for arguments that may be any bytes.
pub fn command_line(name: &str, args: &[impl AsRef<OsStr>]) -> String {
    let mut text = format!("$ cargo run --bin {name}");
    if !args.is_empty() {
        text.push_str(" --");
        for arg in args {
            text.push(' ');
            text.push_str(&crate::cli::shown(arg));
        }
    }
    text
}

/// The checks every chapter program gets, each a test of its own in a module
/// named after the program:
///
/// | test | what it checks |
/// |---|---|
/// | `output` | the output is the snapshot `NAME.snap` that the book includes |
/// | `is_deterministic` | 100 runs, 8 at a time, print the same |
/// | `answers_help` | `--help` prints a usage line and exits with 0 |
/// | `rejects_bad_arguments` | an unexpected argument gets a usage error (snapshot `NAME-bad-argument.snap`) |
/// | `rejects_bad_input` | the bad-input matrix of [`matrix`]: unknown options (one not UTF-8, one of 100 000 bytes), and the chapter's own `bad_inputs` |
/// | `survives_a_failing_stdout` | standard output full, closed, and a pipe nobody reads ([`matrix::assert_stdout_failures`]) |
/// | `stress` (ignored) | what `cargo xtask stress` runs ([`stress`]) |
///
/// Programs with more to check get more tests beside these.
///
/// # The forms
///
/// `chapter_program!(NAME)` is for a program that takes no arguments: it also
/// gets [`matrix::NO_ARGUMENTS`] (an empty argument, one that is not UTF-8, a
/// lone `-`, one of 100 000 bytes) as bad input.
///
/// `chapter_program!(NAME, args: [...], filters: EXPR)` runs the program with
/// those arguments for the snapshot, the determinism check, the standard
/// output checks and the stress, and applies the filters, a [`Filters`], to
/// what is compared.
///
/// `chapter_program!(NAME, output_checked_by: PATH, bad_arguments: [...])` is
/// for a program whose output only makes sense beside another's (a server and
/// its clients): the test function at `PATH` checks the output and its
/// determinism (the macro refers to it, so it cannot go missing, and the
/// stress calls it), and the macro checks `--help` and the bad arguments
/// given. Add `stdout_args: [...]` (after `bad_inputs`, see below) to give
/// arguments with which the program runs on its own until it is stopped (a
/// server, with `{tmp}` for its `TMPDIR`): the standard output checks and the
/// stress's killed runs use them. Or add `kill_args: [...]`, arguments with
/// which it runs until it is killed without printing (a client waiting for a
/// server, `{mute}`, that never answers): the stress's killed runs use them.
///
/// A program whose output is a measurement, which many copies at once or
/// random kills would only disturb, says so with `not_stressed: "why"` after
/// `bad_arguments` (with `output_checked_by`): `cargo xtask stress` then
/// leaves it out.
///
/// The forms with `args` or `output_checked_by` take a clause `bad_inputs:
/// [[...], [...]]` (last, or before `stdout_args`): the argument lists that
/// must be refused, at least one of each kind that applies to the program: a
/// missing value, a number that is not one, negative or out of range, an empty
/// argument, bytes that are not UTF-8 (`{xff}`), 100 000 bytes (`{huge}`), a
/// path that does not exist (`{missing}`), is a directory (`{dir}`), a regular
/// file (`{file}`) or a FIFO nobody opens (`{fifo}`) in place of what it
/// should be, an identifier or key that does not exist or is not yours.
/// `{tmp}` stands for the program's `TMPDIR`. A program of an
/// `output_checked_by` form takes arguments, and lists at least six (a test,
/// `lists_at_least_six_bad_inputs`, fails otherwise).
///
/// # What a new program must do to pass
///
/// Run through [`crate::cli::run`] or [`crate::cli::run_parent_and_child`]
/// (standard output failures, signals and closed descriptors are then handled
/// for it), and:
///
/// - take its options before its operands with [`crate::cli::Args`]
///   (`take_flag`, `take_value`, then `next_arg`/`next_path`/`next_os`), and
///   end with `args.finish()?`, so that unknown options and extra arguments
///   are usage errors;
/// - read text with `next_arg` (not UTF-8: a usage error) and paths with
///   `next_path` (any bytes; empty: a usage error);
/// - parse numbers with a usage error that shows the argument through
///   [`crate::cli::shown`] (never the whole of a huge argument);
/// - print nothing on standard output before it has checked its arguments;
/// - create files only in a [`crate::temp::dir`], or register them with
///   [`crate::cleanup`], and own every System V object through a type that
///   removes it when dropped;
/// - never wait without a bound on another process that may be gone.
#[macro_export]
macro_rules! chapter_program {
    ($name:ident) => {
        $crate::chapter_program!(
            $name,
            args: [],
            filters: Vec::new(),
            bad_inputs: [[""], ["{xff}"], ["-"], ["{huge}"]]
        );
    };
    ($name:ident, args: [$($arg:expr),*], filters: $filters:expr) => {
        $crate::chapter_program!(
            $name, args: [$($arg),*], filters: $filters, bad_inputs: []
        );
    };
    (
        $name:ident,
        args: [$($arg:expr),*],
        filters: $filters:expr,
        bad_inputs: [$([$($input:expr),*]),*]
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            const PROGRAM: $crate::testing::Program =
                $crate::program!(stringify!($name));

            const ARGS: &[&str] = &[$($arg),*];

            fn filters() -> $crate::testing::Filters {
                $filters
            }

            #[test]
            fn output() {
                PROGRAM.snapshot(stringify!($name), ARGS, &filters());
            }

            #[test]
            fn is_deterministic() {
                PROGRAM.assert_deterministic(ARGS, &filters(), 100, 8);
            }

            #[test]
            fn survives_a_failing_stdout() {
                $crate::testing::assert_stdout_failures(PROGRAM, ARGS);
            }

            #[test]
            #[ignore = "run by cargo xtask stress"]
            fn stress() {
                $crate::testing::stress::stress(
                    PROGRAM,
                    &$crate::testing::stress::Alone {
                        program: PROGRAM,
                        args: ARGS,
                        filters: filters(),
                    },
                );
            }

            $crate::chapter_program!(@help_and_bad_arguments ["bogus"]);
            $crate::chapter_program!(@bad_input [$([$($input),*]),*]);
        }
    };
    (
        $name:ident,
        output_checked_by: $checks:path,
        bad_arguments: [$($bad:expr),*],
        not_stressed: $why:literal
    ) => {
        $crate::chapter_program!(
            $name,
            output_checked_by: $checks,
            bad_arguments: [$($bad),*],
            bad_inputs: [],
            not_stressed: $why
        );
    };
    (
        $name:ident,
        output_checked_by: $checks:path,
        bad_arguments: [$($bad:expr),*],
        bad_inputs: [$([$($input:expr),*]),*],
        not_stressed: $why:literal
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            const PROGRAM: $crate::testing::Program =
                $crate::program!(stringify!($name));

            #[allow(dead_code)]
            const OUTPUT_CHECKED_BY: fn() = $checks;

            /// Why `cargo xtask stress` leaves this program out.
            #[allow(dead_code)]
            const NOT_STRESSED: &str = $why;

            $crate::chapter_program!(@help_and_bad_arguments [$($bad),*]);
            $crate::chapter_program!(@bad_input [$([$($input),*]),*]);
            $crate::chapter_program!(@six_kinds [$([$($input),*]),*]);
        }
    };
    ($name:ident, output_checked_by: $checks:path, bad_arguments: [$($bad:expr),*]) => {
        $crate::chapter_program!(
            $name,
            output_checked_by: $checks,
            bad_arguments: [$($bad),*],
            bad_inputs: []
        );
    };
    (
        $name:ident,
        output_checked_by: $checks:path,
        bad_arguments: [$($bad:expr),*],
        bad_inputs: [$([$($input:expr),*]),*]
    ) => {
        $crate::chapter_program!(
            @beside $name, $checks, [$($bad),*], [$([$($input),*]),*], None, {}
        );
    };
    (
        $name:ident,
        output_checked_by: $checks:path,
        bad_arguments: [$($bad:expr),*],
        bad_inputs: [$([$($input:expr),*]),*],
        stdout_args: [$($alone:expr),*]
    ) => {
        $crate::chapter_program!(
            @beside $name, $checks, [$($bad),*], [$([$($input),*]),*],
            Some(&[$($alone),*]),
            {
                #[test]
                fn survives_a_failing_stdout() {
                    $crate::testing::assert_stdout_failures(
                        PROGRAM,
                        &[$($alone),*],
                    );
                }
            }
        );
    };
    (
        $name:ident,
        output_checked_by: $checks:path,
        bad_arguments: [$($bad:expr),*],
        bad_inputs: [$([$($input:expr),*]),*],
        kill_args: [$($alone:expr),*]
    ) => {
        $crate::chapter_program!(
            @beside $name, $checks, [$($bad),*], [$([$($input),*]),*],
            Some(&[$($alone),*]),
            {}
        );
    };
    (
        @beside $name:ident,
        $checks:path,
        [$($bad:expr),*],
        [$([$($input:expr),*]),*],
        $alone:expr,
        { $($more:item)* }
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            const PROGRAM: $crate::testing::Program =
                $crate::program!(stringify!($name));

            #[test]
            #[ignore = "run by cargo xtask stress"]
            fn stress() {
                $crate::testing::stress::stress(
                    PROGRAM,
                    &$crate::testing::stress::Beside {
                        program: PROGRAM,
                        checks: $checks,
                        alone: $alone,
                    },
                );
            }

            $($more)*

            $crate::chapter_program!(@help_and_bad_arguments [$($bad),*]);
            $crate::chapter_program!(@bad_input [$([$($input),*]),*]);
            $crate::chapter_program!(@six_kinds [$([$($input),*]),*]);
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
    (@six_kinds [$([$($input:expr),*]),*]) => {
        /// A program that takes arguments (the `output_checked_by` forms)
        /// lists bad inputs of its own, at least six: one of each kind that
        /// applies to it, as the macro's documentation lists them.
        #[test]
        fn lists_at_least_six_bad_inputs() {
            let listed: &[&[&str]] = &[$(&[$($input),*]),*];
            assert!(
                listed.len() >= 6,
                "{} lists {} bad inputs (`bad_inputs: [...]`): a program \
                 that takes arguments lists at least six, one of each kind \
                 that applies (harness::chapter_program!'s documentation)",
                PROGRAM.name,
                listed.len()
            );
        }
    };
    (@bad_input [$([$($input:expr),*]),*]) => {
        #[test]
        fn rejects_bad_input() {
            $crate::testing::matrix::assert_bad_input_matrix(
                PROGRAM,
                &[$(&[$($input),*]),*],
            );
        }
    };
}
