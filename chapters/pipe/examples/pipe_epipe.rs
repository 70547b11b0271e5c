//! Writing to a pipe whose read ends are all closed fails with EPIPE. The
//! kernel also sends SIGPIPE, whose default action kills the writer: that is
//! what happens to a C program, and to a child process; a Rust program ignores
//! SIGPIPE and gets the error.
//!
//! Run: cargo run --example pipe_epipe

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use apue_ipc::pipe::{Pipe, PipeEnd};
use nix::errno::Errno;
use nix::sys::signal::Signal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: error
    let Pipe { reader, writer } = Pipe::new()?;
    drop(reader);
    let err = writer.write_once(b"anyone there?").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EPIPE));
    assert_eq!(err.to_string(), "write(pipe): Broken pipe (EPIPE)");
    // ANCHOR_END: error

    // ANCHOR: signal
    // `yes` writes "y\n" forever into a pipe whose read end we hold.
    let mut yes = Command::new("yes").stdout(Stdio::piped()).spawn()?;
    let mut first = [0u8; 2];
    let mut read_end = yes.stdout.take().expect("stdout is piped");
    read_end.read_exact(&mut first)?;
    drop(read_end); // the reader goes away while `yes` keeps writing
    let status = yes.wait()?;
    assert_eq!(&first, b"y\n");
    // Killed by the signal: there is no exit code.
    assert_eq!(status.signal(), Some(Signal::SIGPIPE as i32));
    assert_eq!(status.code(), None);
    // ANCHOR_END: signal
    println!("this process: {err}");
    println!("child `yes`: {status}");
    Ok(())
}
