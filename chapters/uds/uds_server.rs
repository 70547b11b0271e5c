//! uds_server: answers clients of its own user through a Unix domain socket,
//! and refuses everyone else by the credentials the kernel gives.
//!
//! Demonstrates a named SOCK_SEQPACKET socket between unrelated processes, and
//! SO_PEERCRED: the server binds a socket at the path given, lets any user
//! connect (mode 0666), and for each connection asks the kernel who the client
//! is (pid, uid, gid, recorded at connect(2): the client cannot lie about
//! them). It reads the client's request, a typed message, and answers it (the
//! text in upper case) if the client runs under the server's own uid, or sends
//! a refusal if not. It stops after COUNT connections and removes the socket
//! file. The clients are `uds_client`.
//!
//! Run it in one terminal, then the clients in another:
//!
//!     $ cargo run --bin uds_server -- /tmp/upper.sock 2
//!     server: listening on /tmp/upper.sock
//!     server: client 1 (pid 4242, my uid): hello -> HELLO
//!     server: client 2 (pid 4243, my uid): socket -> SOCKET
//!     server: served 2 clients, removed /tmp/upper.sock
//!
//!     $ cargo run --bin uds_client -- /tmp/upper.sock hello
//!     HELLO

use std::path::PathBuf;
use std::process::ExitCode;

use apue_ipc::msg::Select;
use apue_ipc::uds::{Address, Kind, Listener, MessageSocket, UnixSocket};
use apue_ipc::Result;
use harness::cleanup;
use harness::cli::{self, Failure};
use harness::fifo_request;
use harness::uds_request::{ANSWER, MAX_TEXT, REFUSED, REQUEST};

const HELP: &str = "\
Usage: uds_server SOCKET COUNT

Creates a Unix domain socket (SOCK_SEQPACKET) at the path SOCKET, which must
not exist yet, and serves COUNT connections from uds_client, then removes it
and exits. Any user may connect; the server asks the kernel who each client is
(SO_PEERCRED) and answers only clients that run under its own uid, with the
request's text in upper case. Others get a refusal.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("uds_server", HELP, |mut args| {
        let path = args.next_path()?.ok_or_else(|| {
            Failure::Usage("missing the SOCKET's path".into())
        })?;
        let count = args.next_arg()?.ok_or_else(|| {
            Failure::Usage("missing COUNT, the number of clients".into())
        })?;
        let count: u32 = count.parse().map_err(|_| {
            Failure::Usage(format!(
                "COUNT must be a number of clients, not '{count}'"
            ))
        })?;
        args.finish()?;
        serve(path, count)
    })
}

// ANCHOR: serve
fn serve(path: PathBuf, count: u32) -> Result<(), Failure> {
    let address = Address::Path(path.clone());
    // Removed if the server is interrupted or killed (see harness::cleanup):
    // registered before bind(2) creates it, so that no moment is uncovered.
    let registered = cleanup::remove_socket_when_stopped(&path);
    // Anyone may connect: the server decides who it answers, by uid.
    let listener = Listener::bind_with_mode(address, Kind::SeqPacket, 0o666)?;
    registered.created()?;
    println!("server: listening on {}", listener.address());
    let my_uid = nix::unistd::geteuid().as_raw();

    for number in 1..=count {
        let client = MessageSocket::from_fd(listener.accept()?)?;
        let peer = client.peer_credentials()?; // SO_PEERCRED
        let who = if peer.uid == my_uid {
            format!("pid {}, my uid", peer.pid)
        } else {
            format!("pid {}, uid {}", peer.pid, peer.uid)
        };
        match answer(client, peer.uid == my_uid) {
            Ok(outcome) => {
                println!("server: client {number} ({who}): {outcome}")
            }
            Err(err) => {
                println!("server: client {number} ({who}): not answered: {err}")
            }
        }
    }
    let shown = listener.address().to_string();
    drop(listener); // unlink(path): new clients can no longer connect
    println!("server: served {count} clients, removed {shown}");
    Ok(())
}
// ANCHOR_END: serve

/// Reads one client's request and answers it, or refuses it if `allowed` is
/// false. Returns what the log says about the exchange.
fn answer(mut client: MessageSocket, allowed: bool) -> Result<String> {
    let Some(request) = client.receive(Select::Type(REQUEST), MAX_TEXT)? else {
        return Ok("left without a request".to_string());
    };
    let text = String::from_utf8_lossy(&request.data);
    if !allowed {
        client.send(REFUSED, b"you are not the server's user")?;
        return Ok("refused".to_string());
    }
    let answer = fifo_request::answer(&text);
    client.send(ANSWER, answer.as_bytes())?;
    Ok(format!("{text} -> {answer}")) // dropping `client` closes the connection
}
