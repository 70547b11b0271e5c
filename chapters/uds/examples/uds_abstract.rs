//! A socket in Linux's abstract namespace: a name with no file, that the
//! kernel frees as soon as the socket bound to it is closed, and that any
//! process may connect to, since there is no file to carry permissions.
//!
//! Run: cargo run --example uds_abstract

use std::fs;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use apue_ipc::uds::{self, Address, Kind, Listener};

/// The lines of /proc/net/unix that end with `address` (`@name`).
fn listed(address: &Address) -> std::io::Result<usize> {
    let table = fs::read_to_string("/proc/net/unix")?;
    let name = format!(" {address}");
    Ok(table.lines().filter(|line| line.ends_with(&name)).count())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: abstract
    // `@apue-ipc-abstract-PID-0`: no path, nothing to create or remove
    let address = Address::unique_abstract("abstract");
    let listener = Listener::bind(address.clone(), Kind::Stream)?;
    assert_eq!(listed(&address)?, 1); // the kernel's table shows it, with `@`

    let mut client = UnixStream::from(uds::connect(&address, Kind::Stream)?);
    let mut server = UnixStream::from(listener.accept()?);
    client.write_all(b"ping")?;
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf)?;
    assert_eq!(&buf, b"ping");

    drop(listener);
    // The name is free again at once (a path would need an unlink first),
    // while the connection made through it goes on.
    let again = Listener::bind(address.clone(), Kind::Stream)?;
    server.write_all(b"pong")?;
    client.read_exact(&mut buf)?;
    assert_eq!(&buf, b"pong");
    drop(again);
    // ANCHOR_END: abstract
    println!("{address}: bound, connected, closed and bound again");
    Ok(())
}
