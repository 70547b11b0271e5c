//! The demonstrations and exercises (`examples/`, `exercises/`) under a
//! standard output that fails, as `cargo xtask stress` checks the programs.
//!
//! A demonstration prints with `println!`, which panics when the write fails;
//! `harness::cli::takes_no_arguments()` (which every demonstration calls
//! first, `tests/layout.rs` checks it) makes it end as a program does instead.
//! This runs each one three ways and checks that it did:
//!
//! | standard output | what must happen |
//! |---|---|
//! | full (`/dev/full`) | exit code 1 and a line naming `write(stdout)` and `ENOSPC`, or exit code 0 for a demonstration that printed nothing |
//! | a pipe nobody reads | killed by `SIGPIPE`, or exit code 1 and a line naming `write(stdout)` and `EPIPE`, or exit code 0 as above |
//! | closed (`>&-`) | exit code 1 and a line naming `write(stdout)` and `EBADF` |
//!
//! In every case: no panic message, no backtrace, no file left in its private
//! directories, and an end within [`DEADLINE`] (a demonstration whose threads
//! wait for one another can hang when one of them stops at a failed line).

use std::fs;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// The longest a demonstration may take with a failing standard output.
const DEADLINE: Duration = Duration::from_secs(60);

/// How many run at once.
const AT_ONCE: usize = 4;

/// The three standard outputs that fail.
#[derive(Clone, Copy, Debug)]
enum Failing {
    Full,
    BrokenPipe,
    Closed,
}

impl Failing {
    const ALL: [Failing; 3] =
        [Failing::Full, Failing::BrokenPipe, Failing::Closed];

    fn describe(self) -> &'static str {
        match self {
            Failing::Full => ">/dev/full",
            Failing::BrokenPipe => "| (a pipe nobody reads)",
            Failing::Closed => ">&-",
        }
    }
}

/// Runs every demonstration in `examples` three ways; returns how many runs
/// it made, or what went wrong.
pub fn check(
    examples: &[(String, PathBuf)],
    scratch: &Path,
) -> Result<usize, Vec<String>> {
    let work: Mutex<Vec<(&str, &Path, Failing)>> = Mutex::new(
        examples
            .iter()
            .flat_map(|(name, exe)| {
                Failing::ALL.map(|how| (name.as_str(), exe.as_path(), how))
            })
            .collect(),
    );
    let runs = work.lock().map_or(0, |work| work.len());
    let problems = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| loop {
                let next = work.lock().ok().and_then(|mut work| work.pop());
                let Some((name, exe, how)) = next else {
                    return;
                };
                if let Err(problem) = run(name, exe, how, scratch) {
                    if let Ok(mut problems) = problems.lock() {
                        problems.push(format!(
                            "{name} {}: {problem}",
                            how.describe()
                        ));
                    }
                }
            });
        }
    });
    let mut problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
    problems.sort();
    if problems.is_empty() {
        Ok(runs)
    } else {
        Err(problems)
    }
}

/// Runs `exe` once with standard output failing `how`, in directories of its
/// own, and checks how it ended.
fn run(
    name: &str,
    exe: &Path,
    how: Failing,
    scratch: &Path,
) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{name}."))
        .tempdir_in(scratch)
        .map_err(|e| format!("cannot make a directory: {e}"))?;
    let (tmp, cwd) = (dir.path().join("tmp"), dir.path().join("cwd"));
    for made in [&tmp, &cwd] {
        fs::create_dir(made).map_err(|e| format!("{}: {e}", made.display()))?;
    }
    let mut command = Command::new(exe);
    command
        .env("TMPDIR", &tmp)
        .current_dir(&cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match how {
        Failing::Full => {
            let full = fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .map_err(|e| format!("/dev/full: {e}"))?;
            command.stdout(full);
        }
        Failing::BrokenPipe => {
            // The read end is closed before the demonstration starts: its
            // first write fails, whatever the timing.
            let (reader, writer) =
                std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
            drop(reader);
            command.stdout(writer);
        }
        Failing::Closed => {
            command.stdout(Stdio::null());
            // SAFETY: close(2) is async-signal-safe, and descriptor 1 is the
            // child's own copy.
            unsafe {
                command.pre_exec(|| {
                    nix::unistd::close(1)?;
                    Ok(())
                });
            }
        }
    }
    let mut child =
        command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    drop(command); // the parent's copies of the pipe's ends
    let pid = Pid::from_raw(child.id() as i32);
    let mut stderr = child.stderr.take().ok_or("no standard error")?;
    let (sender, ended) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = sender.send((child.wait(), text));
    });
    let (status, text) = match ended.recv_timeout(DEADLINE) {
        Ok((status, text)) => (status.map_err(|e| format!("wait: {e}"))?, text),
        Err(_) => {
            // Ours, by its pid. The waiter ends once every copy of its
            // standard error is closed; it is not waited for.
            let _ = kill(pid, Signal::SIGKILL);
            return Err(format!(
                "still running after {DEADLINE:?}: it hung (killed)"
            ));
        }
    };
    let _ = waiter.join();
    let left = leftovers(&[&tmp, &cwd]);
    if !left.is_empty() {
        return Err(format!("left {}", left.join(", ")));
    }
    judge(how, status.code(), status.signal(), &text)
}

/// Whether an ending is the one a program's would be.
fn judge(
    how: Failing,
    code: Option<i32>,
    signal: Option<i32>,
    stderr: &str,
) -> Result<(), String> {
    if stderr.contains("panicked") || stderr.contains("stack backtrace") {
        return Err(format!("it panicked:\n{stderr}"));
    }
    let said = |errno: &str| {
        stderr
            .lines()
            .any(|line| line.contains("write(stdout)") && line.contains(errno))
    };
    let fine = match (how, code, signal) {
        (Failing::Full, Some(1), _) => said("(ENOSPC)"),
        (Failing::BrokenPipe, _, Some(signal)) => {
            signal == Signal::SIGPIPE as i32
        }
        (Failing::BrokenPipe, Some(1), _) => said("(EPIPE)"),
        (Failing::Full | Failing::BrokenPipe, Some(0), _) => {
            !stderr.contains("write(stdout)")
        }
        (Failing::Closed, Some(1), _) => said("(EBADF)"),
        _ => false,
    };
    if fine {
        Ok(())
    } else {
        Err(format!(
            "ended with code {code:?}, signal {signal:?}, and said:\n{stderr}"
        ))
    }
}

/// What is left in `dirs`, by path.
fn leftovers(dirs: &[&Path]) -> Vec<String> {
    dirs.iter()
        .flat_map(|dir| fs::read_dir(dir).into_iter().flatten().flatten())
        .map(|entry| entry.path().display().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_or_a_silent_failure_is_refused() {
        let sigpipe = Some(Signal::SIGPIPE as i32);
        let full = "demo: write(stdout): No space left on device (ENOSPC)\n";
        assert!(judge(Failing::Full, Some(1), None, full).is_ok());
        assert!(judge(Failing::Full, Some(0), None, "").is_ok());
        assert!(judge(Failing::Full, Some(101), None, full).is_err());
        assert!(judge(Failing::Full, Some(1), None, "").is_err());
        let panic = "thread 'main' panicked at src/main.rs:1:1:\n\
                     failed printing to stdout: No space left on device";
        assert!(judge(Failing::Full, Some(1), None, panic).is_err());
        assert!(judge(Failing::BrokenPipe, None, sigpipe, "").is_ok());
        let epipe = "Error: write(stdout): Broken pipe (EPIPE)\n";
        assert!(judge(Failing::BrokenPipe, Some(1), None, epipe).is_ok());
        assert!(judge(Failing::BrokenPipe, Some(1), None, full).is_err());
        let ebadf = "demo: write(stdout): Bad file descriptor (EBADF)\n";
        assert!(judge(Failing::Closed, Some(1), None, ebadf).is_ok());
        assert!(judge(Failing::Closed, Some(0), None, "").is_err());
    }
}
