//! fifo_server: answers requests from unrelated client processes through FIFOs.
//!
//! Demonstrates what a FIFO gives that a pipe cannot: processes with no common
//! ancestor find each other by a path. The server creates a well-known FIFO and
//! reads requests from it, one line each; every client (`fifo_client`) creates
//! a FIFO of its own and puts its path in the request, and the server answers
//! there, the text in upper case. This is the client-server arrangement of
//! APUE's figure 15.23.
//!
//! The server holds a write end of its own FIFO, so that its reads never see
//! end-of-file between clients. It opens each client's FIFO without waiting
//! (O_NONBLOCK): a client that is gone, or a path that nobody reads, costs it
//! an ENXIO, not the rest of its life. It reads at most PIPE_BUF bytes per
//! request, refuses reply paths that are not FIFOs or are its own, and goes on
//! after any bad request. It stops after COUNT requests and removes the FIFO;
//! stopped by Ctrl-C or SIGTERM, or killed, it leaves no FIFO either, and a
//! FIFO left by a server that was killed some other way is recovered at start.
//!
//! Run it in one terminal, then the clients in another:
//!
//!     $ cargo run --bin fifo_server -- /tmp/upper.fifo 2
//!     server: listening on /tmp/upper.fifo
//!     server: request 1: hello -> HELLO
//!     server: request 2: fifo -> FIFO
//!     server: answered 2 requests, removed /tmp/upper.fifo
//!
//!     $ cargo run --bin fifo_client -- /tmp/upper.fifo hello
//!     HELLO

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::process::ExitCode;

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::{Context, Error, Result};
use harness::cleanup;
use harness::cli::{self, shown, Failure};
use harness::fifo_request::{self, Request};
use nix::errno::Errno;

const HELP: &str = "\
Usage: fifo_server FIFO COUNT

Creates the FIFO at the path FIFO, answers COUNT requests sent to it by
fifo_client, then removes it and exits. Each answer is the request's text in
upper case, written to the client's own FIFO. If a FIFO is already at that path
and no process reads it (a server was killed), it is replaced; a FIFO that a
running server reads, or any other file, is left alone and the server stops.
Interrupted (Ctrl-C, SIGTERM) or killed, the server leaves no FIFO behind.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("fifo_server", HELP, |mut args| {
        let path = args
            .next_path()?
            .ok_or_else(|| Failure::Usage("missing the FIFO's path".into()))?;
        let count = args.next_arg()?.ok_or_else(|| {
            Failure::Usage("missing COUNT, the number of requests".into())
        })?;
        let count: u32 = count.parse().map_err(|_| {
            Failure::Usage(format!(
                "COUNT must be a number of requests, not '{}'",
                shown(&count)
            ))
        })?;
        args.finish()?;
        serve(&path, count)
    })
}

// ANCHOR: serve
fn serve(path: &Path, count: u32) -> Result<(), Failure> {
    // Removed if the server is interrupted or killed (see harness::cleanup):
    // registered before it exists, so no moment escapes.
    let registered = cleanup::remove_fifo_when_stopped(path);
    let well_known = create(path)?;
    registered.created()?;
    // Neither open waits: a non-blocking open for reading returns at once, and
    // then an open for writing finds a reader (this process) and cannot fail
    // with ENXIO.
    let requests = well_known.open_reader(Open::NonBlocking)?;
    let _own_writer = well_known.open_writer(Open::NonBlocking)?;
    requests.set_nonblocking(false)?; // from now on, a read waits for a request
    let own = identity(&requests, path)?;
    let limit = requests.pipe_buf()?; // a request is one atomic write
    println!("server: listening on {}", path.display());

    let mut requests = BufReader::new(requests);
    for number in 1..=count {
        let outcome = read_request(&mut requests, limit, path)?
            .and_then(|line| Request::parse(&line))
            .and_then(|request| reply(&request, own));
        match outcome {
            Ok((text, answer)) => {
                println!("server: request {number}: {text} -> {answer}")
            }
            Err(err) => {
                println!("server: request {number}: not answered: {err}")
            }
        }
    }
    drop(well_known); // unlink(path): new clients can no longer find the server
    println!(
        "server: answered {count} requests, removed {}",
        path.display()
    );
    Ok(())
}

/// Answers one request through the client's FIFO, which the client opened for
/// reading before it sent the request. The open does not wait: if nobody reads
/// the FIFO (the client died), it fails at once with ENXIO.
fn reply(request: &Request, own: (u64, u64)) -> Result<(String, String)> {
    let to = request.reply_to();
    if !fifo::is_fifo(to)? {
        return Err(Error::unexpected(
            "open",
            to.display().to_string(),
            "not a FIFO",
        ));
    }
    let mut client = fifo::open_writer(to, Open::NonBlocking)?;
    if identity(&client, to)? == own {
        let why = "the reply path is the server's own FIFO";
        return Err(Error::invalid("open", to.display().to_string(), why));
    }
    let answer = fifo_request::answer(request.text());
    // Non-blocking still: a FIFO that someone filled fails with EAGAIN.
    client
        .write_all(answer.as_bytes())
        .context("write", to.display().to_string())?;
    Ok((request.text().to_string(), answer)) // closing `client` ends the answer
}
// ANCHOR_END: serve

// ANCHOR: create
/// `mkfifo(path)`, or, if a FIFO is already there and no process has it open
/// for reading (a server that was killed left it), that FIFO removed and made
/// again. A FIFO some server reads, and any file that is not a FIFO, are left
/// alone: EEXIST.
fn create(path: &Path) -> Result<Fifo> {
    match Fifo::create(path) {
        Err(err)
            if err.errno() == Some(Errno::EEXIST) && fifo::is_fifo(path)? =>
        {
            // A non-blocking open for writing: ENXIO if nobody reads it.
            match fifo::open_writer(path, Open::NonBlocking) {
                Err(stale) if stale.errno() == Some(Errno::ENXIO) => {
                    std::fs::remove_file(path)
                        .context("unlink", path.display().to_string())?;
                    println!(
                        "server: removed {}, a FIFO no server was reading",
                        path.display()
                    );
                    Fifo::create(path)
                }
                Ok(_) => Err(Error::os(
                    "mkfifo",
                    format!("{}: a server is reading it", path.display()),
                    Errno::EEXIST,
                )),
                Err(other) => Err(other),
            }
        }
        other => other,
    }
}
// ANCHOR_END: create

/// The device and inode of the open FIFO `end` (at `path`, for errors).
fn identity(end: &impl AsFd, path: &Path) -> Result<(u64, u64)> {
    let stat = nix::sys::stat::fstat(end.as_fd()).map_err(|errno| {
        Error::os("fstat", path.display().to_string(), errno)
    })?;
    Ok((stat.st_dev, stat.st_ino))
}

/// Reads one request: a line of at most `limit` bytes, newline included. A
/// longer line is read to its newline and dropped, with memory bounded by the
/// buffer, and reported as a bad request; only a failed read stops the server.
fn read_request(
    requests: &mut impl BufRead,
    limit: usize,
    path: &Path,
) -> Result<Result<Vec<u8>>> {
    let mut line = Vec::new();
    (&mut *requests)
        .take(limit as u64)
        .read_until(b'\n', &mut line)
        .context("read", path.display().to_string())?;
    if line.ends_with(b"\n") {
        return Ok(Ok(line));
    }
    let mut dropped = line.len();
    loop {
        let buffered = requests
            .fill_buf()
            .context("read", path.display().to_string())?;
        if buffered.is_empty() {
            break; // cannot happen while the server holds a writer
        }
        let used = match buffered.iter().position(|&byte| byte == b'\n') {
            Some(end) => end + 1,
            None => buffered.len(),
        };
        let found_end = buffered[used - 1] == b'\n';
        requests.consume(used);
        dropped += used;
        if found_end {
            break;
        }
    }
    Ok(Err(Error::invalid(
        "read",
        path.display().to_string(),
        format!("a request of {dropped} bytes: at most {limit}"),
    )))
}
