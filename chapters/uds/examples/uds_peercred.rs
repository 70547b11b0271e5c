//! SO_PEERCRED: the kernel tells a server which process is at the other end of
//! a connection, by pid, uid and gid, as recorded when the connection was made.
//! Here a child process connects to the parent's abstract socket, and the
//! parent learns the child's pid without being told.
//!
//! Run: cargo run --example uds_peercred

use std::io::Read;
use std::os::unix::net::UnixStream;

use apue_ipc::uds::{self, Address, Kind, Listener, UnixSocket};
use harness::cli;
use nix::unistd::{getegid, geteuid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let name = args.next().ok_or("missing the socket's name")?;
        return child(Address::Abstract(name.into_bytes()));
    }
    // ANCHOR: pair
    let (a, _b) = uds::pair(Kind::Stream)?;
    let peer = a.peer_credentials()?; // the process that made the pair: us
    assert_eq!(peer.pid as u32, std::process::id());
    assert_eq!(
        (peer.uid, peer.gid),
        (geteuid().as_raw(), getegid().as_raw())
    );
    // ANCHOR_END: pair

    // ANCHOR: child_process
    let address = Address::unique_abstract("peercred");
    let listener = Listener::bind(address.clone(), Kind::Stream)?;
    let Address::Abstract(name) = &address else {
        unreachable!("an abstract address")
    };
    let child = cli::spawn(
        cli::child_command("child")?.arg(String::from_utf8(name.clone())?),
        "child",
    )?;
    let connection = listener.accept()?;
    let peer = connection.peer_credentials()?;
    assert_eq!(peer.pid as u32, child.id()); // nobody said so: the kernel did
    drop(connection); // end-of-file for the child, which then exits
    cli::wait_success(child, "child")?;
    // ANCHOR_END: child_process
    println!("the peer was process {}", peer.pid);
    Ok(())
}

/// Connects, then waits for the parent to close the connection.
fn child(address: Address) -> Result<(), Box<dyn std::error::Error>> {
    let mut server = UnixStream::from(uds::connect(&address, Kind::Stream)?);
    let mut rest = Vec::new();
    server.read_to_end(&mut rest)?;
    Ok(())
}
