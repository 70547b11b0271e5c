//! A POSIX queue hands out the highest priority first, oldest first within a
//! priority, and nothing else: where an XSI receiver picks a message by type,
//! a POSIX receiver takes what the queue gives.
//!
//! Run: cargo run --example posix_priority

use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::posix::{Name, Queue, QueueOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let sent = [("low", 1), ("high", 9), ("mid", 5), ("high again", 9)];

    // ANCHOR: posix
    let options = QueueOptions {
        max_messages: Some(8),
        message_size: Some(64),
        ..QueueOptions::default()
    };
    let queue = Queue::create(&Name::unique("priority")?, &options)?;
    for (text, priority) in sent {
        queue.send(text.as_bytes(), priority)?;
    }
    let mut order = Vec::new();
    for _ in 0..sent.len() {
        order.push(String::from_utf8(queue.receive()?.data)?);
    }
    assert_eq!(order, ["high", "high again", "mid", "low"]);
    // ANCHOR_END: posix

    // ANCHOR: xsi
    let queue = MessageQueue::new()?;
    for (text, priority) in sent {
        queue.send(i64::from(priority), text.as_bytes())?; // type = priority
    }
    // The receiver chooses: the lowest type first...
    let first = queue.receive(Select::LowestUpTo(i64::MAX), 64)?;
    assert_eq!(first.data, b"low");
    // ...or exactly the type it asks for, whatever else is waiting.
    let mid = queue.receive(Select::Type(5), 64)?;
    assert_eq!(mid.data, b"mid");
    // ANCHOR_END: xsi
    println!("POSIX order: {}", order.join(", "));
    Ok(())
}
