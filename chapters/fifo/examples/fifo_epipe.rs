//! Writing to a FIFO that no process has open for reading fails with EPIPE, and
//! the kernel sends the writer SIGPIPE: a process with the default disposition
//! dies of it.
//!
//! Run: cargo run --example fifo_epipe

use std::io::Read;
use std::os::unix::process::ExitStatusExt;

use apue_ipc::fifo::{Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::popen;
use harness::temp;
use nix::errno::Errno;
use nix::sys::signal::Signal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_epipe")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?;

    // ANCHOR: error
    let reader = fifo.open_reader(Open::NonBlocking)?;
    let writer = fifo.open_writer(Open::NonBlocking)?;
    drop(reader); // the only reader
    let err = writer.write_once(b"anyone there?").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EPIPE));
    // ANCHOR_END: error
    println!("this process: {err}");

    // ANCHOR: signal
    // Another process finds the FIFO by its name and writes "y\n" into it
    // forever.
    let mut yes =
        popen::shell_with(r#"exec yes > "$1""#, [fifo.path()]).spawn()?;
    // waits for the shell's open
    let mut reader = fifo.open_reader(Open::Blocking)?;
    let mut first = [0u8; 2];
    reader.read_exact(&mut first)?;
    drop(reader); // yes's next write finds no reader
    let status = yes.wait()?;
    assert_eq!(&first, b"y\n");
    assert_eq!(status.signal(), Some(Signal::SIGPIPE as i32));
    // ANCHOR_END: signal
    println!("yes > fifo: {status}");
    Ok(())
}
