//! A memfd is a file in memory only: its mappings are shared like a file's,
//! and its descriptor can go to a program started with exec, which then maps
//! the same memory; any process of the same user can also open it by its
//! /proc path. Shared memory, without fork and without a file on disk.
//!
//! Run: cargo run --example mmap_memfd

use std::fs::File;
use std::io::stdin;
use std::os::fd::AsRawFd;

use apue_ipc::mmap::{memfd, Mapping};
use harness::cli;

type Error = Box<dyn std::error::Error>;

const SIZE: usize = 4096;

fn main() -> Result<(), Error> {
    harness::cli::takes_roles(&["path", "stdin"]);
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("stdin") => return write_through(stdin(), b"inherited"),
        Some("path") => {
            let path = args.next().ok_or("missing path")?;
            let file = File::options().read(true).write(true).open(path)?;
            return write_through(file, b"opened by path");
        }
        _ => {}
    }

    // ANCHOR: inherited
    let fd = memfd(c"mmap_memfd", SIZE)?; // no path: only this descriptor
    let mapping = Mapping::file(&fd, SIZE)?;

    // The descriptor becomes the standard input of a program started with
    // exec, which maps it.
    let status = cli::child_command("stdin")?
        .stdin(fd.try_clone()?)
        .status()?;
    assert!(status.success());
    let mut text = [0u8; 9];
    mapping.read(0, &mut text)?;
    assert_eq!(&text, b"inherited");
    // ANCHOR_END: inherited

    // ANCHOR: by_path
    // Or any process of the same user opens it by its name under /proc.
    let path = format!("/proc/{}/fd/{}", std::process::id(), fd.as_raw_fd());
    let status = cli::child_command("path")?.arg(&path).status()?;
    assert!(status.success());
    let mut text = [0u8; 14];
    mapping.read(0, &mut text)?;
    assert_eq!(&text, b"opened by path");
    // ANCHOR_END: by_path
    println!("a memfd's memory went to two programs started with exec");
    Ok(())
}

// ANCHOR: child
/// Maps the memfd open on `fd` and writes `text` at its start.
fn write_through(fd: impl std::os::fd::AsFd, text: &[u8]) -> Result<(), Error> {
    Mapping::file(fd, SIZE)?.write(0, text)?;
    Ok(())
}
// ANCHOR_END: child
