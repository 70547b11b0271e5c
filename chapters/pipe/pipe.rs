//! pipe: a parent sends "hello,world" to its child through a pipe.
//!
//! Demonstrates pipe(2) between related processes, as in the article's first
//! example: the parent creates a pipe, prints `PIPE_BUF` and whether the read
//! end is a FIFO, starts a child that inherits the read end as its standard
//! input, writes the message into the write end and closes it. The child reads
//! until end-of-file and prints what it read.
//!
//! Run it with `cargo run --bin pipe`. Expected output:
//!
//!     PIPE_BUF=4096,S_ISFIFO=1
//!     hello,world

use std::io::{Read, Write};
use std::process::ExitCode;

use apue_ipc::pipe::{Pipe, PipeEnd};
use apue_ipc::Context;
use harness::cli::{self, Args, Failure};

const HELP: &str = "\
Usage: pipe

A parent process sends \"hello,world\" to its child through a pipe.

The parent prints PIPE_BUF and S_ISFIFO for the pipe's read end, starts a child
that inherits the read end as its standard input, writes the message and closes
the write end. The child reads until end-of-file and prints the message.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The program runs itself again as `pipe child` for the child's half.)
";

fn main() -> ExitCode {
    cli::run_parent_and_child("pipe", HELP, parent, child)
}

// ANCHOR: parent
fn parent(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let Pipe { reader, mut writer } = Pipe::new()?;
    println!(
        "PIPE_BUF={},S_ISFIFO={}",
        reader.pipe_buf()?,
        u8::from(reader.is_fifo()?)
    );

    // The read end becomes the child's stdin. The `Command` owns it and
    // closes the parent's copy when dropped at the end of this statement.
    let child =
        cli::spawn(cli::child_command("child")?.stdin(reader), "child")?;

    writer.write_all(b"hello,world").context("write", "pipe")?;
    drop(writer); // the last write end: the child's read sees end-of-file

    cli::wait_success(child, "child")?;
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let mut message = String::new();
    std::io::stdin()
        .read_to_string(&mut message)
        .context("read", "stdin")?;
    println!("{message}");
    Ok(())
}
// ANCHOR_END: child
