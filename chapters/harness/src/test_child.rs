//! A second process for a test: the test binary runs one of its own tests
//! again, alone, in a child process that knows its role.
//!
//! A chapter program starts its child by running itself again with a role
//! argument ([`crate::cli::child_command`]). A test binary cannot take a role
//! argument (libtest reads its arguments as test filters), and it must not
//! `fork` either: it runs tests in threads, and a forked copy of a process with
//! several threads may hang on a lock another thread held. So a test that needs
//! a second process, to be killed while it holds a semaphore or to consume what
//! this one produces, runs the test binary again with libtest's own arguments,
//! `--exact NAME`, to run a single test, and tells that test its role in an
//! environment variable:
//!
//! ```text
//! #[test]
//! #[ignore = "the consumer of the tests below, which start it"]
//! fn consumer() {
//!     let Some(role) = harness::test_child::role() else {
//!         return; // a normal run of the suite: nothing to do
//!     };
//!     // the child's work, which asserts what it checks
//! }
//!
//! let child = harness::test_child::spawn("tests::consumer", "ID")?;
//! // ... the parent's half ...
//! harness::test_child::wait_passed(child)?;
//! ```
//!
//! A role is not a check of its own: marked `#[ignore]`, with the reason, it
//! is reported as ignored by a normal run, and classroom mode (`cargo xtask
//! exercise check`) leaves it out of the tests it runs and counts. [`spawn`]
//! runs it all the same (`--include-ignored`).
//!
//! The test's name is the one the file's tests know, `tests::consumer`, even
//! when the file is a module of a bigger test binary (classroom mode's
//! `verify` builds every exercise into one): [`spawn`] finds the prefix from
//! the running test's name.
//!
//! [`wait_passed`] checks that the child ran that one test and that it passed,
//! and waits at most [`PATIENCE`]: a child that hangs is killed (by its pid)
//! and reported, never waited for forever.

use std::io::{PipeReader, Read};
use std::os::fd::AsFd;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use apue_ipc::{Context, Error, Result};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// The environment variable that carries the role.
pub const ROLE: &str = "HARNESS_TEST_ROLE";

/// How long [`wait_passed`] waits for a child: far longer than any test's
/// second process runs, short enough to fail instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The role this process was started with by [`spawn`], or `None` in a normal
/// test run.
pub fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// A test binary running one of its tests in a role, started by [`spawn`].
#[derive(Debug)]
pub struct TestChild {
    child: Child,
    /// Standard output and standard error, together.
    output: PipeReader,
    /// What [`TestChild::wait_for_line`] has read of it so far.
    seen: Vec<u8>,
}

impl TestChild {
    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the child prints a line that ends with `line` (after it
    /// has done something the test must wait for, such as taking a lock),
    /// for at most [`PATIENCE`]. A child that ends first is an error that
    /// holds what it printed, as one that fails in [`wait_passed`] is.
    pub fn wait_for_line(&mut self, line: &str) -> Result<()> {
        let what = format!("test child {}", self.id());
        let said = |output: &[u8]| {
            // Whole lines only: the last piece may be a line half written.
            let mut lines = output.split(|&b| b == b'\n');
            lines.next_back();
            lines.any(|l| l.ends_with(line.as_bytes()))
        };
        if read_within(&mut self.output, &mut self.seen, &what, PATIENCE, said)?
        {
            return Ok(());
        }
        Err(Error::unexpected(
            "read",
            what,
            format!(
                "ended before it printed {line:?}, its output:\n{}",
                String::from_utf8_lossy(&self.seen)
            ),
        ))
    }

    /// Kills the child with `SIGKILL` (by its pid: only this child) and waits
    /// for it: for tests about what a process killed in the middle leaves.
    pub fn kill(mut self) -> Result<ExitStatus> {
        let what = format!("test child {}", self.id());
        self.child
            .kill()
            .map_err(|e| Error::from_io("kill", what.clone(), e))?;
        self.child
            .wait()
            .map_err(|e| Error::from_io("waitpid", what, e))
    }
}

impl Drop for TestChild {
    /// A test that fails before it waits for its child does not leave it
    /// running: the child is killed (by its pid; std sends nothing to a child
    /// already waited for) and waited for.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the test `test` (its path in the test binary, such as
/// `tests::consumer`) of the running test binary again, alone, in a new
/// process whose [`role`] is `role`. What it prints, on standard output and
/// standard error, is read by [`wait_passed`]. Call it from the test's own
/// thread (see `in_this_binary`).
pub fn spawn(test: &str, role: &str) -> Result<TestChild> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::from_io("current_exe", "self", e))?;
    let (output, writer) = std::io::pipe().context("pipe", "test child")?;
    let also_writer = writer.try_clone().context("dup", "test child")?;
    let test = in_this_binary(test, std::thread::current().name());
    let mut command = Command::new(exe);
    command
        .args(["--exact", &test, "--include-ignored", "--nocapture"])
        .args(["--test-threads=1", "-q"])
        .env(ROLE, role)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(also_writer);
    let child = command
        .spawn()
        .map_err(|e| Error::from_io("fork+exec", test.to_string(), e))?;
    // The command holds this process's copies of the write end: without them,
    // the child's exit is end-of-file.
    drop(command);
    Ok(TestChild {
        child,
        output,
        seen: Vec::new(),
    })
}

/// The name of `test` in this test binary, given the name of the running
/// test (libtest names the thread of a test after it).
///
/// A file's tests name each other from the file's root (`tests::consumer`).
/// When the file is a module of a bigger test binary, as classroom mode's
/// `cargo xtask exercise verify` builds every exercise into one, libtest names
/// its tests from that binary's root: `solution_sem_lock::tests::consumer`.
/// The running test's name has the same prefix in front of the same first
/// module, `tests`: it is put in front of `test`.
fn in_this_binary(test: &str, running: Option<&str>) -> String {
    let first = test.split("::").next().unwrap_or(test);
    let Some(running) = running else {
        return test.to_string();
    };
    let segments: Vec<&str> = running.split("::").collect();
    match segments.iter().position(|segment| *segment == first) {
        Some(at) if at > 0 => format!("{}::{test}", segments[..at].join("::")),
        _ => test.to_string(),
    }
}

/// Waits for a child that [`spawn`] started, and fails unless it ran exactly
/// one test and that test passed; the error holds what the child printed. A
/// child still running after [`PATIENCE`] is killed and reported.
pub fn wait_passed(mut child: TestChild) -> Result<()> {
    let what = format!("test child {}", child.id());
    let mut output = std::mem::take(&mut child.seen);
    match read_within(&mut child.output, &mut output, &what, PATIENCE, |_| {
        false
    }) {
        Ok(_) => {}
        Err(err) => {
            // Only our own child, by its pid.
            let _ = child.child.kill();
            let _ = child.child.wait();
            return Err(err);
        }
    };
    let status = child
        .child
        .wait()
        .map_err(|e| Error::from_io("waitpid", what.clone(), e))?;
    let output = String::from_utf8_lossy(&output);
    if status.success() && output.contains("test result: ok. 1 passed") {
        Ok(())
    } else {
        Err(Error::unexpected(
            "waitpid",
            what,
            format!("ended with {status}, its output:\n{output}"),
        ))
    }
}

/// Reads `stream` into `output` until end-of-file or until `done(output)`,
/// for at most `patience`; returns whether `done` said so.
fn read_within(
    stream: &mut PipeReader,
    output: &mut Vec<u8>,
    what: &str,
    patience: Duration,
    done: impl Fn(&[u8]) -> bool,
) -> Result<bool> {
    let deadline = Instant::now() + patience;
    let mut buffer = [0u8; 4096];
    loop {
        if done(output) {
            return Ok(true);
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        // Rounded up to whole milliseconds, so that the wait is never shorter.
        let timeout =
            PollTimeout::try_from(remaining + Duration::from_micros(999))
                .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(stream.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) => {
                return Err(Error::os(
                    "poll",
                    format!("{what} still running after {patience:?}"),
                    Errno::ETIMEDOUT,
                ))
            }
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(Error::os("poll", what, errno)),
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(false),
            Ok(n) => output.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io("read", what, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_role() {
        match role().as_deref() {
            None => {}
            Some("pass") => {}
            Some("say") => {
                println!("ready");
                println!("done");
            }
            Some("hang") => loop {
                std::thread::park(); // until killed
            },
            Some(other) => panic!("asked to fail: {other}"),
        }
    }

    #[test]
    fn a_child_runs_one_test_in_its_role() {
        let child = spawn("test_child::tests::child_role", "pass").unwrap();
        wait_passed(child).unwrap();
    }

    #[test]
    fn a_failing_or_missing_child_test_is_reported() {
        let child = spawn("test_child::tests::child_role", "fail").unwrap();
        let err = wait_passed(child).unwrap_err();
        assert!(err.to_string().contains("asked to fail"), "{err}");
        let child = spawn("test_child::tests::no_such_test", "pass").unwrap();
        let err = wait_passed(child).unwrap_err();
        assert!(err.to_string().contains("0 passed"), "{err}");
    }

    #[test]
    fn a_line_is_awaited_and_a_child_that_ends_first_is_reported() {
        let mut child = spawn("test_child::tests::child_role", "say").unwrap();
        child.wait_for_line("ready").unwrap();
        // What was read while waiting still counts for wait_passed.
        wait_passed(child).unwrap();
        let mut child = spawn("test_child::tests::child_role", "pass").unwrap();
        let err = child.wait_for_line("ready").unwrap_err();
        assert!(err.to_string().contains("ended before it printed"), "{err}");
        assert!(err.to_string().contains("1 passed"), "{err}");
    }

    #[test]
    fn a_test_in_a_module_of_a_bigger_binary_names_its_sibling() {
        let running = Some("solution_sem_lock::tests::one_holder");
        assert_eq!(
            in_this_binary("tests::child_role", running),
            "solution_sem_lock::tests::child_role"
        );
        let alone = Some("tests::one_holder");
        assert_eq!(
            in_this_binary("tests::child_role", alone),
            "tests::child_role"
        );
        // Not from a test's thread: as given.
        assert_eq!(
            in_this_binary("tests::child_role", None),
            "tests::child_role"
        );
        assert_eq!(
            in_this_binary("tests::child_role", Some("main")),
            "tests::child_role"
        );
    }

    #[test]
    fn a_child_that_hangs_is_reported_not_waited_for() {
        let mut child = spawn("test_child::tests::child_role", "hang").unwrap();
        let patience = Duration::from_millis(200);
        let started = Instant::now();
        let mut output = Vec::new();
        let never = |_: &[u8]| false;
        let err = read_within(
            &mut child.output,
            &mut output,
            "hanging",
            patience,
            never,
        )
        .unwrap_err();
        assert!(started.elapsed() >= patience);
        assert_eq!(err.errno(), Some(Errno::ETIMEDOUT));
        let status = child.kill().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
    }
}
