//! On Linux a POSIX queue is a file descriptor: poll(2) reports it readable
//! when a message waits, beside any other descriptor, such as a pipe. An XSI
//! queue has no descriptor to give poll.
//!
//! Run: cargo run --example posix_mq_poll

use std::io::{Read, Write};
use std::os::fd::AsFd;

use apue_ipc::pipe::Pipe;
use apue_ipc::posix::{Name, Queue, QueueOptions};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// Which of `queue` and `pipe` poll reports readable, without waiting.
fn readable(queue: &Queue, pipe: &impl AsFd) -> nix::Result<(bool, bool)> {
    let mut fds = [
        PollFd::new(queue.as_fd(), PollFlags::POLLIN),
        PollFd::new(pipe.as_fd(), PollFlags::POLLIN),
    ];
    poll(&mut fds, PollTimeout::ZERO)?;
    let [queue, pipe] = fds.map(|fd| fd.any() == Some(true));
    Ok((queue, pipe))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: poll
    let queue =
        Queue::create(&Name::unique("poll")?, &QueueOptions::default())?;
    let Pipe {
        mut reader,
        mut writer,
    } = Pipe::new()?;
    assert_eq!(readable(&queue, &reader)?, (false, false));
    queue.send(b"a job", 1)?;
    assert_eq!(readable(&queue, &reader)?, (true, false));
    writer.write_all(b"stop")?;
    assert_eq!(readable(&queue, &reader)?, (true, true));
    queue.receive()?;
    reader.read_exact(&mut [0u8; 4])?;
    assert_eq!(readable(&queue, &reader)?, (false, false));
    // ANCHOR_END: poll
    println!("{} polled beside a pipe", queue.name());
    Ok(())
}
