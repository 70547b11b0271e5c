//! Exercise (message queues): a priority queue for free. Receiving with a
//! negative type takes the lowest type first, so types can be priorities, 1 the
//! most urgent.
//!
//! In classroom mode, `cargo xtask exercise start msg_priority` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! msg_priority` tests your copy. The task and its hints are in the chapter
//! "Message queues", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::msg::{Message, MessageQueue, Select};
use apue_ipc::Result;
use nix::errno::Errno;

/// Takes every message now in `queue` (each at most `max_len` bytes), most
/// urgent (lowest type) first and, within a type, oldest first. Returns when
/// the queue is empty.
pub fn drain_by_priority(
    queue: &MessageQueue,
    max_len: usize,
) -> Result<Vec<Message>> {
    // ANCHOR_END: setup
    // ANCHOR: todo receive the lowest type first until the queue is empty
    let mut messages = Vec::new();
    loop {
        match queue.try_receive(Select::LowestUpTo(i64::MAX), max_len) {
            Ok(message) => messages.push(message),
            Err(err) if err.errno() == Some(Errno::ENOMSG) => {
                return Ok(messages)
            }
            Err(err) => return Err(err),
        }
    }
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let queue = MessageQueue::new()?;
    for (priority, task) in [
        (3, "tidy up"),
        (1, "fire!"),
        (2, "reply to mail"),
        (1, "call"),
    ] {
        queue.send(priority, task.as_bytes())?;
    }
    for message in drain_by_priority(&queue, 64)? {
        println!(
            "{} {}",
            message.mtype,
            String::from_utf8_lossy(&message.data)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_type_first_then_oldest_first() {
        let queue = MessageQueue::new().unwrap();
        for (mtype, text) in
            [(5, "e"), (2, "b1"), (9, "z"), (2, "b2"), (1, "a")]
        {
            queue.send(mtype, text.as_bytes()).unwrap();
        }
        let order: Vec<(i64, Vec<u8>)> = drain_by_priority(&queue, 8)
            .unwrap()
            .into_iter()
            .map(|m| (m.mtype, m.data))
            .collect();
        let expected: Vec<(i64, Vec<u8>)> =
            [(1, "a"), (2, "b1"), (2, "b2"), (5, "e"), (9, "z")]
                .into_iter()
                .map(|(t, s)| (t, s.as_bytes().to_vec()))
                .collect();
        assert_eq!(order, expected);
        assert_eq!(queue.stat().unwrap().messages, 0);
    }

    #[test]
    fn an_oversized_message_is_an_error_not_an_end() {
        let queue = MessageQueue::new().unwrap();
        queue.send(1, b"far too long").unwrap();
        let err = drain_by_priority(&queue, 4).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::E2BIG));
    }
}
