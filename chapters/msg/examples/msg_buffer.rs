//! Receiving into a buffer the program owns and reuses, and sending from it:
//! no allocation and no copy but the kernel's, as in C. The allocating
//! receive is the convenient form.
//!
//! Run: cargo run --example msg_buffer

use apue_ipc::msg::{MessageQueue, Received, Select};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let queue = MessageQueue::new()?;
    for text in ["first", "second", "third"] {
        queue.send(1, text.as_bytes())?; // copied once, into a per-thread buffer
    }
    // ANCHOR: into
    // One buffer, with room for the longest message there can be (msgmax),
    // reused by every receive.
    let mut buffer = queue.message_buffer()?;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let Received { mtype, len } =
            queue.receive_into(Select::Any, &mut buffer)?;
        assert_eq!((mtype, len), (1, buffer.data().len()));
        seen.push(String::from_utf8_lossy(buffer.data()).into_owned());
    }
    assert_eq!(seen, ["first", "second", "third"]);

    // Answer in place and send the same buffer on: no copy at all.
    buffer.data_mut().make_ascii_uppercase();
    buffer.set_mtype(2)?;
    queue.send_buffer(&buffer)?;
    // ANCHOR_END: into

    // ANCHOR: allocating
    // The convenient form: a new Message, its data allocated at its length.
    let message = queue.receive(Select::Type(2), 64)?;
    assert_eq!(message.data, b"THIRD");
    // ANCHOR_END: allocating
    println!("received {seen:?} into one buffer, then {message:?}");
    Ok(())
}
