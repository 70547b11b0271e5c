//! A socket with a path: `bind` creates a socket file, which the library's
//! Listener gives mode 0600 and removes when dropped. A socket file left behind
//! refuses connections and blocks the next bind.
//!
//! Run: cargo run --example uds_named

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};

use apue_ipc::uds::{self, Address, Kind, Listener};
use harness::temp;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: listener
    let dir = temp::dir("uds_named")?;
    let path = dir.path().join("server.sock");
    let address = Address::Path(path.clone());
    let listener = Listener::bind(address.clone(), Kind::Stream)?;

    let file = fs::symlink_metadata(&path)?;
    assert!(file.file_type().is_socket()); // `ls -l` shows type `s`
    assert_eq!(file.permissions().mode() & 0o777, 0o600);

    let mut client = UnixStream::from(uds::connect(&address, Kind::Stream)?);
    let mut server = UnixStream::from(listener.accept()?);
    client.write_all(b"ping")?;
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf)?;
    assert_eq!(&buf, b"ping");

    drop(listener);
    // The Listener unlinked its file:
    assert!(!path.exists());
    // ANCHOR_END: listener

    // ANCHOR: stale
    // std's UnixListener leaves its file behind when it is dropped:
    drop(UnixListener::bind(&path)?);
    assert!(path.exists());
    // Nobody listens there, and nobody can bind there until it is removed.
    let refused = uds::connect(&address, Kind::Stream).unwrap_err();
    assert_eq!(refused.errno(), Some(Errno::ECONNREFUSED));
    let taken = Listener::bind(address.clone(), Kind::Stream).unwrap_err();
    assert_eq!(taken.errno(), Some(Errno::EADDRINUSE));
    fs::remove_file(&path)?;
    // Bound again, and unlinked when dropped:
    Listener::bind(address, Kind::Stream)?;
    // ANCHOR_END: stale
    println!("{refused}");
    println!("{taken}");
    Ok(())
}
