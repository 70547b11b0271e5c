//! Linux's additions to msgrcv and msgctl: MSG_EXCEPT receives any type but
//! one, MSG_COPY copies the n-th message without taking it, and MSG_INFO with
//! MSG_STAT_ANY list every queue of the system, as ipcs does.
//!
//! Run: cargo run --example msg_flags

use apue_ipc::msg::{self, MessageQueue, Select};
use nix::errno::Errno;

const REPLY: i64 = 1;
const UPPERCASE: i64 = 2;
const REVERSE: i64 = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: except
    // Requests carry their kind as their type; replies are all of type 1.
    let queue = MessageQueue::new()?;
    queue.send(UPPERCASE, b"hello")?;
    queue.send(REPLY, b"an earlier reply, not for the server")?;
    queue.send(REVERSE, b"stressed")?;

    // The server takes every request, of whatever kind, and never a reply.
    let mut answered = Vec::new();
    loop {
        let request = match queue.try_receive(Select::Except(REPLY), 64) {
            Ok(request) => request,
            Err(err) if err.errno() == Some(Errno::ENOMSG) => break,
            Err(err) => return Err(err.into()),
        };
        let mut answer = request.data;
        match request.mtype {
            UPPERCASE => answer.make_ascii_uppercase(),
            _ => answer.reverse(),
        }
        answered.push(String::from_utf8(answer)?);
    }
    assert_eq!(answered, ["HELLO", "desserts"]);
    assert_eq!(queue.stat()?.messages, 1); // the reply is still there
                                           // ANCHOR_END: except

    // ANCHOR: peek
    queue.send(7, b"second")?;
    // MSG_COPY: the message at a position (0 is the oldest), left in place.
    let second = queue.peek(1, 64)?;
    assert_eq!((second.mtype, &second.data[..]), (7, &b"second"[..]));
    let past_the_end = queue.peek(2, 64).unwrap_err();
    assert_eq!(past_the_end.errno(), Some(Errno::ENOMSG));
    assert_eq!(queue.stat()?.messages, 2); // nothing was taken
                                           // ANCHOR_END: peek

    // ANCHOR: list
    // MSG_INFO: the whole system's queues, messages and bytes; then
    // MSG_STAT_ANY on every slot up to the highest one in use: every queue,
    // with no need for read permission on any of them.
    let usage = msg::usage()?;
    assert!(usage.queues >= 1 && usage.messages >= 2);
    let all = msg::queues()?;
    let (_, ours) = all
        .iter()
        .find(|(id, _)| *id == queue.id())
        .ok_or("our queue is not listed")?;
    assert_eq!((ours.messages, ours.bytes), (2, 42));
    // ANCHOR_END: list
    println!("MSG_EXCEPT answered {answered:?}");
    println!("MSG_COPY of position 1: {second:?}");
    println!("{} queue(s) in the system: {usage:?}", all.len());
    Ok(())
}
