//! Typed messages over a socket are selected as msgrcv selects them: the same
//! messages and the same selections give the same answers from an XSI queue
//! and from a MessageSocket. One difference: a message too long for the
//! buffer.
//!
//! Run: cargo run --example uds_select

use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::uds::{MessageSocket, Waiting};
use apue_ipc::Result;
use nix::errno::Errno;

const SENT: [(i64, &str); 5] =
    [(3, "c1"), (1, "a1"), (2, "b1"), (1, "a2"), (3, "c2")];

const SELECTIONS: [Select; 5] = [
    Select::Any,
    Select::Type(2),
    Select::LowestUpTo(3),
    Select::LowestUpTo(3),
    Select::LowestUpTo(3),
];

fn shown(mtype: i64, data: &[u8]) -> String {
    format!("{mtype}:{}", String::from_utf8_lossy(data))
}

// ANCHOR: both
fn through_queue() -> Result<Vec<String>> {
    let queue = MessageQueue::new()?;
    for (mtype, text) in SENT {
        queue.send(mtype, text.as_bytes())?;
    }
    let mut got = Vec::new();
    for select in SELECTIONS {
        let message = queue.try_receive(select, 16)?;
        got.push(shown(message.mtype, &message.data));
    }
    Ok(got)
}

fn through_socket() -> Result<Vec<String>> {
    let (sender, mut receiver) = MessageSocket::pair()?;
    for (mtype, text) in SENT {
        sender.send(mtype, text.as_bytes())?;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 16]; // reused: nothing is allocated per message
    for select in SELECTIONS {
        let message = receiver.try_receive_into(select, &mut buf)?;
        let message = message.expect("the sender is still open");
        got.push(shown(message.mtype, &buf[..message.len]));
    }
    Ok(got)
}
// ANCHOR_END: both

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: same
    let expected = ["3:c1", "2:b1", "1:a1", "1:a2", "3:c2"];
    assert_eq!(through_queue()?, expected);
    assert_eq!(through_socket()?, expected);
    // ANCHOR_END: same

    // ANCHOR: too_long
    let (sender, mut receiver) = MessageSocket::pair()?;
    sender.send(1, b"hello, world")?; // 12 bytes each
    sender.send(2, b"hello, again")?;
    let mut buf = [0u8; 5];
    // Any, with nothing stashed: one recvmsg, which cuts the packet to fit.
    let lost = receiver.receive_into(Select::Any, &mut buf).unwrap_err();
    assert!(lost.to_string().ends_with("the rest is lost"), "{lost}");
    // Selected by type: peeked at first, refused with E2BIG, left waiting.
    let err = receiver
        .receive_into(Select::Type(2), &mut buf)
        .unwrap_err();
    assert_eq!(err.errno(), Some(Errno::E2BIG));
    let left = Waiting {
        messages: 1,
        bytes: 12,
    };
    assert_eq!(receiver.waiting()?, left);
    // ANCHOR_END: too_long
    println!("{}", expected.join(" "));
    println!("{err}");
    println!("{lost}");
    Ok(())
}
