//! An XSI identifier is not a file descriptor: creating a queue adds nothing to
//! the process's descriptor table, so poll and select, which wait on
//! descriptors, have nothing to wait on. A pipe, for comparison, is two
//! descriptors that poll understands.
//!
//! Run: cargo run --example xsi_not_fd

use std::io::Write;
use std::os::fd::AsFd;

use apue_ipc::msg::MessageQueue;
use apue_ipc::pipe::Pipe;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// The numbers of this process's open descriptors, from /proc/self/fd.
fn descriptors() -> std::io::Result<Vec<String>> {
    let mut fds: Vec<String> = std::fs::read_dir("/proc/self/fd")?
        .map(|entry| {
            entry.map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .collect::<Result<_, _>>()?;
    fds.sort();
    Ok(fds)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: not_fd
    let before = descriptors()?;
    let queue = MessageQueue::new()?;
    queue.send(1, b"ready")?;
    // a queue with a message: still no descriptor
    assert_eq!(descriptors()?, before);

    let mut pipe = Pipe::new()?;
    pipe.writer.write_all(b"ready")?;
    // a pipe is two descriptors...
    assert_eq!(descriptors()?.len(), before.len() + 2);
    let mut fds = [PollFd::new(pipe.reader.as_fd(), PollFlags::POLLIN)];
    // ...and poll sees it readable
    assert_eq!(poll(&mut fds, PollTimeout::ZERO)?, 1);
    // For the queue there is nothing to put in `fds`: msgrcv waits on one
    // queue, alone.
    // ANCHOR_END: not_fd
    println!(
        "{} holds a message and is no descriptor; the pipe's read end polls readable",
        queue.id()
    );
    Ok(())
}
