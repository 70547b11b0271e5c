//! What every chapter program shares: `--help`, argument errors, exit codes,
//! standard output that fails cleanly, cleanup on signals, and starting a
//! second copy of itself as a child process.
//!
//! The programs follow the conventions of Kerrisk's TLPI programs: a header comment that
//! says what the program demonstrates, `--help` that says the same on the terminal, a
//! message naming what was wrong on bad input, and an exit code a script can test:
//!
//! | exit code | meaning                                            |
//! |-----------|----------------------------------------------------|
//! | 0         | the demonstration ran                              |
//! | 1         | a system call failed (the message names it)        |
//! | 2         | the command line was wrong (the message says how)  |
//!
//! A program that calls [`run`] (or [`run_parent_and_child`]) gets the rest
//! without writing a line of it:
//!
//! - **Arguments are bytes.** A path need not be UTF-8, so arguments are
//!   `OsString`s: [`Args::next_path`] and [`Args::next_os`] take any bytes,
//!   [`Args::next_arg`] refuses what is not UTF-8 with a usage error.
//! - **Standard output may fail.** Written to `/dev/full`, a write fails with
//!   `ENOSPC`: the program stops with one line, `NAME: write(stdout): No space
//!   left on device (ENOSPC)`, and exit code 1. Written to a pipe whose reader
//!   has gone (`NAME | head -1`), it ends quietly, killed by `SIGPIPE` as a C
//!   program would be. Started with standard output closed, it says so and
//!   exits with 1 before doing anything. `println!` needs no change for this:
//!   its panic is caught, the destructors run as it unwinds, and the panic
//!   message is replaced by the line above.
//! - **`SIGINT`, `SIGTERM` and `SIGHUP` clean up.** The files a program
//!   registered ([`crate::cleanup`], which [`crate::temp::dir`] uses) are
//!   removed before the signal ends the process, and a helper process removes
//!   them even after a `SIGKILL`.
//! - **A child notices its parent's death.** The child half of
//!   [`run_parent_and_child`] gets `SIGHUP` when its parent dies
//!   (`PR_SET_PDEATHSIG`), says so and exits, instead of waiting forever for a
//!   parent that is gone.
//!
//! Where the C program calls `fork` and lets the child carry on in the same code, these
//! programs start themselves again with a *role* argument (see [`child_command`]). `fork`
//! without `exec` is only sound in a process that has a single thread, which a library
//! cannot promise; fork-and-exec of the same binary is always sound, and it is what a
//! shell does to run any external command. The exceptions are the programs whose child
//! must inherit memory (the mmap and pthread chapters): they fork through
//! `apue_ipc::fork::fork`, which checks that there is one thread, run the child's
//! half with [`forked_child`] and wait for it with [`wait_forked`].

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, ExitStatus};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use apue_ipc::{Context, Error};
use nix::sys::signal::Signal;

use crate::{cleanup, stdio};

/// Why a program stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The command line was wrong: exit code 2, with a pointer to `--help`.
    Usage(String),
    /// The demonstration itself failed: exit code 1.
    Runtime(Box<dyn std::error::Error>),
}

impl<E: std::error::Error + 'static> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Runtime(Box::new(err))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Runtime(err) => err.fmt(f),
        }
    }
}

/// How many characters of an argument a message shows: a 128 KB argument is
/// named by its start and its length, not echoed back whole.
const SHOWN_CHARS: usize = 40;

/// `arg` as a message shows it: control characters escaped, bytes that are
/// not UTF-8 written `\xFF`, and anything past the first 40 characters left
/// out, with the length in bytes said instead.
pub fn shown(arg: impl AsRef<OsStr>) -> String {
    let bytes = arg.as_ref().as_bytes();
    let mut pieces = bytes.utf8_chunks().flat_map(|chunk| {
        let valid = chunk.valid().chars().map(|c| c.escape_debug().to_string());
        let invalid = chunk.invalid().iter().map(|b| format!("\\x{b:02X}"));
        valid.chain(invalid)
    });
    let text: String = pieces.by_ref().take(SHOWN_CHARS).collect();
    match pieces.next() {
        Some(_) => format!("{text}... ({} bytes)", bytes.len()),
        None => text,
    }
}

/// The command-line arguments after the program name, consumed as the program reads them.
///
/// Options come first and operands after them, as POSIX's utility conventions
/// ask (guideline 9): the first argument that does not start with `-`, or
/// `--`, ends the options, and everything after it is an operand, even one
/// that starts with `-` (`fifo_client FIFO -5` sends `-5`).
#[derive(Debug)]
pub struct Args {
    /// The options, in order: the arguments before the first operand.
    options: VecDeque<OsString>,
    /// The operands.
    operands: VecDeque<OsString>,
}

impl Args {
    /// Arguments taken from `args`, for programs and tests that build their own.
    pub fn from_vec(args: Vec<String>) -> Self {
        Args::from_os(args.into_iter().map(OsString::from).collect())
    }

    /// Arguments taken from `args`, as the operating system gave them: any
    /// bytes.
    pub fn from_os(args: Vec<OsString>) -> Self {
        let mut operands: VecDeque<OsString> = args.into();
        let mut options = VecDeque::new();
        while let Some(arg) = operands.front() {
            let bytes = arg.as_bytes();
            if bytes == b"--" {
                operands.pop_front();
                break;
            }
            if !bytes.starts_with(b"-") || bytes == b"-" {
                break;
            }
            options.extend(operands.pop_front());
        }
        Args { options, operands }
    }

    /// Whether `--help` or `-h` is among the options.
    pub fn wants_help(&self) -> bool {
        self.options
            .iter()
            .any(|arg| arg == "--help" || arg == "-h")
    }

    /// The next argument, if any, as the operating system gave it: any bytes.
    /// An option that the program did not take first (with
    /// [`Args::take_flag`] or [`Args::take_value`]) is not part of its
    /// interface, and is refused as a usage error.
    pub fn next_os(&mut self) -> Result<Option<OsString>, Failure> {
        match self.options.pop_front() {
            Some(option) => Err(Failure::Usage(format!(
                "unknown option '{}'",
                shown(option)
            ))),
            None => Ok(self.operands.pop_front()),
        }
    }

    /// The next argument, if any, as text. An argument that is not UTF-8 is a
    /// usage error that says so (use [`Args::next_path`] or [`Args::next_os`]
    /// for an argument that may be any bytes, such as a path).
    pub fn next_arg(&mut self) -> Result<Option<String>, Failure> {
        match self.next_os()? {
            None => Ok(None),
            Some(arg) => arg.into_string().map(Some).map_err(|arg| {
                Failure::Usage(format!(
                    "argument '{}' is not valid UTF-8",
                    shown(arg)
                ))
            }),
        }
    }

    /// The next argument, if any, as a path: any bytes but none (an empty
    /// path names no file, and is a usage error).
    pub fn next_path(&mut self) -> Result<Option<PathBuf>, Failure> {
        match self.next_os()? {
            Some(arg) if arg.is_empty() => {
                Err(Failure::Usage("a path cannot be empty".into()))
            }
            other => Ok(other.map(PathBuf::from)),
        }
    }

    /// Whether `flag` (such as `--remove`) is among the options, which it then leaves
    /// out: for the few programs that take an option besides `--help`.
    pub fn take_flag(&mut self, flag: &str) -> bool {
        let before = self.options.len();
        self.options.retain(|arg| arg != flag);
        self.options.len() != before
    }

    /// The value of the option `option` given as `OPTION=VALUE` (such as
    /// `--timeout=5`), which it then leaves out; `None` if the option is not
    /// given. The option without `=VALUE` is a usage error that shows the form
    /// expected; given twice, the last one counts.
    pub fn take_value(
        &mut self,
        option: &str,
    ) -> Result<Option<OsString>, Failure> {
        let mut value = None;
        let mut missing = false;
        self.options.retain(|arg| {
            let bytes = arg.as_bytes();
            if bytes == option.as_bytes() {
                missing = true;
                return false;
            }
            match bytes
                .strip_prefix(option.as_bytes())
                .and_then(|rest| rest.strip_prefix(b"="))
            {
                Some(rest) => {
                    value = Some(OsStr::from_bytes(rest).to_os_string());
                    false
                }
                None => true,
            }
        });
        if missing {
            return Err(Failure::Usage(format!(
                "option '{option}' needs a value: {option}=VALUE"
            )));
        }
        Ok(value)
    }

    /// Fails with a usage error if any argument is left unread.
    pub fn finish(mut self) -> Result<(), Failure> {
        match self.next_os()? {
            Some(arg) => Err(Failure::Usage(format!(
                "unexpected argument '{}'",
                shown(arg)
            ))),
            None => Ok(()),
        }
    }
}

/// The environment variable through which a parent tells the child it starts
/// with [`child_command`] its process id, so that the child can tell whether
/// its parent is still there.
const PARENT_PID: &str = "APUE_IPC_PARENT_PID";

/// Runs a chapter program: answers `--help` with `help`, otherwise calls `body` with the
/// arguments and turns its outcome into an exit code and, on failure, one line on stderr
/// that starts with the program's `name`.
///
/// Before `body` runs, standard input, output and error are made safe (a
/// closed descriptor is reopened on `/dev/null`, so that no file the program
/// opens lands on it; a closed standard output is an error at once), a thread
/// starts that waits for `SIGINT`, `SIGTERM` and `SIGHUP` (see
/// [`crate::cleanup`]), and a failed write to standard output is caught
/// wherever it happens: see the module's documentation.
pub fn run(
    name: &str,
    help: &str,
    body: impl FnOnce(Args) -> Result<(), Failure>,
) -> ExitCode {
    run_as(name, help, None, body)
}

fn run_as(
    name: &str,
    help: &str,
    parent: Option<nix::unistd::Pid>,
    body: impl FnOnce(Args) -> Result<(), Failure>,
) -> ExitCode {
    if let Some(code) = cleanup::serve_if_reaper() {
        return code;
    }
    if let Err(err) = stdio::reopen_closed() {
        eprintln!("{name}: {err}");
        return ExitCode::FAILURE;
    }
    cleanup::install(name, parent);
    stdio::catch_stdout_failures();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let args = Args::from_os(std::env::args_os().skip(1).collect());
        if args.wants_help() {
            print!("{help}");
            return Ok(());
        }
        body(args)
    }));
    stdio::flush_stdout();
    cleanup::finish();
    if let Some(failure) = stdio::stdout_failure() {
        return stdio::exit_for_stdout_failure(name, failure, parent.is_some());
    }
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::Usage(message))) => {
            eprintln!(
                "{name}: {message}\nTry '{name} --help' for more information."
            );
            ExitCode::from(2)
        }
        Ok(Err(Failure::Runtime(err))) => {
            eprintln!("{name}: {err}");
            ExitCode::FAILURE
        }
        // A genuine panic: the default hook has printed it. 101 is the code
        // Rust gives a program whose main thread panics.
        Err(_) => ExitCode::from(101),
    }
}

/// Runs a program made of two halves, as the C examples that `fork` are: with
/// no argument it is the `parent`, which starts the program again (see
/// [`child_command`]) with the first argument `child` to run the `child` half.
/// Any other first argument is a usage error. Answers `--help` as [`run`] does.
///
/// The child half ends, saying so, when its parent dies: it asks the kernel
/// for `SIGHUP` at that moment (`PR_SET_PDEATHSIG`, see
/// [prctl(2)](https://man7.org/linux/man-pages/man2/prctl.2.html)).
pub fn run_parent_and_child(
    name: &str,
    help: &str,
    parent: impl FnOnce(Args) -> Result<(), Failure>,
    child: impl FnOnce(Args) -> Result<(), Failure>,
) -> ExitCode {
    let is_child = std::env::args_os().nth(1).is_some_and(|arg| arg == "child");
    let expected_parent = if is_child {
        std::env::var(PARENT_PID)
            .ok()
            .and_then(|pid| pid.parse().ok())
            .map(nix::unistd::Pid::from_raw)
    } else {
        None
    };
    run_as(name, help, expected_parent, |mut args| {
        match args.next_os()? {
            None => parent(args),
            Some(role) if role == "child" => child(args),
            Some(other) => Err(Failure::Usage(format!(
                "unexpected argument '{}'",
                shown(other)
            ))),
        }
    })
}

/// A command that starts this same program again with `role` as its first argument,
/// ready for the caller to attach pipes or descriptors to it before spawning.
pub fn child_command(role: &str) -> Result<Command, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::from_io("current_exe", "self", e))?;
    let mut command = Command::new(exe);
    command
        .arg(role)
        .env(PARENT_PID, std::process::id().to_string());
    Ok(command)
}

/// Starts `command`, naming `role` in the error if the start fails.
pub fn spawn(
    command: &mut Command,
    role: &str,
) -> Result<std::process::Child, Error> {
    command
        .spawn()
        .map_err(|e| Error::from_io("fork+exec", role, e))
}

/// Waits for `child` and turns anything but a successful exit into an [`Error`] that says
/// which `role` failed and how.
///
/// A child killed by `SIGPIPE` while this program's standard output is a pipe
/// that nobody reads any more (`pipe | head -c1`) died writing the output that
/// was cut: [`run`] then ends quietly, as for its own write. A child half
/// whose standard output failed otherwise has said so on standard error:
/// [`run`] then exits with 1 and does not say it twice.
pub fn wait_success(
    mut child: std::process::Child,
    role: &str,
) -> Result<(), Error> {
    let status = child
        .wait()
        .map_err(|e| Error::from_io("waitpid", role, e))?;
    check_status(status, role)
}

/// How a child started by [`spawn`] ended, as [`wait_success`] judges it: for a
/// parent that found the child ended with `try_wait`.
pub fn check_status(status: ExitStatus, role: &str) -> Result<(), Error> {
    if status.success() {
        return Ok(());
    }
    if status.signal() == Some(Signal::SIGPIPE as i32)
        && stdio::stdout_is_broken()
    {
        stdio::record_stdout_failure(nix::errno::Errno::EPIPE);
    }
    if status.code() == Some(i32::from(stdio::CHILD_SAID_STDOUT_FAILED)) {
        stdio::record_reported_by_child();
    }
    Err(Error::unexpected(
        "waitpid",
        role,
        format!("child process ended with {status}"),
    ))
}

/// For a demonstration or an exercise (a program under `examples/` or
/// `exercises/`, run with `cargo run --example NAME`), which takes no
/// arguments: any argument ends the process with a usage error (exit code 2),
/// as it would a chapter program, instead of being ignored.
///
/// Call it first in `main`; `tests/layout.rs` checks that every demonstration
/// does (or calls [`demonstration_role`]). Like those two, it also makes a
/// failed write to standard output end the demonstration as it ends a program
/// (see [`ends_like_a_program_when_stdout_fails`]).
pub fn takes_no_arguments() {
    ends_like_a_program_when_stdout_fails();
    if let Some(arg) = std::env::args_os().nth(1) {
        refuse_demonstration_argument(&arg);
    }
}

/// A demonstration prints with `println!`, which panics when the write fails
/// (`>/dev/full`, `| head -c1`, `>&-`): a backtrace and exit code 101, where a
/// program run by [`run`] prints one line and exits with 1. From the first
/// call on, this process does the same: the panic hook of [`run`] records the
/// failure and keeps quiet, the panic unwinds as before (so every destructor
/// on the way runs, and System V objects are removed), and when the process
/// exits (`main` returning, or ending with 101 after the panic: both go
/// through exit(3)), a function registered with atexit(3) says what failed in
/// one line and exits with 1, or raises `SIGPIPE` for a pipe nobody reads.
/// A standard output that was closed when the process started (`>&-`) ends
/// it at once, as for a program: nothing it printed could be seen.
///
/// It cannot free a thread that waits for one that panicked: a demonstration
/// whose threads or processes wait for each other prints with [`say`] and
/// does its part whether the line was written or not.
pub fn ends_like_a_program_when_stdout_fails() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Err(err) = stdio::reopen_closed() {
            eprintln!("{}: {err}", demonstration_name());
            std::process::exit(1);
        }
        stdio::catch_stdout_failures();
        // SAFETY: registers a function that takes nothing and returns
        // nothing; exit(3) calls it once, in the thread that exits, where it
        // may do what a program does at its end: read what the panic hook
        // recorded, write one line to standard error, end the process.
        let _ = unsafe { libc::atexit(exit_as_a_program_would) };
    });
}

extern "C" fn exit_as_a_program_would() {
    if let Some(failure) = stdio::stdout_failure() {
        let code = stdio::exit_status_for_stdout_failure(
            &demonstration_name(),
            failure,
            false,
        );
        // SAFETY: ends the process at once, as exit(3) was about to; the
        // handlers registered before this one (none of Rust's) do not run.
        unsafe { libc::_exit(i32::from(code)) };
    }
}

/// The name the demonstration was started under (its file's name).
fn demonstration_name() -> String {
    let exe = std::env::args_os().next().map(PathBuf::from);
    exe.as_deref()
        .and_then(|exe| exe.file_name())
        .map_or("demonstration".into(), |name| {
            name.to_string_lossy().into_owned()
        })
}

/// For a demonstration that runs itself again as its own child (see
/// [`child_command`]): `None` when it was started without arguments, as a
/// reader starts it; the arguments after `child` when it runs as its own
/// child. Anything else ends the process with a usage error (exit code 2).
pub fn demonstration_role() -> Option<Vec<String>> {
    ends_like_a_program_when_stdout_fails();
    let mut args = std::env::args_os().skip(1);
    let first = args.next()?;
    if first != "child" {
        refuse_demonstration_argument(&first);
    }
    let rest: Result<Vec<String>, OsString> =
        args.map(OsString::into_string).collect();
    match rest {
        Ok(rest) => Some(rest),
        Err(arg) => refuse_demonstration_argument(&arg),
    }
}

/// For a demonstration that runs itself again in one of `roles` (`"reader"`,
/// `"store"`...) and reads the arguments after the role itself: nothing
/// happens when it was started without arguments, as a reader starts it, or
/// with one of `roles` first. Anything else ends the process with a usage
/// error (exit code 2).
pub fn takes_roles(roles: &[&str]) {
    ends_like_a_program_when_stdout_fails();
    if let Some(arg) = std::env::args_os().nth(1) {
        if !roles.iter().any(|role| arg == *role) {
            refuse_demonstration_argument(&arg);
        }
    }
}

fn refuse_demonstration_argument(arg: &OsStr) -> ! {
    let name = demonstration_name();
    eprintln!(
        "{name}: unexpected argument '{}'\nThis demonstration takes no \
         arguments: cargo run --example {name}",
        shown(arg)
    );
    std::process::exit(2);
}

/// A child process that a thread waits for, so that a call which waits for
/// the child to do its part (a blocking `open` of a FIFO, which returns once
/// the child opens the other end) cannot wait forever if the child ends
/// first, having failed or been killed.
///
/// [`ChildWatch::arm`] says how to release the waiting call if the child ends
/// (for a FIFO: open the other end oneself); [`ChildWatch::disarm`], once the
/// call has returned, fails if it returned because of that.
pub struct ChildWatch {
    role: String,
    shared: Arc<(Mutex<Watch>, Condvar)>,
    thread: Option<thread::JoinHandle<()>>,
}

type Release = Box<dyn FnOnce() -> Box<dyn std::any::Any + Send> + Send>;

struct Watch {
    /// How the child ended, once it has.
    status: Option<io::Result<ExitStatus>>,
    /// What to do if the child ends while armed.
    release: Option<Release>,
    /// What the release returned, kept until the watch is disarmed (an open
    /// descriptor, say, that must stay open until the released call returns).
    released: Option<Box<dyn std::any::Any + Send>>,
}

impl ChildWatch {
    /// Starts a thread that waits for `child`, named `role` in errors.
    pub fn new(mut child: Child, role: &str) -> ChildWatch {
        let shared = Arc::new((
            Mutex::new(Watch {
                status: None,
                release: None,
                released: None,
            }),
            Condvar::new(),
        ));
        let watched = Arc::clone(&shared);
        let thread = thread::spawn(move || {
            let status = child.wait();
            let (lock, ended) = &*watched;
            let mut watch = lock.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(release) = watch.release.take() {
                watch.released = Some(release());
            }
            watch.status = Some(status);
            ended.notify_all();
        });
        ChildWatch {
            role: role.to_string(),
            shared,
            thread: Some(thread),
        }
    }

    /// If the child ends (or has ended) before [`ChildWatch::disarm`],
    /// `release` runs, and what it returns is kept until then.
    pub fn arm<T: Send + 'static>(
        &self,
        release: impl FnOnce() -> T + Send + 'static,
    ) {
        let mut watch = self.lock();
        if watch.status.is_some() {
            watch.released = Some(Box::new(release()));
        } else {
            watch.release =
                Some(Box::new(move || Box::new(release()) as Box<_>));
        }
    }

    /// Ends the watch for the call it guarded: an error saying how the child
    /// ended if it ended before this (the call returned because it was
    /// released, or returned just as the child died).
    pub fn disarm(&self) -> Result<(), Error> {
        let mut watch = self.lock();
        watch.release = None;
        watch.released = None;
        match &watch.status {
            None => Ok(()),
            Some(Ok(status)) => Err(Error::unexpected(
                "waitpid",
                self.role.as_str(),
                format!("child process ended early, with {status}"),
            )),
            Some(Err(err)) => Err(Error::from_io(
                "waitpid",
                self.role.as_str(),
                io::Error::new(err.kind(), err.to_string()),
            )),
        }
    }

    /// Waits for the child to end, as [`wait_success`] does.
    pub fn wait_success(mut self) -> Result<(), Error> {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut watch = self.lock();
        match watch.status.take() {
            Some(Ok(status)) => check_status(status, &self.role),
            Some(Err(err)) => Err(Error::from_io("waitpid", &*self.role, err)),
            None => Err(Error::unexpected(
                "waitpid",
                self.role.as_str(),
                "the thread waiting for the child ended without a status",
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Watch> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Args {
    /// The next argument as the identifier of an XSI object (`what` names it,
    /// "set" or "segment", in the usage error): a number, 0 or more. A missing
    /// or malformed one is a usage error, so that a bad identifier from the
    /// command line gets exit code 2 and a kernel's refusal of a good-looking
    /// one, exit code 1.
    pub fn next_id(&mut self, what: &str) -> Result<i32, Failure> {
        let arg = self.next_arg()?.ok_or_else(|| {
            Failure::Usage(format!("the {what} identifier is missing"))
        })?;
        match arg.parse::<i32>() {
            Ok(id) if id >= 0 => Ok(id),
            _ => Err(Failure::Usage(format!(
                "invalid {what} identifier '{arg}'"
            ))),
        }
    }
}

/// Runs the child half of a program in a child made by `apue_ipc::fork::fork`
/// (the mmap and pthread chapters, where the child must inherit memory), as
/// [`run`] runs a program, and returns its exit status: 0; or, after one line
/// on stderr that starts with the program's `name`, 1 (2 for a usage error).
/// A standard output that failed ends it as it ends a program run by [`run`],
/// and its parent, waiting with [`wait_forked`], does not say it twice.
pub fn forked_child(
    name: &str,
    body: impl FnOnce() -> Result<(), Failure>,
) -> i32 {
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    stdio::flush_stdout();
    if let Some(failure) = stdio::stdout_failure() {
        return i32::from(stdio::exit_status_for_stdout_failure(
            name, failure, true,
        ));
    }
    match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(Failure::Usage(message))) => {
            eprintln!("{name}: child: {message}");
            2
        }
        Ok(Err(Failure::Runtime(err))) => {
            eprintln!("{name}: child: {err}");
            1
        }
        // A genuine panic: the hook has printed it.
        Err(_) => 101,
    }
}

/// Waits for a child made by `apue_ipc::fork::fork` that runs
/// [`forked_child`], as [`wait_success`] waits for a child started by
/// [`spawn`].
pub fn wait_forked(
    mut child: apue_ipc::fork::Child<'_>,
    role: &str,
) -> Result<(), Error> {
    let ended = child.wait()?;
    check_forked(ended, role)
}

/// How a child made by `apue_ipc::fork::fork` ended, as [`wait_forked`]
/// judges it: for a parent that found the child ended with
/// `apue_ipc::fork::Child::try_wait`.
pub fn check_forked(
    ended: apue_ipc::fork::Ended,
    role: &str,
) -> Result<(), Error> {
    let raw = match ended {
        apue_ipc::fork::Ended::Exited(code) => code << 8,
        apue_ipc::fork::Ended::Killed(signal) => signal as i32,
    };
    check_status(ExitStatus::from_raw(raw), role)
}

/// Prints `line` and a newline on standard output. Rust writes the line out at
/// the newline, even into a pipe, so it comes before whatever the program does
/// next (a semaphore operation, a child's start). A failed write (a full disk,
/// a closed pipe) is an error that says so, not a panic.
pub fn say(line: &str) -> Result<(), Error> {
    writeln!(std::io::stdout(), "{line}").context("write", "stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::from_vec(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn finish_refuses_leftovers() {
        let err = args(&["extra"]).finish().unwrap_err();
        assert_eq!(err.to_string(), "unexpected argument 'extra'");
        assert!(args(&[]).finish().is_ok());
    }

    #[test]
    fn take_flag_removes_every_copy() {
        let mut list = args(&["--remove", "--remove", "msg=1"]);
        assert!(list.take_flag("--remove"));
        assert!(!list.take_flag("--remove"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("msg=1"));
    }

    #[test]
    fn double_dash_ends_the_options() {
        let mut list = args(&["--", "/tmp/s.fifo", "-5", "--help"]);
        assert!(!list.wants_help());
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("/tmp/s.fifo"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("-5"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("--help"));
        assert!(list.finish().is_ok());
        assert!(args(&["-h", "x", "--", "y"]).wants_help());
    }

    /// Defect 13 of issue 10: text that starts with `-` after the first
    /// operand is an operand, not an option (and not a request for help).
    #[test]
    fn the_first_operand_ends_the_options() {
        let mut list = args(&["/tmp/s.fifo", "-5"]);
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("/tmp/s.fifo"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("-5"));
        assert!(!args(&["/tmp/s.fifo", "-h"]).wants_help());
        assert!(!args(&["/tmp/s.fifo", "--help"]).wants_help());
        let mut dash = args(&["-", "x"]);
        assert_eq!(dash.next_arg().unwrap().as_deref(), Some("-"));
    }

    #[test]
    fn identifiers_are_numbers_from_0() {
        // After the first operand, "-1" is an operand too (options come
        // first), and not a valid identifier.
        let mut list = args(&["7", "x", "-1"]);
        assert_eq!(list.next_id("set").unwrap(), 7);
        let err = list.next_id("set").unwrap_err();
        assert_eq!(err.to_string(), "invalid set identifier 'x'");
        let err = list.next_id("set").unwrap_err();
        assert!(matches!(err, Failure::Usage(_)));
        assert_eq!(err.to_string(), "invalid set identifier '-1'");
        let err = list.next_id("segment").unwrap_err();
        assert_eq!(err.to_string(), "the segment identifier is missing");
    }

    #[test]
    fn unknown_options_are_usage_errors() {
        let err = args(&["--frobnicate"]).next_arg().unwrap_err();
        assert!(matches!(err, Failure::Usage(_)));
        assert_eq!(err.to_string(), "unknown option '--frobnicate'");
    }

    /// Defect 1 of issue 10: an argument that is not UTF-8 is a usage error
    /// for text, and a path like any other for a path.
    #[test]
    fn bytes_that_are_not_utf8() {
        let raw = OsStr::from_bytes(b"caf\xe9").to_os_string();
        let mut list = Args::from_os(vec![raw.clone(), raw.clone()]);
        let err = list.next_arg().unwrap_err();
        assert!(matches!(err, Failure::Usage(_)));
        assert_eq!(err.to_string(), "argument 'caf\\xE9' is not valid UTF-8");
        assert_eq!(list.next_path().unwrap(), Some(PathBuf::from(raw)));
        let option = OsStr::from_bytes(b"-\xff").to_os_string();
        let err = Args::from_os(vec![option]).next_os().unwrap_err();
        assert_eq!(err.to_string(), "unknown option '-\\xFF'");
    }

    #[test]
    fn an_empty_path_is_a_usage_error() {
        let err = args(&[""]).next_path().unwrap_err();
        assert_eq!(err.to_string(), "a path cannot be empty");
    }

    #[test]
    fn option_values() {
        let mut list = args(&["--timeout=5", "x"]);
        assert_eq!(
            list.take_value("--timeout").unwrap(),
            Some(OsString::from("5"))
        );
        assert_eq!(list.take_value("--timeout").unwrap(), None);
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("x"));
        let err = args(&["--timeout", "5"])
            .take_value("--timeout")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "option '--timeout' needs a value: --timeout=VALUE"
        );
        // a longer option with the same start is another option
        let mut list = args(&["--timeouts=1"]);
        assert_eq!(list.take_value("--timeout").unwrap(), None);
        assert!(list.finish().is_err());
    }

    /// Minor defect of issue 10: a 128 KB argument is not echoed back whole.
    #[test]
    fn long_arguments_are_shown_by_their_start() {
        let long = "x".repeat(128 * 1024);
        let err = args(&[&long]).finish().unwrap_err().to_string();
        assert_eq!(
            err,
            format!("unexpected argument '{}... (131072 bytes)'", &long[..40])
        );
        assert_eq!(shown("tab\there"), "tab\\there");
        assert_eq!(shown("y".repeat(40)), "y".repeat(40));
    }

    #[test]
    fn a_watch_releases_a_call_when_the_child_ends_first() {
        let child = Command::new("false").spawn().unwrap();
        let watch = ChildWatch::new(child, "child");
        let (sender, receiver) = std::sync::mpsc::channel();
        watch.arm(move || sender.send(()).unwrap());
        // the "call": waits until released
        receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("released");
        let err = watch.disarm().unwrap_err();
        assert_eq!(
            err.to_string(),
            "waitpid(child): child process ended early, with exit status: 1"
        );
        assert!(watch.wait_success().is_err());
    }

    #[test]
    fn a_disarmed_watch_waits_for_a_successful_child() {
        let mut command = Command::new("cat");
        command.stdin(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        let stdin = child.stdin.take();
        let watch = ChildWatch::new(child, "child");
        watch.arm(|| panic!("the child has not ended"));
        watch.disarm().unwrap();
        drop(stdin); // cat reads end-of-file and exits with 0
        watch.wait_success().unwrap();
    }
}
