//! shm: the note's shared memory example: a parent writes "hello,world" into a
//! segment, and its child reads it there and counts the segment's attachments.
//!
//! Demonstrates shmget(2), shmat(2), shmdt(2) and shmctl(2), as in the
//! article: the program prints SHMLBA, creates a private segment of 1024 bytes,
//! attaches it and writes "hello,world" into it, then starts a child. The
//! child attaches the segment (read-only: it only reads), prints the string it
//! finds there and the segment's size and attach count from IPC_STAT. The
//! parent, still attached, waits for the child, detaches and removes the
//! segment.
//!
//! The count is 2 on every run: the parent's attachment and the child's own.
//! The child starts with none, because a new program starts with none (exec
//! detaches every segment), and the parent is attached until the child ends.
//!
//! Run it with `cargo run --bin shm`. Expected output, on every run:
//!
//!     SHMLBA(shared memory low boundary):4096
//!     hello,world
//!     segment size:1024,attach number:2

use std::ffi::CStr;
use std::process::ExitCode;

use apue_ipc::shm::{self, SharedMemory};
use harness::cli::{self, Args, Failure};

const HELP: &str = "\
Usage: shm

A parent writes \"hello,world\" into a shared memory segment; its child reads
it there.

The parent prints SHMLBA, creates a private segment of 1024 bytes, attaches it,
writes the string and starts a child. The child attaches the segment read-only,
prints the string and the segment's size and number of attachments. The parent
waits for the child, then detaches and removes the segment.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The program runs itself again as `shm child ID` for the child's half.)
";

fn main() -> ExitCode {
    cli::run_parent_and_child("shm", HELP, parent, child)
}

// ANCHOR: parent
fn parent(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let lba = shm::lower_boundary()?;
    cli::say(&format!("SHMLBA(shared memory low boundary):{lba}"))?;

    // Private, mode 0600, removed on drop; its bytes start at 0.
    let segment = SharedMemory::new(1024)?;
    let mut attachment = segment.attach()?; // attachment 1: the parent's
    let text = c"hello,world".to_bytes_with_nul(); // with its NUL, as C's
    attachment.as_mut_slice()[..text.len()].copy_from_slice(text);

    // The child attaches once more (attachment 2) while this one stays.
    let child = cli::spawn(
        cli::child_command("child")?.arg(segment.id().raw().to_string()),
        "child",
    )?;
    cli::wait_success(child, "child")?;

    attachment.detach()?;
    segment.remove()?; // on error paths, dropping `segment` removes it
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(mut args: Args) -> Result<(), Failure> {
    let id = args.next_id("segment")?;
    args.finish()?;
    let segment = SharedMemory::from_id(id)?;
    let attachment = segment.attach_read_only()?;
    let text = CStr::from_bytes_until_nul(attachment.as_slice())?;
    cli::say(&text.to_string_lossy())?;

    let status = segment.stat()?;
    cli::say(&format!(
        "segment size:{},attach number:{}",
        status.size, status.attachments
    ))?;
    Ok(())
}
// ANCHOR_END: child
