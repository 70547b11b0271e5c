//! uds_client: sends one request to `uds_server` and prints the answer.
//!
//! Demonstrates the client's half of a Unix domain socket service: it connects
//! to the server's socket by its path, sends its text as one typed message,
//! and receives one typed message back: the answer, which it prints, or a
//! refusal, which it reports as an error (exit status 1). Unlike the FIFO
//! client it needs no file of its own: the connection carries the answer back.
//!
//! Run a server first (see uds_server), then:
//!
//!     $ cargo run --bin uds_client -- /tmp/upper.sock hello
//!     HELLO

use std::path::PathBuf;
use std::process::ExitCode;

use apue_ipc::msg::{Message, Select};
use apue_ipc::uds::{Address, MessageSocket};
use harness::cli::{self, Failure};
use harness::uds_request::{ANSWER, MAX_TEXT, REFUSED, REQUEST};

const HELP: &str = "\
Usage: uds_client SOCKET TEXT

Sends TEXT to the uds_server listening on the Unix domain socket at the path
SOCKET and prints its answer. A server that refuses the client (it runs under
another uid) makes the client fail.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed or the server refused
(for example ENOENT: no socket at that path; ECONNREFUSED: a socket file that
no server listens on), 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("uds_client", HELP, |mut args| {
        let server = args.next_path()?.ok_or_else(|| {
            Failure::Usage("missing the server's SOCKET path".into())
        })?;
        let text = args
            .next_arg()?
            .ok_or_else(|| Failure::Usage("missing the TEXT to send".into()))?;
        args.finish()?;
        if text.len() > MAX_TEXT {
            return Err(Failure::Usage(format!(
                "TEXT has {} bytes, more than the {MAX_TEXT} a request holds",
                text.len()
            )));
        }
        ask(server, &text)
    })
}

// ANCHOR: ask
fn ask(server: PathBuf, text: &str) -> Result<(), Failure> {
    let mut server = MessageSocket::connect(&Address::Path(server))?;
    server.send(REQUEST, text.as_bytes())?;
    match server.receive(Select::Any, MAX_TEXT)? {
        Some(Message {
            mtype: ANSWER,
            data,
        }) => {
            println!("{}", String::from_utf8_lossy(&data));
            Ok(())
        }
        Some(Message {
            mtype: REFUSED,
            data,
        }) => Err(refused(&data)),
        Some(Message { mtype, .. }) => Err(unexpected(mtype)),
        None => Err(unexpected(0)),
    }
}
// ANCHOR_END: ask

fn refused(reason: &[u8]) -> Failure {
    let reason = String::from_utf8_lossy(reason);
    Failure::Runtime(format!("refused by the server: {reason}").into())
}

fn unexpected(mtype: i64) -> Failure {
    let what = match mtype {
        0 => "the server closed the connection without answering".to_string(),
        _ => format!("the server answered with a message of type {mtype}"),
    };
    Failure::Runtime(what.into())
}
