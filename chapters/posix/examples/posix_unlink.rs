//! Unlinking a POSIX object removes its name, not the object: whoever has it
//! open goes on using it, as with a file. Removing an XSI object removes it
//! for everyone at once.
//!
//! Run: cargo run --example posix_unlink

use apue_ipc::msg::MessageQueue;
use apue_ipc::posix::{
    Access, Name, Queue, QueueOptions, Semaphore, SharedMemory,
};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let options = QueueOptions {
        max_messages: Some(4),
        message_size: Some(64),
        ..QueueOptions::default()
    };
    // ANCHOR: queue
    let name = Name::unique("unlink")?;
    let mut queue = Queue::create(&name, &options)?;
    queue.send(b"still here", 1)?;
    queue.unlink()?; // the name is gone...
    let err = Queue::open(&name, Access::Read).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT));
    // ...and free: a new queue under it is another, empty queue...
    let newer = Queue::create(&name, &options)?;
    assert_eq!(newer.attributes()?.messages, 0);
    // ...while the old one lives on for whoever has it open.
    assert_eq!(queue.receive()?.data, b"still here");
    // ANCHOR_END: queue

    // ANCHOR: others
    let mut semaphore = Semaphore::create(&name, 0)?;
    semaphore.unlink()?;
    semaphore.post()?; // unlinked, and still counting
    assert_eq!(semaphore.value()?, 1);

    let mut memory = SharedMemory::create(&name, 4096)?;
    let mut mapping = memory.map()?;
    memory.unlink()?;
    drop(memory); // no name, no descriptor: only the mapping holds it now
    mapping.write_at(0, b"alive")?;
    // ANCHOR_END: others

    // ANCHOR: xsi
    let queue = MessageQueue::new()?;
    // Another handle on the same queue, as another process would hold it:
    let other = MessageQueue::attach(queue.id().raw())?;
    queue.send(1, b"lost")?;
    queue.remove()?; // IPC_RMID: gone at once, with its message, for everyone
    let err = other.send(1, b"hello?").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL));
    // ANCHOR_END: xsi
    println!("{err}");
    Ok(())
}
