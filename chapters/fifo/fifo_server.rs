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
//! end-of-file between clients. It stops after COUNT requests and removes the
//! FIFO.
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

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::{Context, Result};
use harness::cli::{self, Failure};
use harness::fifo_request::{self, Request};

const HELP: &str = "\
Usage: fifo_server FIFO COUNT

Creates the FIFO at the path FIFO (it must not exist yet), answers COUNT
requests sent to it by fifo_client, then removes it and exits. Each answer is
the request's text in upper case, written to the client's own FIFO.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("fifo_server", HELP, |mut args| {
        let path = args
            .next_arg()?
            .ok_or_else(|| Failure::Usage("missing the FIFO's path".into()))?;
        let count = args.next_arg()?.ok_or_else(|| {
            Failure::Usage("missing COUNT, the number of requests".into())
        })?;
        let count: u32 = count.parse().map_err(|_| {
            Failure::Usage(format!(
                "COUNT must be a number of requests, not '{count}'"
            ))
        })?;
        args.finish()?;
        serve(PathBuf::from(path), count)
    })
}

// ANCHOR: serve
fn serve(path: PathBuf, count: u32) -> Result<(), Failure> {
    let well_known = Fifo::create(&path)?;
    // Neither open waits: a non-blocking open for reading returns at once, and
    // then an open for writing finds a reader (this process) and cannot fail
    // with ENXIO.
    let requests = well_known.open_reader(Open::NonBlocking)?;
    let _own_writer = well_known.open_writer(Open::NonBlocking)?;
    requests.set_nonblocking(false)?; // from now on, a read waits for a request
    println!("server: listening on {}", path.display());

    let mut requests = BufReader::new(requests);
    for number in 1..=count {
        let mut line = String::new();
        requests
            .read_line(&mut line)
            .context("read", path.display().to_string())?;
        match Request::parse(&line).and_then(|request| reply(&request)) {
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

/// Answers one request through the client's FIFO, which the client has created
/// and opens for reading after sending the request: the open waits for it.
fn reply(request: &Request) -> Result<(String, String)> {
    let answer = fifo_request::answer(request.text());
    let mut client = fifo::open_writer(request.reply_to(), Open::Blocking)?;
    client
        .write_all(answer.as_bytes())
        .context("write", request.reply_to().display().to_string())?;
    Ok((request.text().to_string(), answer)) // closing `client` ends the answer
}
// ANCHOR_END: serve
