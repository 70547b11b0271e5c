//! A reader of a FIFO sees end-of-file once the last writer has closed,
//! whichever process it was, and not while any writer is left. Unlike a pipe, a
//! FIFO can then get a new writer, and the same reader reads on.
//!
//! Run: cargo run --example fifo_eof

use std::io::{ErrorKind, Read, Write};

use apue_ipc::fifo::{Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use harness::temp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_eof")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?;

    // ANCHOR: eof
    // Non-blocking, so that reads report instead of waiting:
    let mut reader = fifo.open_reader(Open::NonBlocking)?;
    // Two separate opens, as two client processes would do:
    let mut first = fifo.open_writer(Open::Blocking)?;
    let second = fifo.open_writer(Open::Blocking)?;
    first.write_all(b"from first")?;
    drop(first);

    let mut buf = [0u8; 64];
    let n = reader.read(&mut buf)?;
    assert_eq!(&buf[..n], b"from first");
    // empty, but `second` is still open
    let err = reader.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    drop(second); // the last writer: now a read returns 0, end-of-file
    assert_eq!(reader.read(&mut buf)?, 0);
    // ANCHOR_END: eof

    // ANCHOR: reopen
    // a writer after end-of-file
    let mut late = fifo.open_writer(Open::Blocking)?;
    late.write_all(b"later")?;
    reader.set_nonblocking(false)?;
    let n = reader.read(&mut buf)?; // the same reader reads on
    assert_eq!(&buf[..n], b"later");
    // ANCHOR_END: reopen
    println!("end-of-file came when the last writer closed; a new writer was read after it");
    Ok(())
}
