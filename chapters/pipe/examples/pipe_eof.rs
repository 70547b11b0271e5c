//! A read from a pipe returns 0 (end-of-file) once every write end is closed,
//! and not before: a forgotten copy of the write end keeps the reader waiting.
//!
//! Run: cargo run --example pipe_eof

use std::io::{ErrorKind, Read, Write};

use apue_ipc::pipe::{Pipe, PipeEnd};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: eof
    let Pipe {
        mut reader,
        mut writer,
    } = Pipe::new()?;
    let forgotten_copy = writer.try_clone()?; // as if a child inherited it
    writer.write_all(b"last words")?;
    drop(writer);

    let mut buf = [0u8; 64];
    let n = reader.read(&mut buf)?;
    assert_eq!(&buf[..n], b"last words");

    // The pipe is empty, but a write end is still open: no end-of-file yet.
    // (Non-blocking, so that the demonstration reports instead of hanging.)
    reader.set_nonblocking(true)?;
    let err = reader.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);

    drop(forgotten_copy); // the last write end: now the reader sees end-of-file
    assert_eq!(reader.read(&mut buf)?, 0);
    // ANCHOR_END: eof
    println!("read returned 0 only after the last write end was closed");
    Ok(())
}
