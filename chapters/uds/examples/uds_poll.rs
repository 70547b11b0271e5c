//! A socket is a file descriptor, so one poll(2) waits on it and on a pipe at
//! once, which no call can do with an XSI queue. This thread waits on both;
//! another thread sends a message on the socket, then writes to the pipe, each
//! time once the kernel shows the first thread asleep in poll.
//!
//! Run: cargo run --example uds_poll

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::thread;

use apue_ipc::msg::Select;
use apue_ipc::pipe::Pipe;
use apue_ipc::uds::MessageSocket;
use apue_ipc::{Context, Result};
use harness::blocked;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: poll
    let (mut other_end, mut socket) = MessageSocket::pair()?;
    let Pipe { mut reader, writer } = Pipe::new()?;
    let me = nix::unistd::gettid();
    let other = thread::spawn(move || -> Result<MessageSocket> {
        // Not a sleep: wait until the kernel shows `me` asleep in poll(2).
        blocked::wait_until_blocked_in(me, libc::SYS_poll, || false)?;
        other_end.send(1, b"from the socket")?;
        other_end.receive(Select::Any, 16)?; // "thanks": it was heard
        blocked::wait_until_blocked_in(me, libc::SYS_poll, || false)?;
        (&writer)
            .write_all(b"from the pipe")
            .context("write", "pipe")?;
        Ok(other_end) // kept open: only the pipe's writer closes here
    });

    let mut heard = Vec::new();
    while heard.len() < 2 {
        let mut fds = [
            PollFd::new(socket.as_fd(), PollFlags::POLLIN),
            PollFd::new(reader.as_fd(), PollFlags::POLLIN),
        ];
        poll(&mut fds, PollTimeout::NONE)?; // one call, two descriptors
        let [from_socket, from_pipe] = fds.map(|fd| fd.any() == Some(true));
        if from_socket {
            let message = socket.receive(Select::Any, 64)?.ok_or("closed")?;
            heard.push(String::from_utf8(message.data)?);
            socket.send(1, b"thanks")?;
        }
        if from_pipe {
            let mut text = String::new();
            reader.read_to_string(&mut text)?; // until the writer is gone
            heard.push(text);
        }
    }
    let other_end = other.join().expect("the other thread does not panic")?;
    drop(other_end);
    assert_eq!(heard, ["from the socket", "from the pipe"]);
    // ANCHOR_END: poll
    println!("woke for {:?}", heard);
    Ok(())
}
