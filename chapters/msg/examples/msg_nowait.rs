//! IPC_NOWAIT on msgrcv with no matching message fails with ENOMSG, not EAGAIN
//! as the note says; EAGAIN is what msgsnd with IPC_NOWAIT gets from a full
//! queue.
//!
//! Run: cargo run --example msg_nowait

use apue_ipc::msg::{MessageQueue, Select};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: enomsg
    let queue = MessageQueue::new()?;
    let empty = queue.try_receive(Select::Any, 64).unwrap_err();
    // receiving: ENOMSG
    assert_eq!(empty.errno(), Some(Errno::ENOMSG));
    // ANCHOR_END: enomsg

    // ANCHOR: eagain
    let capacity = queue.stat()?.max_bytes; // msgmnb: 16384 by default
    let chunk = vec![0u8; 4096];
    let full = loop {
        if let Err(err) = queue.try_send(1, &chunk) {
            break err;
        }
    };
    // sending to a full queue: EAGAIN
    assert_eq!(full.errno(), Some(Errno::EAGAIN));
    let held = queue.stat()?.bytes;
    // full: no room for one more
    assert!(held <= capacity && held + 4096 > capacity);
    // ANCHOR_END: eagain
    println!("receive from an empty queue: {empty}");
    println!("send to a full queue ({held} of {capacity} bytes): {full}");
    Ok(())
}
