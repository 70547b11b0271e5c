//! The FIFO client and server, started as separate processes the way a user starts them
//! in two terminals: the server's transcript and the clients' are snapshots the book
//! shows, the same on every run, and the session leaves no file behind.
//!
//! Every wait on a child is bounded: its output is read with poll(2) against a deadline,
//! and a child that is still running when a test gives up is killed, so a broken server
//! fails the test instead of hanging it.

use std::fs;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Output, Stdio};
use std::time::{Duration, Instant};

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::tempdir::TempDir;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::*;

const SERVER: Program = bin!("fifo_server");
const CLIENT: Program = bin!("fifo_client");

/// Far longer than a session takes (milliseconds), short enough to report a hang.
const PATIENCE: Duration = Duration::from_secs(60);

/// Where the book's transcripts say the session ran: the test's temporary directory is
/// replaced by this, so that the commands shown are ones a reader can type.
const SHOWN_DIR: &str = "/tmp";

/// A child process whose standard output and error are read with a deadline.
struct Running {
    name: &'static str,
    child: Option<Child>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    out: Vec<u8>,
    err: Vec<u8>,
    deadline: Instant,
}

impl Running {
    /// Starts `program` with `args`, its temporary files going under `tmpdir`.
    fn start(program: Program, args: &[&str], tmpdir: &Path) -> Running {
        let mut child = Command::new(program.path)
            .args(args)
            .env("TMPDIR", tmpdir)
            .current_dir(tmpdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.path));
        Running {
            name: program.name,
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child: Some(child),
            out: Vec::new(),
            err: Vec::new(),
            deadline: Instant::now() + PATIENCE,
        }
    }

    /// Reads what the child writes until `enough` says so or both streams are closed.
    /// Past the deadline it panics, and dropping `self` kills the child.
    fn read_until(&mut self, enough: impl Fn(&[u8]) -> bool) {
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
                    "{} still running after {PATIENCE:?}; stdout so far:\n{}",
                    self.name,
                    String::from_utf8_lossy(&self.out)
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
    fn finish(mut self) -> Output {
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
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A session as the book shows it: a server answering `texts.len()` requests, and one
/// client per text, each started after the previous one finished. Returns the server's
/// transcript and the clients' transcripts.
fn session(texts: &[&str]) -> (String, String) {
    let dir = TempDir::new("fifo_session").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let count = texts.len().to_string();
    let server_args = [well_known, count.as_str()];

    let mut server = Running::start(SERVER, &server_args, dir.path());
    server.read_until(|out| out.contains(&b'\n')); // "listening": the FIFO exists
    let mut clients = String::new();
    for text in texts {
        let args = [well_known, text];
        let output = Running::start(CLIENT, &args, dir.path()).finish();
        clients.push_str(&transcript_of(CLIENT.name, &args, &output));
    }
    let server_output = server.finish();
    let server_transcript =
        transcript_of(SERVER.name, &server_args, &server_output);

    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the session left {left:?} behind");
    let dir = dir.path().to_str().unwrap();
    (
        server_transcript.replace(dir, SHOWN_DIR),
        clients.replace(dir, SHOWN_DIR),
    )
}

fn snapshot(name: &str, transcript: &str) {
    insta::with_settings!({
        snapshot_path => "../../chapters/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, transcript);
    });
}

const BOOK_SESSION: [&str; 2] = ["hello", "fifo"];

#[test]
fn output() {
    let (server, clients) = session(&BOOK_SESSION);
    snapshot("fifo_server", &server);
    snapshot("fifo_client", &clients);
}

#[test]
fn is_deterministic() {
    let expected = session(&BOOK_SESSION);
    let next = AtomicUsize::new(1);
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < 100 {
                    assert_eq!(
                        session(&BOOK_SESSION),
                        expected,
                        "sessions differed"
                    );
                }
            });
        }
    });
}

/// Eight clients at once: each request is one atomic write, so the server reads eight
/// whole requests, and each client gets its own answer.
#[test]
fn concurrent_clients_each_get_their_own_answer() {
    let dir = TempDir::new("fifo_concurrent").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let texts: Vec<String> = (0..8).map(|i| format!("client {i}")).collect();
    let mut server = Running::start(SERVER, &[well_known, "8"], dir.path());
    server.read_until(|out| out.contains(&b'\n'));

    let clients: Vec<Running> = texts
        .iter()
        .map(|text| Running::start(CLIENT, &[well_known, text], dir.path()))
        .collect();
    for (text, client) in texts.iter().zip(clients) {
        let output = client.finish();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!("{}\n", text.to_uppercase())
        );
    }
    let output = server.finish();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8(output.stdout).unwrap();
    let mut answered: Vec<&str> = log
        .lines()
        .filter_map(|line| {
            line.split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
        })
        .map(|(_, exchange)| exchange)
        .collect();
    answered.sort();
    let mut expected: Vec<String> = texts
        .iter()
        .map(|text| format!("{text} -> {}", text.to_uppercase()))
        .collect();
    expected.sort();
    assert_eq!(answered, expected);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A malformed request is reported and counted, and the server goes on serving.
#[test]
fn a_malformed_request_does_not_stop_the_server() {
    let dir = TempDir::new("fifo_malformed").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let mut server = Running::start(SERVER, &[well_known, "2"], dir.path());
    server.read_until(|out| out.contains(&b'\n'));

    fifo::open_writer(Path::new(well_known), Open::NonBlocking)
        .unwrap()
        .write_atomic(b"no tab in this line\n")
        .unwrap();
    let client =
        Running::start(CLIENT, &[well_known, "still here"], dir.path())
            .finish();
    assert_eq!(String::from_utf8_lossy(&client.stdout), "STILL HERE\n");

    let output = server.finish();
    let log = String::from_utf8(output.stdout).unwrap();
    assert!(
        log.contains("server: request 1: not answered: request(no tab in this line): expected"),
        "{log}"
    );
    assert!(
        log.contains("server: request 2: still here -> STILL HERE"),
        "{log}"
    );
    assert!(output.status.success());
}

/// With no server, the client fails at once: ENOENT when the FIFO does not exist, ENXIO
/// when it exists but nobody reads it (a blocking open would wait forever). Either way
/// its own FIFO and directory are gone.
#[test]
fn a_client_without_a_server_fails_at_once() {
    let dir = TempDir::new("fifo_no_server").unwrap();
    let missing = dir.path().join("missing.fifo");
    let output =
        Running::start(CLIENT, &[missing.to_str().unwrap(), "hi"], dir.path())
            .finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("No such file or directory (ENOENT)\n"));

    let stale = Fifo::create(dir.path().join("stale.fifo")).unwrap();
    let output = Running::start(
        CLIENT,
        &[stale.path().to_str().unwrap(), "hi"],
        dir.path(),
    )
    .finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("No such device or address (ENXIO)\n"));
    drop(stale);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn answer_help() {
    for program in [SERVER, CLIENT] {
        let help = program.transcript(&["--help"]);
        assert!(
            help.contains(&format!("\nUsage: {} FIFO", program.name)),
            "{help}"
        );
        assert!(!help.contains("[exit status"), "{help}");
    }
}

#[test]
fn reject_bad_arguments() {
    SERVER.snapshot(
        "fifo_server-bad-argument",
        &["/tmp/upper.fifo", "many"],
        &[],
    );
    CLIENT.snapshot("fifo_client-bad-argument", &["/tmp/upper.fifo"], &[]);
}
