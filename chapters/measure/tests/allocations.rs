//! The forms of the library's calls that the measurement program does not
//! time allocate nothing per message either: a global allocator
//! (`harness::allocations`) counts this thread's allocations while each
//! non-allocating send and receive runs a thousand times. The allocating
//! forms allocate once per message. (The program itself counts the
//! allocations of every timed loop, in both processes: see
//! `tests/outputs.rs`.)

use std::io::Read;

use apue_ipc::msg::{MessageQueue, Receive, Select};
use apue_ipc::pipe::{Pipe, PipeEnd};
use harness::allocations::{allocations_during, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const MESSAGES: u64 = 1000;

/// Runs `body` once to warm up (a thread's first send sizes its buffer),
/// then `MESSAGES` times, and returns the allocations of those.
fn count(mut body: impl FnMut()) -> u64 {
    body();
    let ((), allocations) = allocations_during(|| {
        for _ in 0..MESSAGES {
            body();
        }
    });
    allocations
}

fn assert_none(what: &str, body: impl FnMut()) {
    let allocations = count(body);
    assert_eq!(
        allocations, 0,
        "{what}: {allocations} allocations for {MESSAGES} messages"
    );
}

#[test]
fn the_forms_without_allocation_allocate_nothing() {
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

    // The allocating forms: one allocation per message.
    let allocations = count(|| {
        queue.send(1, &payload[..100]).unwrap();
        let message = queue.receive(Select::Any, 8192).unwrap();
        assert_eq!(message.data.len(), 100);
        assert_eq!(message.data.capacity(), 100, "the message's length");
    });
    assert_eq!(allocations, MESSAGES);
    let allocations = count(|| {
        queue.send(1, &payload[..10]).unwrap();
        let message = queue.peek(0, 8192).unwrap();
        assert_eq!(message.data.capacity(), 10, "the message's length");
        queue.receive_into(Select::Any, &mut buffer).unwrap();
    });
    assert_eq!(allocations, MESSAGES);

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
