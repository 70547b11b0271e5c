//! msgrcv's type argument picks a message: 0 the first in the queue, t > 0 the
//! first of type t, t < 0 the first of the lowest type that is at most |t|
//! (less than *or equal*: the note says "less than").
//!
//! Run: cargo run --example msg_select

use apue_ipc::msg::{MessageQueue, Select};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: select
    let queue = MessageQueue::new()?;
    for (mtype, text) in [(3, "c1"), (1, "a1"), (2, "b1"), (1, "a2"), (3, "c2")]
    {
        queue.send(mtype, text.as_bytes())?;
    }
    let take = |select| -> apue_ipc::Result<String> {
        let message = queue.try_receive(select, 16)?;
        Ok(format!(
            "{}:{}",
            message.mtype,
            String::from_utf8_lossy(&message.data)
        ))
    };
    // The oldest message, whatever its type:
    assert_eq!(take(Select::Any)?, "3:c1");
    // The oldest message of type 2:
    assert_eq!(take(Select::Type(2))?, "2:b1");
    // The lowest type <= 3 first, and the oldest first within a type; type 3
    // itself qualifies (<=, not <):
    assert_eq!(take(Select::LowestUpTo(3))?, "1:a1");
    assert_eq!(take(Select::LowestUpTo(3))?, "1:a2");
    assert_eq!(take(Select::LowestUpTo(3))?, "3:c2");
    // ANCHOR_END: select
    println!("Any, Type(2), then LowestUpTo(3) three times: 3:c1 2:b1 1:a1 1:a2 3:c2");
    Ok(())
}
