//! The hot paths of `apue_ipc::posix` allocate nothing: a queue's `send` and
//! `receive_into` a reused buffer, a semaphore's `wait` and `post`, and the
//! copies in and out of a shared mapping. Counted by a global allocator
//! (`harness::allocations`), per thread.

use std::sync::atomic::Ordering;

use apue_ipc::posix::{Name, Queue, QueueOptions, Semaphore, SharedMemory};
use harness::allocations::{allocations_during, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const ROUNDS: usize = 1000;

fn queue() -> Queue {
    let options = QueueOptions {
        max_messages: Some(4),
        message_size: Some(64),
        ..QueueOptions::default()
    };
    Queue::create(&Name::unique("alloc").unwrap(), &options).unwrap()
}

#[test]
fn a_queue_sends_and_receives_without_allocating() {
    let queue = queue();
    let mut buf = [0u8; 64];
    let ((), allocations) = allocations_during(|| {
        for round in 0..ROUNDS {
            queue.send(b"hello", round as u32 % 8).unwrap();
            assert_eq!(queue.receive_into(&mut buf).unwrap().len, 5);
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn a_semaphore_waits_and_posts_without_allocating() {
    let semaphore =
        Semaphore::create(&Name::unique("alloc").unwrap(), 0).unwrap();
    let ((), allocations) = allocations_during(|| {
        for _ in 0..ROUNDS {
            semaphore.post().unwrap();
            semaphore.wait().unwrap();
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn a_mapping_is_read_and_written_without_allocating() {
    let memory =
        SharedMemory::create(&Name::unique("alloc").unwrap(), 4096).unwrap();
    let mut mapping = memory.map().unwrap();
    let mut buf = [0u8; 5];
    let ((), allocations) = allocations_during(|| {
        for _ in 0..ROUNDS {
            mapping.write_at(100, b"hello").unwrap();
            mapping.read_at(100, &mut buf).unwrap();
            mapping
                .atomic_u64(0)
                .unwrap()
                .fetch_add(1, Ordering::SeqCst);
        }
    });
    assert_eq!(allocations, 0);
    assert_eq!(&buf, b"hello");
}

/// The count is real: the allocating receive allocates once per message,
/// the message's own bytes (after the thread's first receive, which also
/// sizes the thread's `mq_msgsize` buffer).
#[test]
fn the_allocating_receive_is_counted() {
    let queue = queue();
    queue.send(b"first", 0).unwrap();
    queue.receive().unwrap();
    let (message, allocations) = allocations_during(|| {
        queue.send(b"hello", 0).unwrap();
        queue.receive().unwrap()
    });
    assert_eq!(allocations, 1);
    assert_eq!(message.data, b"hello");
    assert_eq!(message.data.capacity(), 5, "the message's length");
}
