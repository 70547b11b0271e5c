//! Bad input for every program: the arguments a new user or an attacker
//! gives, and a standard output that fails.
//!
//! Each case runs the program as a real process in a [`Sandbox`], and holds
//! it to one contract: **one clear line on standard error, a non-zero exit,
//! no panic, nothing left behind.** Precisely:
//!
//! - the exit code is 2 for a usage error, and then standard error holds the
//!   line `NAME: ...` and the line `Try 'NAME --help' for more information.`;
//!   or it is 1, and standard error is the one line `NAME: ...`;
//! - the line is short (at most 300 characters: an argument of 100 000 bytes
//!   is not echoed back), and nothing says "panicked";
//! - nothing is printed on standard output for a usage error (a failure, exit
//!   code 1, may follow a partial report: `ipcrm_mine msg=99` lists what it
//!   could not find);
//! - the program's working directory and its `TMPDIR` are empty afterwards,
//!   and the sandbox's fixtures (a directory, a regular file, a FIFO) are as
//!   they were.
//!
//! [`generic_bad_inputs`] are given to every program, and
//! [`NO_ARGUMENTS`] to every program that takes none; a chapter adds its own
//! (a number out of range, a path that is a directory...) through the
//! `bad_inputs` of [`crate::chapter_program!`], where `{dir}`, `{file}`,
//! `{fifo}` and `{missing}` stand for the sandbox's fixtures, `{tmp}` for its
//! `TMPDIR`, `{xff}` for the byte 0xFF (never UTF-8) and `{huge}` for 100 000
//! bytes.
//!
//! [`assert_stdout_failures`] runs the program with its ordinary arguments
//! and standard output full (`/dev/full`), closed, and a pipe nobody reads.
//!
//! Files are checked here, case by case. System V and POSIX objects cannot
//! be told apart from other tests' while the suite runs: CI (`.ci/run`)
//! checks them around the whole suite, and `cargo xtask stress` around each
//! program.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use nix::sys::stat::Mode;

use super::{command_line, Program, Running};

/// The longest error line the contract accepts.
const LONGEST_LINE: usize = 300;

/// A fresh place to run a program: an empty working directory, an empty
/// directory for its `TMPDIR`, and fixtures for bad paths, all removed when
/// the sandbox is dropped.
pub struct Sandbox {
    root: tempfile::TempDir,
    /// The read end of `fixtures/mute`, held open for the sandbox's life.
    _mute: std::io::PipeReader,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    /// Creates `tmp/`, `work/` and the fixtures `fixtures/dir/`,
    /// `fixtures/file` (holding `precious`), `fixtures/fifo` (a FIFO that
    /// nobody opens) and `fixtures/mute` (a FIFO that the sandbox reads, and
    /// never answers: a server that cannot reply).
    pub fn new() -> Sandbox {
        let root = tempfile::Builder::new()
            .prefix("apue-ipc-sandbox.")
            .tempdir()
            .expect("a sandbox");
        for dir in ["tmp", "work", "fixtures/dir"] {
            fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        fs::write(root.path().join("fixtures/file"), b"precious")
            .expect("write");
        for fifo in ["fixtures/fifo", "fixtures/mute"] {
            nix::unistd::mkfifo(
                &root.path().join(fifo),
                Mode::from_bits_truncate(0o600),
            )
            .expect("mkfifo");
        }
        let mute = apue_ipc::fifo::open_reader(
            &root.path().join("fixtures/mute"),
            apue_ipc::fifo::Open::NonBlocking,
        )
        .expect("open mute");
        Sandbox { root, _mute: mute }
    }

    /// The sandbox's own directory, which holds the others.
    pub fn root(&self) -> &std::path::Path {
        self.root.path()
    }

    /// The program's `TMPDIR`.
    pub fn tmpdir(&self) -> PathBuf {
        self.root.path().join("tmp")
    }

    /// The program's working directory.
    pub fn workdir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// `arg` with `{dir}`, `{file}`, `{fifo}`, `{mute}`, `{missing}` and
    /// `{tmp}` replaced by the sandbox's paths, `{xff}` by the byte 0xFF, and
    /// `{huge}` by 100 000 `x`.
    pub fn expand(&self, arg: &str) -> OsString {
        let fixtures = self.root.path().join("fixtures");
        let mut bytes = arg.as_bytes().to_vec();
        for (name, value) in [
            ("{dir}", fixtures.join("dir").into_os_string()),
            ("{file}", fixtures.join("file").into_os_string()),
            ("{fifo}", fixtures.join("fifo").into_os_string()),
            ("{mute}", fixtures.join("mute").into_os_string()),
            ("{missing}", fixtures.join("missing").into_os_string()),
            ("{tmp}", self.tmpdir().into_os_string()),
            ("{xff}", OsStr::from_bytes(b"\xff").to_os_string()),
            ("{huge}", OsString::from("x".repeat(100_000))),
        ] {
            bytes = replace(&bytes, name.as_bytes(), value.as_bytes());
        }
        OsStr::from_bytes(&bytes).to_os_string()
    }

    /// `program`'s command (see [`Program::command`]) run in the sandbox.
    pub fn command(&self, program: Program) -> Command {
        let mut command = program.command();
        command
            .env("TMPDIR", self.tmpdir())
            .current_dir(self.workdir());
        command
    }

    /// What the program left in its working directory and `TMPDIR`, and what
    /// happened to the fixtures.
    pub fn left_behind(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for dir in [self.tmpdir(), self.workdir()] {
            match fs::read_dir(&dir) {
                Ok(entries) => problems.extend(
                    entries
                        .flatten()
                        .map(|e| format!("left {}", e.path().display())),
                ),
                Err(err) => problems.push(format!("{}: {err}", dir.display())),
            }
        }
        let fixtures = self.root.path().join("fixtures");
        if !fixtures.join("dir").is_dir() {
            problems.push("the directory fixture is gone".into());
        }
        if fs::read(fixtures.join("file")).ok().as_deref()
            != Some(&b"precious"[..])
        {
            problems.push("the regular file fixture changed".into());
        }
        if !fs::symlink_metadata(fixtures.join("fifo"))
            .is_ok_and(|m| m.file_type().is_fifo())
        {
            problems.push("the FIFO fixture is gone".into());
        }
        if fixtures.join("missing").exists() {
            problems.push(format!(
                "{} was created",
                fixtures.join("missing").display()
            ));
        }
        problems
    }

    /// Panics, naming `name`, if the program left anything behind.
    pub fn assert_nothing_left(&self, name: &str) {
        let left = self.left_behind();
        assert!(left.is_empty(), "{name}: {}", left.join("; "));
    }
}

/// `bytes` with every `from` replaced by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// The bad input every program gets, whatever it takes: options no program
/// has, an ordinary one, one that is not UTF-8, and one of 100 000 bytes
/// (which the message must not echo whole). Operands cannot be bad for every
/// program (for one that takes a path, `\xFF` is a fine name): see
/// [`NO_ARGUMENTS`] and the chapter's own `bad_inputs`.
pub fn generic_bad_inputs() -> Vec<Vec<OsString>> {
    vec![
        vec!["--frobnicate".into()],
        vec![OsStr::from_bytes(b"--\xff\xfe").to_os_string()],
        vec![format!("--{}", "x".repeat(100_000)).into()],
    ]
}

/// The bad input of a program that takes no arguments, beside the generic
/// ones: an empty argument, one that is not UTF-8, a lone `-`, and one of
/// 100 000 bytes.
pub const NO_ARGUMENTS: &[&[&str]] = &[&[""], &["{xff}"], &["-"], &["{huge}"]];

/// Runs `program` with `args` (after [`Sandbox::expand`]) and asserts the
/// contract of this module; returns the transcript.
pub fn assert_rejects(program: Program, args: &[OsString]) -> String {
    let sandbox = Sandbox::new();
    // Placeholders are expanded in the arguments that are text.
    let args: Vec<OsString> = args
        .iter()
        .map(|arg| match arg.to_str() {
            Some(text) => sandbox.expand(text),
            None => arg.clone(),
        })
        .collect();
    let mut command = sandbox.command(program);
    command.args(&args);
    let output = Running::spawn(program.name, command).finish();
    let transcript = transcript(program.name, &args, &output);
    let problems = contract(program.name, &output, &sandbox);
    assert!(problems.is_empty(), "{}\n{transcript}", problems.join("\n"));
    transcript
}

/// Every way in which `output` breaks the contract.
fn contract(name: &str, output: &Output, sandbox: &Sandbox) -> Vec<String> {
    let mut problems = sandbox.left_behind();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let prefix = format!("{name}: ");
    let try_help = format!("Try '{name} --help' for more information.");
    match output.status.code() {
        Some(2) => {
            if lines.len() != 2 || lines[1] != try_help {
                problems.push(format!(
                    "a usage error (exit code 2) is one line and \"{try_help}\""
                ));
            }
        }
        Some(1) => {
            if lines.len() != 1 {
                problems.push("a failure (exit code 1) is one line".into());
            }
        }
        _ => problems.push(format!(
            "the exit code must be 1 or 2, not {}",
            output.status
        )),
    }
    match lines.first() {
        Some(line) if line.starts_with(&prefix) => {
            if line.chars().count() > LONGEST_LINE {
                problems.push(format!(
                    "the line is {} characters long",
                    line.chars().count()
                ));
            }
        }
        _ => problems.push(format!("the message must start with \"{prefix}\"")),
    }
    if stderr.contains("panicked") {
        problems.push("the program panicked".into());
    }
    if output.status.code() == Some(2) && !output.stdout.is_empty() {
        problems
            .push("a usage error printed something on standard output".into());
    }
    problems
}

/// The run as a terminal would show it, each line cut at 300 characters (an
/// assertion message must stay readable when a program echoes 100 000 bytes).
fn transcript(name: &str, args: &[OsString], output: &Output) -> String {
    let cut = |bytes: &[u8]| -> String {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|line| match line.char_indices().nth(300) {
                Some((end, _)) => format!("{}... (cut)\n", &line[..end]),
                None => format!("{line}\n"),
            })
            .collect()
    };
    format!(
        "{}\n{}{}[{}]",
        command_line(name, args),
        cut(&output.stdout),
        cut(&output.stderr),
        output.status
    )
}

/// Every case of the generic matrix and every case in `extra`.
pub fn assert_bad_input_matrix(program: Program, extra: &[&[&str]]) {
    for args in generic_bad_inputs() {
        assert_rejects(program, &args);
    }
    for args in extra {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        assert_rejects(program, &args);
    }
}

/// Runs `program` with `args` (expanded as in [`Sandbox::expand`]) three
/// times, its standard output each time failing in another way:
///
/// - `/dev/full`: every write fails with `ENOSPC`; the program says
///   `NAME: write(stdout): No space left on device (ENOSPC)` and exits with 1;
/// - closed (`>&-`): it says `NAME: write(stdout): Bad file descriptor (EBADF)`
///   and exits with 1, before doing anything;
/// - a pipe whose reader has closed it: it ends, killed by `SIGPIPE`, without
///   a word, as a C program does in `program | head -1`.
///
/// In each case it must leave nothing behind.
pub fn assert_stdout_failures(program: Program, raw: &[&str]) {
    let name = program.name;
    let expand = |sandbox: &Sandbox| -> Vec<OsString> {
        raw.iter().map(|arg| sandbox.expand(arg)).collect()
    };
    let sandbox = Sandbox::new();
    let mut command = sandbox.command(program);
    command.args(expand(&sandbox));
    assert_stdout_full(name, command);
    sandbox.assert_nothing_left(name);

    // closed: the shell closes it before it runs the program
    let sandbox = Sandbox::new();
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(program.exe())
        .args(expand(&sandbox))
        .env("TMPDIR", sandbox.tmpdir())
        .current_dir(sandbox.workdir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = Running::spawn(name, command).finish();
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ),
        (
            Some(1),
            format!("{name}: write(stdout): Bad file descriptor (EBADF)\n")
                .into()
        ),
        "{name} >&-"
    );
    sandbox.assert_nothing_left(name);

    let sandbox = Sandbox::new();
    let mut command = sandbox.command(program);
    command.args(expand(&sandbox));
    assert_stdout_broken(name, command);
    sandbox.assert_nothing_left(name);
}

/// Runs `command` (the program `name`) with its standard output on
/// `/dev/full`, and asserts that it says `NAME: write(stdout): No space left
/// on device (ENOSPC)` and exits with 1.
pub fn assert_stdout_full(name: &'static str, mut command: Command) {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    command.stdout(full);
    let output = Running::spawn(name, command).finish();
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ),
        (
            Some(1),
            format!(
                "{name}: write(stdout): No space left on device (ENOSPC)\n"
            )
            .into()
        ),
        "{name} >/dev/full"
    );
}

/// Runs `command` (the program `name`) with its standard output a pipe whose
/// reader is gone, and asserts that it ends killed by `SIGPIPE`, without a
/// word.
pub fn assert_stdout_broken(name: &'static str, mut command: Command) {
    let apue_ipc::pipe::Pipe { reader, writer } =
        apue_ipc::pipe::Pipe::new().expect("pipe");
    drop(reader);
    command.stdout(writer);
    let output = Running::spawn(name, command).finish();
    assert_eq!(
        (
            output.status.signal(),
            String::from_utf8_lossy(&output.stderr)
        ),
        (Some(libc::SIGPIPE), "".into()),
        "{name} | (a reader that has gone): {}",
        output.status
    );
}
