//! A send that waits on a full queue resumes when a receive makes room, not
//! when the queue "has data": a full queue has data already.
//!
//! Run: cargo run --example msg_room

use apue_ipc::msg::{MessageQueue, Select};
use harness::blocked::Waiter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: room
    let queue = MessageQueue::new()?;
    let chunk = vec![0u8; 4096];
    while queue.try_send(1, &chunk).is_ok() {} // full: 16384 bytes by default
    let full = queue.stat()?;

    let id = queue.id().raw();
    let sender =
        Waiter::spawn(move || MessageQueue::attach(id)?.send(2, &[0u8; 4096]))?;
    // The queue holds data, and the sender waits all the same.
    sender.wait_until_blocked_in(libc::SYS_msgsnd)?;
    assert_eq!(queue.stat()?.messages, full.messages);

    queue.receive(Select::Type(1), 4096)?; // room for one more message
    sender.result()??; // the send completes
    let after = queue.stat()?;
    assert_eq!(after.messages, full.messages); // one out, one in
    assert_eq!(queue.try_receive(Select::Type(2), 4096)?.data.len(), 4096);
    // ANCHOR_END: room
    println!(
        "a full queue of {} messages ({} bytes): the sender waited until a \
         receive made room",
        full.messages, full.bytes
    );
    Ok(())
}
