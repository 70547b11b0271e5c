//! Exercise (POSIX IPC): a worker that waits on a queue and a pipe at once.
//! Jobs arrive on a POSIX queue, with priorities; the pipe says when to stop:
//! its writer closes it. Write `work`, which takes every job as it arrives and
//! returns them all once the pipe is closed and no job is left.
//!
//! In classroom mode, `cargo xtask exercise start posix_drain` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! posix_drain` tests your copy. The task and its hints are in the chapter
//! "POSIX IPC", section "Exercises". `cargo test --example posix_drain` runs
//! the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use std::io::{PipeReader, Read};
use std::os::fd::AsFd;

use apue_ipc::posix::{Message, Queue};
use apue_ipc::{Context, Error, Result};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// Receives the messages of `queue` as they arrive, waiting on the queue and
/// on `stop` in one poll(2), until `stop` reads end-of-file; then takes the
/// messages still waiting, highest priority first, and returns them all in
/// the order received. A byte written to `stop` is an error.
pub fn work(queue: &Queue, mut stop: &PipeReader) -> Result<Vec<Message>> {
    // ANCHOR_END: setup
    // ANCHOR: todo poll both; on end-of-file, drain the queue without waiting
    let mut done = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(queue.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        poll(&mut fds, PollTimeout::NONE)
            .map_err(|e| Error::os("poll", "queue and pipe", e))?;
        let [job, stopping] = fds.map(|fd| fd.any() == Some(true));
        if job {
            done.push(queue.receive()?); // poll said it waits: no blocking
        } else if stopping {
            let mut byte = [0u8; 1];
            if stop.read(&mut byte).context("read", "pipe")? != 0 {
                return Err(Error::unexpected("read", "pipe", "not closed"));
            }
            break;
        }
    }
    // Closed: take what is left without waiting for more.
    queue.set_nonblocking(true)?;
    loop {
        match queue.receive() {
            Ok(message) => done.push(message),
            Err(err) if err.errno() == Some(Errno::EAGAIN) => return Ok(done),
            Err(err) => return Err(err),
        }
    }
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    use apue_ipc::pipe::Pipe;
    use apue_ipc::posix::{Name, QueueOptions};
    let queue =
        Queue::create(&Name::unique("drain")?, &QueueOptions::default())?;
    let Pipe { reader, writer } = Pipe::new()?;
    for (job, priority) in [("sweep", 1), ("fire", 9), ("mail", 5)] {
        queue.send(job.as_bytes(), priority)?;
    }
    drop(writer);
    for message in work(&queue, &reader)? {
        println!(
            "{} {}",
            message.priority,
            String::from_utf8_lossy(&message.data)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::pipe::Pipe;
    use apue_ipc::posix::{Name, QueueOptions};
    use harness::blocked;
    use std::io::Write;
    use std::thread;

    fn queue() -> Queue {
        let options = QueueOptions {
            max_messages: Some(8),
            message_size: Some(32),
            ..QueueOptions::default()
        };
        Queue::create(&Name::unique("test").unwrap(), &options).unwrap()
    }

    fn texts(messages: &[Message]) -> Vec<(&[u8], u32)> {
        messages
            .iter()
            .map(|m| (m.data.as_slice(), m.priority))
            .collect()
    }

    #[test]
    fn what_waits_comes_out_by_priority() {
        let queue = queue();
        let Pipe { reader, writer } = Pipe::new().unwrap();
        for (job, priority) in [("b", 1), ("a", 7), ("c", 1), ("d", 3)] {
            queue.send(job.as_bytes(), priority).unwrap();
        }
        drop(writer);
        let done = work(&queue, &reader).unwrap();
        let expected: [(&[u8], u32); 4] =
            [(b"a", 7), (b"d", 3), (b"b", 1), (b"c", 1)];
        assert_eq!(texts(&done), expected);
    }

    /// The worker waits in poll(2) on both; a job wakes it, and so does the
    /// pipe's closing, after which it takes what is left and returns.
    #[test]
    fn it_waits_on_both_at_once() {
        let queue = queue();
        let Pipe { reader, writer } = Pipe::new().unwrap();
        let (sender, tid) = std::sync::mpsc::channel();
        let worker = thread::scope(|scope| {
            let worker = scope.spawn(|| {
                sender.send(nix::unistd::gettid()).unwrap();
                work(&queue, &reader)
            });
            let tid = tid.recv().unwrap();
            let done = || worker.is_finished();
            assert!(blocked::wait_until_blocked_in(tid, libc::SYS_poll, done)
                .unwrap());
            queue.send(b"first", 2).unwrap();
            queue.send(b"second", 4).unwrap();
            drop(writer); // stop: the worker ends
            worker.join().unwrap()
        });
        let done = worker.unwrap();
        assert_eq!(done.len(), 2, "{done:?}");
        assert_eq!(queue.attributes().unwrap().messages, 0);
    }

    #[test]
    fn a_byte_on_the_pipe_is_an_error() {
        let queue = queue();
        let Pipe { reader, mut writer } = Pipe::new().unwrap();
        writer.write_all(b"?").unwrap();
        let err = work(&queue, &reader).unwrap_err();
        assert!(err.to_string().contains("not closed"), "{err}");
    }
}
