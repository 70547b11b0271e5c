//! With O_NONBLOCK, opening a FIFO never waits: for reading it succeeds at
//! once, for writing it fails with ENXIO while no process has the FIFO open for
//! reading.
//!
//! Run: cargo run --example fifo_nonblocking

use std::io::{ErrorKind, Read};

use apue_ipc::fifo::{Fifo, Open};
use harness::temp;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_nonblocking")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?;

    // ANCHOR: read
    // no writer anywhere: no wait
    let mut reader = fifo.open_reader(Open::NonBlocking)?;
    let mut buf = [0u8; 16];
    let n = reader.read(&mut buf)?; // end-of-file, since no writer is open
    assert_eq!(n, 0);
    // ANCHOR_END: read
    println!("non-blocking open for reading returned at once");

    // ANCHOR: write
    drop(reader);
    let err = fifo.open_writer(Open::NonBlocking).unwrap_err(); // no reader
    assert_eq!(err.errno(), Some(Errno::ENXIO));

    let mut reader = fifo.open_reader(Open::NonBlocking)?;
    // a reader exists: it succeeds
    let writer = fifo.open_writer(Open::NonBlocking)?;
    // and now an empty FIFO is no EOF
    let silence = reader.read(&mut buf).unwrap_err();
    assert_eq!(silence.kind(), ErrorKind::WouldBlock);
    // ANCHOR_END: write
    println!("non-blocking open for writing with no reader: {err}");
    drop(writer);
    Ok(())
}
