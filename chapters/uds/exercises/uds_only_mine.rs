//! Exercise (Unix domain sockets): a server that only talks to its own user.
//! Write `accept_from`, which accepts the next connection and keeps it only if
//! the kernel says the client runs under the given uid; any other client's
//! connection is closed at once, and reported.
//!
//! In classroom mode, `cargo xtask exercise start uds_only_mine` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! uds_only_mine` tests your copy. The task and its hints are in the chapter
//! "Unix domain sockets", section "Exercises". `cargo test --example
//! uds_only_mine` runs the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use std::os::fd::OwnedFd;

use apue_ipc::uds::{Credentials, Listener, UnixSocket};
use apue_ipc::Result;

/// What `accept_from` did with a connection.
#[derive(Debug)]
pub enum Accepted {
    /// A client running under the uid asked for: the connection, to serve.
    Client(OwnedFd, Credentials),
    /// A client of another uid, whose connection is already closed.
    Refused(Credentials),
}

/// Accepts the next connection on `listener`, and keeps it only if the client
/// runs under `uid`.
pub fn accept_from(listener: &Listener, uid: u32) -> Result<Accepted> {
    // ANCHOR_END: setup
    // ANCHOR: todo accept, then ask the kernel who connected
    let connection = listener.accept()?;
    let peer = connection.peer_credentials()?;
    if peer.uid == uid {
        Ok(Accepted::Client(connection, peer))
    } else {
        drop(connection); // the client reads end-of-file
        Ok(Accepted::Refused(peer))
    }
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    use apue_ipc::uds::{self, Address, Kind};
    let address = Address::unique_abstract("only_mine");
    let listener = Listener::bind(address.clone(), Kind::Stream)?;
    let _client = uds::connect(&address, Kind::Stream)?;
    let me = nix::unistd::geteuid().as_raw();
    match accept_from(&listener, me)? {
        Accepted::Client(_, peer) => println!("kept process {}", peer.pid),
        Accepted::Refused(peer) => println!("refused uid {}", peer.uid),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::uds::{self, Address, Kind};
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    fn me() -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    #[test]
    fn a_client_of_the_uid_is_kept() {
        let address = Address::unique_abstract("test");
        let listener = Listener::bind(address.clone(), Kind::Stream).unwrap();
        let _client = uds::connect(&address, Kind::Stream).unwrap();
        match accept_from(&listener, me()).unwrap() {
            Accepted::Client(_, peer) => {
                assert_eq!(peer.pid as u32, std::process::id());
                assert_eq!(peer.uid, me());
            }
            Accepted::Refused(peer) => panic!("refused {peer:?}"),
        }
    }

    /// The client runs under this test's uid; a server that wants another uid
    /// refuses it, and the client sees its connection closed.
    #[test]
    fn a_client_of_another_uid_is_refused_and_disconnected() {
        let address = Address::unique_abstract("test");
        let listener = Listener::bind(address.clone(), Kind::Stream).unwrap();
        let client = uds::connect(&address, Kind::Stream).unwrap();
        let other = me().wrapping_add(1);
        match accept_from(&listener, other).unwrap() {
            Accepted::Refused(peer) => assert_eq!(peer.uid, me()),
            Accepted::Client(_, peer) => panic!("kept {peer:?}"),
        }
        let mut rest = Vec::new();
        let read = UnixStream::from(client).read_to_end(&mut rest).unwrap();
        assert_eq!(read, 0); // end-of-file: the server closed it
    }
}
