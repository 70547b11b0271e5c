//! fifo_client: sends one request to `fifo_server` and prints the answer.
//!
//! Demonstrates the client's half of APUE's figure 15.23. The client creates a
//! FIFO of its own in a fresh temporary directory and opens it for reading
//! (without waiting: O_NONBLOCK), opens the server's well-known FIFO for
//! writing and sends one line: the path of its FIFO and the text. It then waits
//! for the server to answer through its FIFO, reads the answer until
//! end-of-file and prints it. Its FIFO and directory are removed before it
//! exits, and also if it is interrupted or killed.
//!
//! The server's FIFO is opened with O_NONBLOCK, so that when no server is
//! reading it the client fails at once with ENXIO instead of waiting for one;
//! and the wait for the answer is bounded (10 seconds, or --timeout=SECONDS),
//! so that a server that cannot answer (it runs as another user, or is out of
//! descriptors) is reported instead of waited for forever.
//!
//! Run a server first (see fifo_server), then:
//!
//!     $ cargo run --bin fifo_client -- /tmp/upper.fifo hello
//!     HELLO

use std::io::{ErrorKind, PipeReader, Read};
use std::os::fd::AsFd;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::{Error, Result};
use harness::cli::{self, shown, Failure};
use harness::fifo_request::Request;
use harness::temp;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

const HELP: &str = "\
Usage: fifo_client [--timeout=SECONDS] FIFO TEXT

Sends TEXT to the fifo_server reading the FIFO at the path FIFO and prints its
answer. The answer comes back through a FIFO the client creates in a new
private directory under $TMPDIR (or /tmp) and removes before it exits. Options
come before FIFO; everything after FIFO is the text, even if it starts with -.

  --timeout=SECONDS   how long to wait for the answer (default 10)
  -h, --help          print this help and exit

Exit status: 0 on success, 1 if a system call failed (for example ENXIO: no
server is reading FIFO) or no answer came in time, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("fifo_client", HELP, |mut args| {
        let timeout = match args.take_value("--timeout")? {
            None => Duration::from_secs(10),
            Some(value) => seconds(&value.to_string_lossy())?,
        };
        let server = args.next_path()?.ok_or_else(|| {
            Failure::Usage("missing the server's FIFO path".into())
        })?;
        let text = args
            .next_arg()?
            .ok_or_else(|| Failure::Usage("missing the TEXT to send".into()))?;
        args.finish()?;
        ask(&server, text, timeout)
    })
}

/// A timeout given in seconds: a positive number, at most a day.
fn seconds(value: &str) -> Result<Duration, Failure> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--timeout must be a number of seconds from 0 to 86400, not '{}'",
                shown(value)
            ))
        })
}

// ANCHOR: ask
fn ask(server: &Path, text: String, timeout: Duration) -> Result<(), Failure> {
    let dir = temp::dir("fifo_client")?; // $TMPDIR, made absolute
    let reply = Fifo::create(dir.path().join("reply.fifo"))?;
    let request = Request::new(reply.path(), text)?;
    // Our end first, without waiting: while it is open, the server's
    // non-blocking open of the other end succeeds; once we are gone, it fails.
    let answers = reply.open_reader(Open::NonBlocking)?;

    // ENXIO: no server
    let to_server = fifo::open_writer(server, Open::NonBlocking)?;
    to_server.set_nonblocking(false)?;
    // one write, never interleaved
    to_server.write_atomic(&request.to_line())?;
    drop(to_server);

    let answer = read_answer(answers, reply.path(), timeout)?;
    println!("{answer}");
    Ok(()) // drops `reply` (unlink), then `dir` (rmdir)
}
// ANCHOR_END: ask

// ANCHOR: read_answer
/// Reads the answer until end-of-file, waiting at most `timeout` in all.
///
/// The FIFO was opened with O_NONBLOCK before any writer came, so a read now
/// would report end-of-file at once. poll(2) waits instead: it reports the
/// FIFO readable once the server has written, or hung up once a writer has come
/// and gone, and nothing before the server opens it.
fn read_answer(
    mut answers: PipeReader,
    path: &Path,
    timeout: Duration,
) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let mut answer = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let wait = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(answers.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, wait).map_err(|errno| {
            Error::os("poll", path.display().to_string(), errno)
        })?;
        if ready == 0 {
            return Err(Error::unexpected(
                "read",
                path.display().to_string(),
                format!(
                    "no answer within {timeout:?}: is a server reading the \
                     FIFO, and can it open this one?"
                ),
            ));
        }
        let mut chunk = [0u8; 4096];
        match answers.read(&mut chunk) {
            Ok(0) => break, // the server closed its end: the whole answer
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            Err(err) => {
                return Err(Error::from_io(
                    "read",
                    path.display().to_string(),
                    err,
                ))
            }
        }
    }
    String::from_utf8(answer).map_err(|_| {
        Error::unexpected(
            "read",
            path.display().to_string(),
            "the answer is not UTF-8",
        )
    })
}
// ANCHOR_END: read_answer
