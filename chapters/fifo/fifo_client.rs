//! fifo_client: sends one request to `fifo_server` and prints the answer.
//!
//! Demonstrates the client's half of APUE's figure 15.23. The client creates a
//! FIFO of its own in a fresh temporary directory, opens the server's
//! well-known FIFO for writing and sends one line: the path of its FIFO and the
//! text. It then opens its FIFO for reading, which waits until the server opens
//! it to answer, reads the answer until end-of-file and prints it. Its FIFO and
//! directory are removed before it exits.
//!
//! The server's FIFO is opened with O_NONBLOCK, so that when no server is
//! reading it the client fails at once with ENXIO instead of waiting for one.
//!
//! Run a server first (see fifo_server), then:
//!
//!     $ cargo run --bin fifo_client -- /tmp/upper.fifo hello
//!     HELLO

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::Context;
use harness::cli::{self, Failure};
use harness::fifo_request::Request;
use harness::temp;

const HELP: &str = "\
Usage: fifo_client FIFO TEXT

Sends TEXT to the fifo_server reading the FIFO at the path FIFO and prints its
answer. The answer comes back through a FIFO the client creates in a new
private directory under $TMPDIR (or /tmp) and removes before it exits.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed (for example ENXIO: no
server is reading FIFO), 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("fifo_client", HELP, |mut args| {
        let server = args.next_arg()?.ok_or_else(|| {
            Failure::Usage("missing the server's FIFO path".into())
        })?;
        let text = args
            .next_arg()?
            .ok_or_else(|| Failure::Usage("missing the TEXT to send".into()))?;
        args.finish()?;
        ask(PathBuf::from(server), text)
    })
}

// ANCHOR: ask
fn ask(server: PathBuf, text: String) -> Result<(), Failure> {
    let dir = temp::dir("fifo_client")?;
    let reply = Fifo::create(dir.path().join("reply.fifo"))?;
    let request = Request::new(reply.path(), text)?;

    // ENXIO: no server
    let to_server = fifo::open_writer(&server, Open::NonBlocking)?;
    to_server.set_nonblocking(false)?;
    // one write, never interleaved
    to_server.write_atomic(request.to_line().as_bytes())?;
    drop(to_server);

    let mut answer = String::new();
    reply
        // waits until the server opens it to answer
        .open_reader(Open::Blocking)?
        .read_to_string(&mut answer)
        .context("read", reply.path().display().to_string())?;
    println!("{answer}");
    Ok(()) // drops `reply` (unlink), then `dir` (rmdir)
}
// ANCHOR_END: ask
