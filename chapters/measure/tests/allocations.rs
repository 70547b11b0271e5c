//! The safe API allocates nothing per message: a global allocator counts
//! every allocation while each non-allocating send and receive of the library
//! runs a thousand times. The allocating forms allocate once per message,
//! exactly the message's length.
//!
//! The count is the whole process's, so this test runs without the test
//! harness (`harness = false` in Cargo.toml): no other thread allocates while
//! it counts. A failed check panics, which fails `cargo test`.

use std::alloc::System;
use std::io::Read;

use apue_ipc::msg::{MessageQueue, Receive, Select};
use apue_ipc::pipe::{Pipe, PipeEnd};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const MESSAGES: usize = 1000;

/// Runs `body` once to warm up (a thread's first send sizes its buffer),
/// then `MESSAGES` times, and returns the allocations and bytes of those.
fn count(mut body: impl FnMut()) -> (usize, usize) {
    body();
    let region = Region::new(ALLOCATOR);
    for _ in 0..MESSAGES {
        body();
    }
    let change = region.change();
    (
        change.allocations + change.reallocations,
        change.bytes_allocated,
    )
}

fn assert_none(what: &str, body: impl FnMut()) {
    let (allocations, bytes) = count(body);
    assert_eq!(
        (allocations, bytes),
        (0, 0),
        "{what}: {allocations} allocations ({bytes} bytes) for {MESSAGES} messages"
    );
    println!("{what}: no allocation in {MESSAGES} messages");
}

fn main() {
    let queue = MessageQueue::new().unwrap();
    let payload = vec![42u8; 4096];
    let mut buffer = queue.message_buffer().unwrap();
    let mut sent = queue.message_buffer().unwrap();
    sent.set(5, &payload).unwrap();

    assert_none("send + receive_into", || {
        queue.send(1, &payload).unwrap();
        queue.receive_into(Select::Any, &mut buffer).unwrap();
    });
    assert_none("try_send + try_receive_into", || {
        queue.try_send(2, &payload).unwrap();
        queue
            .try_receive_into(Select::Type(2), &mut buffer)
            .unwrap();
    });
    assert_none("send_buffer + receive_into_with", || {
        queue.send_buffer(&sent).unwrap();
        let how = Receive {
            nowait: true,
            truncate: true,
        };
        queue
            .receive_into_with(Select::Except(1), &mut buffer, how)
            .unwrap();
    });
    assert_none("try_send_buffer + peek_into + receive_into", || {
        queue.try_send_buffer(&sent).unwrap();
        queue.peek_into(0, &mut buffer).unwrap();
        queue
            .receive_into(Select::LowestUpTo(9), &mut buffer)
            .unwrap();
    });

    // The allocating forms: one allocation per message, of its length.
    let (allocations, bytes) = count(|| {
        queue.send(1, &payload[..100]).unwrap();
        let message = queue.receive(Select::Any, 8192).unwrap();
        assert_eq!(message.data.len(), 100);
    });
    assert_eq!((allocations, bytes), (MESSAGES, 100 * MESSAGES));
    println!("receive: one allocation of the message's length per message");
    let (allocations, bytes) = count(|| {
        queue.send(1, &payload[..10]).unwrap();
        assert_eq!(queue.peek(0, 8192).unwrap().data.len(), 10);
        queue.receive_into(Select::Any, &mut buffer).unwrap();
    });
    assert_eq!((allocations, bytes), (MESSAGES, 10 * MESSAGES));
    println!("peek: one allocation of the message's length per message");

    // Pipe records: one write of at most PIPE_BUF bytes, and a read.
    let Pipe { mut reader, writer } = Pipe::new().unwrap();
    let mut record = [0u8; 512];
    assert_none("pipe write_atomic + read", || {
        writer.write_atomic(&payload[..512]).unwrap();
        reader.read_exact(&mut record).unwrap();
    });
    assert_none("pipe write_once + read", || {
        assert_eq!(writer.write_once(&payload[..512]).unwrap(), 512);
        reader.read_exact(&mut record).unwrap();
    });
}
