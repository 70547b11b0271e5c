//! mmap_dev_zero: a parent and its child share memory mapped from /dev/zero,
//! as in the article's first mmap example.
//!
//! Demonstrates mmap(2) of /dev/zero with MAP_SHARED: the parent maps 1024
//! bytes of /dev/zero, closes the file, and forks (without exec: the child
//! must inherit the mapping). The parent copies the C string "hello" into the
//! mapping, then writes one byte into a pipe. The child waits for that byte,
//! which comes only after the copy, then prints the string it finds in the
//! mapping. No sleep: the pipe orders the two.
//!
//! Run it with `cargo run --bin mmap_dev_zero`. Expected output:
//!
//!     hello

use std::io::{PipeReader, Read, Write};
use std::process::ExitCode;

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;
use apue_ipc::pipe::Pipe;
use apue_ipc::Context;
use harness::cli::{self, Args, Failure};

const NAME: &str = "mmap_dev_zero";

const HELP: &str = "\
Usage: mmap_dev_zero

A parent and its child share 1024 bytes mapped from /dev/zero (MAP_SHARED).

The parent maps /dev/zero, closes it and forks. It copies \"hello\" into the
mapping and then writes one byte into a pipe; the child waits for that byte,
then prints the string it finds in the mapping.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The child is a fork of the parent, without exec: it inherits the mapping.)
";

fn main() -> ExitCode {
    cli::run(NAME, HELP, example)
}

// ANCHOR: example
fn example(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let shared = Mapping::dev_zero(1024)?; // open, mmap(MAP_SHARED), close
    let Pipe { reader, mut writer } = Pipe::new()?;

    // Runs in the child, which then exits. It borrows the mapping, and takes
    // the read end: the parent's copy is closed on the spot.
    let child = fork(|| cli::forked_child(NAME, || child(&shared, reader)))?;

    shared.write(0, b"hello\0")?; // strcpy(addr, "hello")
    writer.write_all(b"!").context("write", "pipe")?; // now the child reads
    cli::wait_forked(child, "child")?;
    Ok(())
}

fn child(shared: &Mapping, mut reader: PipeReader) -> Result<(), Failure> {
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte).context("read", "pipe")?; // waits for it
    let mut text = [0u8; 1024];
    shared.read(0, &mut text)?;
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    println!("{}", String::from_utf8_lossy(&text[..end])); // printf("%s\n")
    Ok(())
}
// ANCHOR_END: example
