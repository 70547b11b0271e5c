//! The typed messages of `apue_ipc::uds::MessageSocket` cost no allocation in
//! their non-allocating forms: `send`, and `receive_into` a buffer the caller
//! reuses. Counted by a global allocator (`harness::allocations`), per thread.

use apue_ipc::msg::Select;
use apue_ipc::uds::MessageSocket;
use harness::allocations::{allocations_during, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const ROUNDS: usize = 1000;

/// The next message, received into the caller's buffer: one recvmsg, no
/// allocation.
#[test]
fn sending_and_receiving_the_next_message_allocates_nothing() {
    let (sender, mut receiver) = MessageSocket::pair().unwrap();
    let mut buf = [0u8; 64];
    let ((), allocations) = allocations_during(|| {
        for round in 0..ROUNDS {
            sender.send(1 + round as i64 % 3, b"hello").unwrap();
            let got = receiver.receive_into(Select::Any, &mut buf).unwrap();
            assert_eq!(got.map(|m| m.len), Some(5));
        }
    });
    assert_eq!(allocations, 0);
}

/// A selection that passes over messages keeps them in a stash whose buffers
/// are reused: once it has held as many as it will, nothing more is allocated.
#[test]
fn selecting_by_type_allocates_nothing_once_the_stash_is_warm() {
    let (sender, mut receiver) = MessageSocket::pair().unwrap();
    let mut buf = [0u8; 64];
    let mut round = |receiver: &mut MessageSocket| {
        sender.send(2, b"later").unwrap();
        sender.send(3, b"last").unwrap();
        sender.send(1, b"first").unwrap();
        for (select, expected) in [
            (Select::Type(1), 1), // passes over 2 and 3: both stashed
            (Select::LowestUpTo(3), 2),
            (Select::Any, 3),
        ] {
            let got = receiver.receive_into(select, &mut buf).unwrap();
            assert_eq!(got.map(|m| m.mtype), Some(expected));
        }
    };
    round(&mut receiver); // the stash grows to two messages here
    let ((), allocations) = allocations_during(|| {
        for _ in 0..ROUNDS {
            round(&mut receiver);
        }
    });
    assert_eq!(allocations, 0);
}

/// The count is real: the allocating form allocates, once per message.
#[test]
fn the_allocating_receive_is_counted() {
    let (sender, mut receiver) = MessageSocket::pair().unwrap();
    let (_, allocations) = allocations_during(|| {
        sender.send(1, b"hello").unwrap();
        receiver.receive(Select::Any, 64).unwrap()
    });
    assert_eq!(allocations, 1);
}
