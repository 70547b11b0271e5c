//! What fills a socket: a queue's capacity counts the bytes of its messages, a
//! socket's send buffer counts the kernel's memory for each message, which is
//! far more than its bytes for a small one.
//!
//! Run: cargo run --example uds_capacity

use apue_ipc::msg::MessageQueue;
use apue_ipc::uds::{MessageSocket, UnixSocket};
use apue_ipc::{Error, Result};
use nix::errno::Errno;

/// Calls `send` until it fails with EAGAIN, and returns how many succeeded.
fn fill(mut send: impl FnMut() -> Result<()>) -> Result<u64> {
    let mut sent = 0;
    loop {
        match send() {
            Ok(()) => sent += 1,
            Err(err) if err.errno() == Some(Errno::EAGAIN) => return Ok(sent),
            Err(err) => return Err(err),
        }
    }
}

fn main() -> std::result::Result<(), Error> {
    harness::cli::takes_no_arguments();
    // ANCHOR: capacity
    let queue = MessageQueue::new()?;
    queue.set_max_bytes(16384)?; // a new queue's capacity (msgmnb's default)
    let in_queue = fill(|| queue.try_send(911, b"help\0"))?;
    assert_eq!(in_queue, 16384 / 5); // 3276: the bytes are what count

    let (sender, _receiver) = MessageSocket::pair()?;
    sender.set_send_buffer_size(8192)?;
    assert_eq!(sender.send_buffer_size()?, 16384); // doubled
    let in_socket = fill(|| sender.try_send(911, b"help\0"))?;
    let per_message = 16384 / in_socket;
    assert!(per_message > 100); // hundreds of bytes for 5 bytes of message

    // ANCHOR_END: capacity
    println!(
        "messages of 5 bytes: {in_queue} fill a queue of 16384 bytes, \
         {in_socket} a send buffer of 16384 ({per_message} bytes each)"
    );
    Ok(())
}
