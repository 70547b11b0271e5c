//! Running one test of a student's test binary, safely.
//!
//! Each test runs alone, in a process of its own, as the leader of a process group
//! of its own (so that the processes it starts can be stopped with it, by that
//! group's id and nothing else), in a fresh private directory that is both its
//! working directory and its `TMPDIR`, with a deadline. A test that is still
//! running at the deadline has probably deadlocked: before stopping it, the runner
//! reads where each of its threads (and of the processes it started) is blocked,
//! from `/proc`. A `todo!()` reached anywhere ends the test within a second: its
//! outcome is known, and a test waiting for a thread that died of it would
//! otherwise hang (the second lets a test that is ending unwind, so that what it
//! created is dropped and removed).
//! What the test leaves behind is found and removed by [`super::leaks`].

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::Pid;

use super::leaks;

/// The tests of a test binary, by their full names (`tests::name`), but for
/// those marked `#[ignore]`: the roles of a test's second process
/// (`harness::test_child`), which the tests start themselves, are no checks.
pub fn list_tests(binary: &Path) -> Result<Vec<String>, String> {
    let list = |ignored: bool| -> Result<Vec<String>, String> {
        let mut command = Command::new(binary);
        command.args(["--list", "--format", "terse"]);
        if ignored {
            command.arg("--ignored");
        }
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} --list ended with {}",
                binary.display(),
                output.status
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_string)
            .collect())
    };
    let ignored = list(true)?;
    let mut tests = list(false)?;
    tests.retain(|test| !ignored.contains(test));
    Ok(tests)
}

/// How one test ended.
#[derive(Debug)]
pub enum Verdict {
    /// It passed.
    Pass,
    /// It failed: a panic (usually an assertion), or the process died.
    Fail,
    /// It reached a `todo!()`, at this location, and was stopped there.
    Todo(String),
    /// It was still running at the deadline and was stopped; where its threads and
    /// child processes were blocked, one line each.
    Hang(Vec<String>),
}

/// A panic, as the test printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// `file:line:column`.
    pub location: String,
    /// The message, possibly several lines (`left: ...` / `right: ...`).
    pub message: String,
}

/// The whole story of one test.
#[derive(Debug)]
pub struct TestRun {
    /// `tests::name`.
    pub name: String,
    pub verdict: Verdict,
    /// The panics it printed, first first.
    pub panics: Vec<Panic>,
    /// Everything it printed, standard output and error interleaved by line.
    pub output: String,
    /// What it left behind and what became of it, one line each.
    pub leaks: Vec<String>,
    /// How the process ended, if it ended by itself.
    pub status: Option<ExitStatus>,
}

/// The test running now, for the interruption handler: a Ctrl-C reaches `cargo
/// xtask` but not the test, which is in a process group of its own. Starting a
/// test and stopping everything take this lock, so that no test starts after the
/// handler has stopped the last one.
static CONTROL: Mutex<Control> = Mutex::new(Control {
    stopping: false,
    running: 0,
    scratch: None,
});

struct Control {
    /// Set once interrupted: no test starts any more.
    stopping: bool,
    /// The running test's process (and process group) id, or 0.
    running: u32,
    /// Its scratch directory.
    scratch: Option<PathBuf>,
}

/// Stops the running test (if any), removes its scratch directory and lets no
/// other test start; called when the xtask is interrupted. Returns with the
/// lock held, so that the caller can exit before anything else starts.
pub fn stop_running_test() -> impl Drop {
    let mut control = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    control.stopping = true;
    if control.running != 0 {
        let pid = Pid::from_raw(control.running as i32);
        let _ = killpg(pid, Signal::SIGKILL);
        // Gone before this process is: reap it.
        let _ = nix::sys::wait::waitpid(pid, None);
    }
    if let Some(dir) = control.scratch.take() {
        let _ = fs::remove_dir_all(dir);
    }
    control
}

/// How long a test that reached a `todo!()` may take to end by itself.
const TODO_GRACE: Duration = Duration::from_secs(1);

enum Event {
    /// A line of standard output (0) or error (1).
    Line(usize, String),
    Exited,
    ReaderDone,
}

/// Runs the test `name` of `binary` alone, stopping it after `deadline`.
pub fn run_test(
    binary: &Path,
    name: &str,
    deadline: Duration,
) -> Result<TestRun, String> {
    let before = leaks::snapshot();
    let mut control = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    if control.stopping {
        return Err("interrupted".to_string());
    }
    let scratch = Scratch::new()?;
    control.scratch = Some(scratch.dir.clone());
    let mut child = Command::new(binary)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .current_dir(scratch.cwd())
        .env("TMPDIR", scratch.tmp())
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_TEST_THREADS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let pid = child.id();
    control.running = pid;
    drop(control);

    let (events, received) = mpsc::channel();
    let streams = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ];
    for (index, stream) in streams.into_iter().enumerate() {
        let Some(stream) = stream else { continue };
        let events = events.clone();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if events.send(Event::Line(index, line)).is_err() {
                    return;
                }
            }
            let _ = events.send(Event::ReaderDone);
        });
    }
    {
        // Waits for the exit without reaping: the group's id stays the test's
        // until its leftover members are stopped below.
        let events = events.clone();
        thread::spawn(move || {
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
            while let Err(nix::errno::Errno::EINTR) =
                waitid(Id::Pid(Pid::from_raw(pid as i32)), flags)
            {}
            let _ = events.send(Event::Exited);
        });
    }
    drop(events);

    let started = Instant::now();
    let mut limit = deadline;
    let mut output = Vec::new();
    let mut errors = Vec::new();
    let mut verdict = None;
    let mut stopped = false;
    let mut readers_done = 0;
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match received.recv_timeout(left) {
            Ok(Event::Line(stream, line)) => {
                output.push(line.clone());
                if stream == 1 {
                    errors.push(line);
                    if verdict.is_none() {
                        if let Some(location) = todo_reached(&errors) {
                            verdict = Some(Verdict::Todo(location));
                            // Time to unwind and clean up (drop what it
                            // created), but not to wait for a thread that died.
                            limit = limit.min(started.elapsed() + TODO_GRACE);
                        }
                    }
                }
            }
            Ok(Event::Exited) => break,
            Ok(Event::ReaderDone) => readers_done += 1,
            Err(RecvTimeoutError::Timeout) if !stopped => {
                if verdict.is_none() {
                    verdict = Some(Verdict::Hang(describe_group(pid)));
                }
                stop_group(pid);
                stopped = true;
                // SIGKILL cannot be ignored: the exit follows at once.
                limit = started.elapsed() + Duration::from_secs(10);
            }
            Err(_) => break,
        }
    }
    // Processes the test started and left running: name them, then stop them.
    let mut leaks = Vec::new();
    for (member, command) in group_members(pid) {
        if member != pid {
            leaks.push(format!(
                "process {member} ({command}), started by the test and still \
                 running: stopped it"
            ));
        }
    }
    stop_group(pid);
    let status = child.wait().ok();
    let mut control = CONTROL.lock().unwrap_or_else(|e| e.into_inner());
    control.running = 0;
    control.scratch = None;
    drop(control);
    // Every writer of the pipes is gone now: the rest of the output comes at once.
    while readers_done < 2 {
        match received.recv_timeout(Duration::from_secs(5)) {
            Ok(Event::Line(stream, line)) => {
                output.push(line.clone());
                if stream == 1 {
                    errors.push(line);
                }
            }
            Ok(Event::ReaderDone) => readers_done += 1,
            Ok(Event::Exited) => {}
            Err(_) => break,
        }
    }

    let panics = panics(&errors.join("\n"));
    // A todo!() in the test's own thread ends the test before its line is seen.
    let todo = panics
        .iter()
        .find(|p| p.message.starts_with("not yet implemented"))
        .map(|p| Verdict::Todo(p.location.clone()));
    let (verdict, status) = match verdict.or(todo) {
        Some(verdict) => (verdict, None),
        None => match status {
            Some(status) if status.success() => (Verdict::Pass, Some(status)),
            _ => (Verdict::Fail, status),
        },
    };
    leaks.extend(leaks::sweep(&before, &leaks::snapshot(), pid));
    leaks.extend(scratch.leftovers());
    Ok(TestRun {
        name: name.to_string(),
        verdict,
        panics,
        output: output.join("\n"),
        leaks,
        status,
    })
}

fn stop_group(pid: u32) {
    // ESRCH: nobody is left in the group.
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
}

/// The location of a `todo!()` panic in `lines`, if the last two lines are one.
fn todo_reached(lines: &[String]) -> Option<String> {
    let [.., header, message] = lines else {
        return None;
    };
    if !message.starts_with("not yet implemented") {
        return None;
    }
    panic_location(header)
}

/// `file:line:col` from `thread 'name' (tid) panicked at file:line:col:`.
fn panic_location(line: &str) -> Option<String> {
    if !line.starts_with("thread '") {
        return None;
    }
    let (_, location) = line.split_once(" panicked at ")?;
    Some(location.strip_suffix(':').unwrap_or(location).to_string())
}

/// Every panic in a test's output: its header line, then the message up to the
/// `note:` line, an empty line or the next panic.
pub fn panics(output: &str) -> Vec<Panic> {
    let mut found: Vec<Panic> = Vec::new();
    let mut current: Option<Panic> = None;
    for line in output.lines() {
        if let Some(location) = panic_location(line) {
            found.extend(current.take());
            current = Some(Panic {
                location,
                message: String::new(),
            });
            continue;
        }
        let Some(panic) = current.as_mut() else {
            continue;
        };
        let ends = line.is_empty()
            || line.starts_with("note: ")
            || line.starts_with("test ")
            || line.starts_with("stack backtrace:");
        if ends {
            found.extend(current.take());
        } else {
            if !panic.message.is_empty() {
                panic.message.push('\n');
            }
            panic.message.push_str(line);
        }
    }
    found.extend(current);
    found
}

/// The processes in the process group `pgid`, with their command names.
fn group_members(pgid: u32) -> Vec<(u32, String)> {
    let mut members = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let command = head.split_once('(').map_or("", |(_, c)| c).to_string();
        let fields: Vec<&str> = tail.split_whitespace().collect();
        // A zombie has ended; its parent, or init once the parent is gone,
        // reaps it.
        let zombie = fields.first() == Some(&"Z");
        if !zombie
            && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
        {
            members.push((pid, command));
        }
    }
    members.sort();
    members
}

/// One line per thread of the test process, and per process it started, saying
/// where it is: `thread 4242: blocked in openat(2), kernel wait_for_partner: ...`.
fn describe_group(pgid: u32) -> Vec<String> {
    let mut lines = Vec::new();
    for (pid, command) in group_members(pgid) {
        let mut first = true;
        let tasks = fs::read_dir(format!("/proc/{pid}/task"))
            .map(|entries| {
                let mut tids: Vec<u32> = entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str()?.parse().ok())
                    .collect();
                tids.sort();
                tids
            })
            .unwrap_or_default();
        // A test binary's main thread is libtest waiting for the test's
        // thread: always the same, never the point. So is that of a child
        // that runs one of the tests again in a role (harness::test_child),
        // or of a program waiting for its threads. Alone, it is the one that
        // works (a harness of one thread, for tests that fork; a forked
        // child; a command).
        let waits_for_others = tasks.len() > 1;
        for tid in tasks {
            if tid == pid && waits_for_others {
                continue;
            }
            // libtest starts the test's thread first (or the main thread is
            // the test's); the test starts the others.
            let who = if pid == pgid && first {
                first = false;
                format!("the test's thread ({tid})")
            } else if pid == pgid {
                format!("another thread ({tid})")
            } else {
                format!("process {pid} ({command})")
            };
            let place = thread_place(pid, tid);
            lines.push(format!("{who}: {place}"));
            if pid != pgid {
                break; // the first thread of a child says enough
            }
        }
    }
    lines
}

/// Where the thread `tid` of `pid` is: running, or blocked in a system call,
/// with the kernel's wait channel and what it usually means.
fn thread_place(pid: u32, tid: u32) -> String {
    let base = format!("/proc/{pid}/task/{tid}");
    let syscall =
        fs::read_to_string(format!("{base}/syscall")).unwrap_or_default();
    let wchan = fs::read_to_string(format!("{base}/wchan")).unwrap_or_default();
    let wchan = wchan.trim();
    let number = syscall
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<i64>().ok());
    let Some(number) = number else {
        return "running (in a loop, not waiting in a system call)".to_string();
    };
    let call = syscall_name(number);
    let meaning = meaning_of(wchan, &call);
    let kernel = if wchan.is_empty() || wchan == "0" {
        String::new()
    } else {
        format!(" (kernel: {wchan})")
    };
    match meaning {
        Some(meaning) => format!("blocked in {call}{kernel}: {meaning}"),
        None => format!("blocked in {call}{kernel}"),
    }
}

/// The name of the system call `number`, `openat(2)`, for the calls a test of
/// this book blocks in (harness::blocked has the same list for the chapters).
fn syscall_name(number: i64) -> String {
    use nix::libc;
    let known = [
        (libc::SYS_read, "read"),
        (libc::SYS_write, "write"),
        (libc::SYS_openat, "openat"),
        (libc::SYS_msgrcv, "msgrcv"),
        (libc::SYS_msgsnd, "msgsnd"),
        (libc::SYS_semop, "semop"),
        (libc::SYS_semtimedop, "semtimedop"),
        (libc::SYS_futex, "futex"),
        (libc::SYS_wait4, "wait4"),
        (libc::SYS_waitid, "waitid"),
        (libc::SYS_recvfrom, "recvfrom"),
        (libc::SYS_recvmsg, "recvmsg"),
        (libc::SYS_sendto, "sendto"),
        (libc::SYS_sendmsg, "sendmsg"),
        (libc::SYS_accept4, "accept4"),
        (libc::SYS_connect, "connect"),
        (libc::SYS_poll, "poll"),
        (libc::SYS_ppoll, "ppoll"),
        (libc::SYS_pselect6, "pselect6"),
        (libc::SYS_mq_timedreceive, "mq_timedreceive"),
        (libc::SYS_mq_timedsend, "mq_timedsend"),
        (libc::SYS_flock, "flock"),
        (libc::SYS_fcntl, "fcntl"),
    ];
    match known.iter().find(|(n, _)| *n == number) {
        Some((_, name)) => format!("{name}(2)"),
        None => format!("system call {number}"),
    }
}

/// What a thread blocked there is waiting for, in words.
fn meaning_of(wchan: &str, call: &str) -> Option<&'static str> {
    let by_wchan = [
        ("wait_for_partner", "opening a FIFO, it waits until another process or thread opens the other end"),
        ("pipe_read", "reading a pipe or FIFO, it waits for data, or for end-of-file once every write end is closed"),
        ("pipe_write", "writing a full pipe or FIFO, it waits until the reader reads"),
        ("do_msgrcv", "it waits for a message of the type it asked for"),
        ("do_msgsnd", "it waits for room in the full queue"),
        ("wq_sleep", "it waits on a POSIX message queue: for a message to receive, or for room to send"),
        ("do_semtimedop", "it waits for a semaphore's value to allow its operation"),
        // Before "do_wait", which a futex's wait channel contains
        // (futex_do_wait).
        ("futex", "it waits for another thread: a join, a lock, a channel or a condition variable"),
        ("do_wait", "it waits for a child process to exit"),
        ("poll_schedule_timeout", "it waits in poll for one of several descriptors, such as a test for the output of its second process"),
        ("unix_stream", "it waits on a Unix domain socket"),
        ("wait_woken", "it waits on a socket"),
    ];
    if let Some((_, meaning)) =
        by_wchan.iter().find(|(part, _)| wchan.contains(part))
    {
        return Some(meaning);
    }
    let by_call = [
        ("read(2)", "it waits for data to read"),
        ("write(2)", "it waits for room to write"),
        ("openat(2)", "it waits for the open to complete (a FIFO waits for its other end)"),
        ("futex(2)", "it waits for another thread: a join, a lock, a channel or a condition variable"),
        ("wait4(2)", "it waits for a child process to exit"),
        ("msgrcv(2)", "it waits for a message of the type it asked for"),
        ("msgsnd(2)", "it waits for room in the full queue"),
    ];
    by_call
        .iter()
        .find(|(name, _)| *name == call)
        .map(|(_, meaning)| *meaning)
}

/// A private directory for one test: `cwd/` is its working directory, `tmp/` its
/// `TMPDIR`. Whatever is left in them afterwards was left by the test.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Result<Scratch, String> {
        use std::os::unix::fs::DirBuilderExt;
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "apue-ipc-check-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::SeqCst)
        ));
        let mut builder = fs::DirBuilder::new();
        builder.mode(0o700);
        builder
            .create(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        for sub in ["cwd", "tmp"] {
            builder
                .create(dir.join(sub))
                .map_err(|e| format!("{}: {e}", dir.join(sub).display()))?;
        }
        Ok(Scratch { dir })
    }

    fn cwd(&self) -> PathBuf {
        self.dir.join("cwd")
    }

    fn tmp(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// What the test left in its directories, removed, one line each.
    fn leftovers(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (sub, shown) in
            [("cwd", "the working directory"), ("tmp", "$TMPDIR")]
        {
            let mut entries: Vec<PathBuf> = fs::read_dir(self.dir.join(sub))
                .map(|e| e.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            entries.sort();
            for path in entries {
                let name =
                    path.file_name().unwrap_or_default().to_string_lossy();
                let inside = contents(&path);
                found.push(format!(
                    "{} {name} in {shown}{inside}: removed it",
                    file_kind(&path)
                ));
            }
        }
        found
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `a FIFO`, `a directory`, ...
fn file_kind(path: &Path) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match fs::symlink_metadata(path).map(|m| m.file_type()) {
        Ok(t) if t.is_dir() => "a directory",
        Ok(t) if t.is_fifo() => "a FIFO",
        Ok(t) if t.is_socket() => "a socket",
        Ok(t) if t.is_symlink() => "a symbolic link",
        _ => "a file",
    }
}

/// ` (holding a FIFO fifo)` for a directory, so that a leaked temporary directory
/// says what was in it.
fn contents(path: &Path) -> String {
    let Ok(entries) = fs::read_dir(path) else {
        return String::new();
    };
    let mut inside: Vec<String> = entries
        .flatten()
        .map(|e| {
            format!(
                "{} {}",
                file_kind(&e.path()),
                e.file_name().to_string_lossy()
            )
        })
        .collect();
    if inside.is_empty() {
        return String::new();
    }
    inside.sort();
    format!(" (holding {})", inside.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_read_from_both_header_formats() {
        let output = "\
running 1 test
thread '<unnamed>' (4242) panicked at my/x.rs:8:5:
not yet implemented: read every line
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

thread 'tests::a' panicked at my/x.rs:70:9:
assertion `left == right` failed
  left: 1
 right: 2
test tests::a ... FAILED";
        assert_eq!(
            panics(output),
            [
                Panic {
                    location: "my/x.rs:8:5".into(),
                    message: "not yet implemented: read every line".into()
                },
                Panic {
                    location: "my/x.rs:70:9".into(),
                    message:
                        "assertion `left == right` failed\n  left: 1\n right: 2"
                            .into()
                },
            ]
        );
    }

    #[test]
    fn wait_channels_are_told_in_words() {
        let futex = meaning_of("futex_do_wait", "futex(2)").unwrap();
        assert!(futex.starts_with("it waits for another thread"), "{futex}");
        let child = meaning_of("do_wait", "wait4(2)").unwrap();
        assert_eq!(child, "it waits for a child process to exit");
        let semaphore = meaning_of("__do_semtimedop", "semtimedop(2)").unwrap();
        assert!(semaphore.contains("semaphore"), "{semaphore}");
    }

    #[test]
    fn a_todo_is_seen_as_soon_as_its_message_is() {
        let lines: Vec<String> = [
            "running 1 test",
            "thread 'tests::a' (7) panicked at my/x.rs:8:5:",
            "not yet implemented",
        ]
        .map(String::from)
        .into();
        assert_eq!(todo_reached(&lines).as_deref(), Some("my/x.rs:8:5"));
        assert_eq!(todo_reached(&lines[..2]), None);
    }
}
