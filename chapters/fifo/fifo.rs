//! fifo: a parent sends "hello,world" to its child through a FIFO, as in the
//! article.
//!
//! Demonstrates mkfifo(3) and the blocking open of a FIFO: the parent creates a
//! FIFO in a fresh temporary directory and starts a child, giving it only the
//! FIFO's path. The child opens the FIFO for reading, the parent opens it for
//! writing; each open waits for the other. Once both ends are open the name
//! has done its job, and the parent removes the FIFO and the directory. It
//! writes the message and closes its end; the child reads until end-of-file
//! and prints what it read.
//!
//! Neither side can wait forever for the other: if the child ends before it
//! opens the FIFO, the parent's open is released and the parent says how the
//! child ended; if the parent dies, the child is told (SIGHUP) and says so.
//!
//! Run it with `cargo run --bin fifo`. Expected output:
//!
//!     hello,world

use std::io::{Read, Write};
use std::process::ExitCode;

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::Context;
use harness::cli::{self, Args, ChildWatch, Failure};
use harness::temp;

const HELP: &str = "\
Usage: fifo

A parent process sends \"hello,world\" to its child through a FIFO.

The parent creates a FIFO in a new private directory under $TMPDIR (or /tmp)
and starts a child that knows only the FIFO's path. The child opens it for
reading, the parent for writing; once both are open, the parent removes the
FIFO and the directory, writes the message and closes its end, and the child
reads until end-of-file and prints the message.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The program runs itself again as `fifo child PATH` for the child's half.)
";

fn main() -> ExitCode {
    cli::run_parent_and_child("fifo", HELP, parent, child)
}

// ANCHOR: parent
fn parent(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let dir = temp::dir("fifo")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?; // mode 0600

    // The child gets the FIFO's name, not a descriptor: it could be any
    // program.
    let child =
        cli::spawn(cli::child_command("child")?.arg(fifo.path()), "child")?;

    // If the child ends without opening the FIFO, the open below would wait
    // for ever: the watch then opens the read end itself, releasing it.
    let child = ChildWatch::new(child, "child");
    let path = fifo.path().to_path_buf();
    child.arm(move || fifo::open_reader(&path, Open::NonBlocking));
    // returns once the child has opened
    let mut writer = fifo.open_writer(Open::Blocking)?;
    child.disarm()?; // fails if the child ended first

    // Both ends are open: the name has done its job.
    drop(fifo); // unlink
    drop(dir); // rmdir
    writer.write_all(b"hello,world").context("write", "FIFO")?;
    drop(writer); // end-of-file for the child

    child.wait_success()?;
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(mut args: Args) -> Result<(), Failure> {
    let path = args.next_path()?.ok_or_else(|| {
        Failure::Usage("child: missing the FIFO's path".into())
    })?;
    args.finish()?;

    // waits for the writer
    let mut reader = fifo::open_reader(&path, Open::Blocking)?;
    let mut message = String::new();
    reader
        .read_to_string(&mut message)
        .context("read", path.display().to_string())?;
    println!("{message}");
    Ok(())
}
// ANCHOR_END: child
