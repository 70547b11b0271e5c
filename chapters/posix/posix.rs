//! posix: a parent and a child share a POSIX message queue, a named semaphore
//! and a shared memory object, which the child finds by their names alone.
//!
//! Demonstrates mq_open(3), sem_open(3) and shm_open(3) between two processes:
//! the parent creates the three objects and starts a child with nothing but
//! their names. It writes "hello,world" into the shared memory and posts the
//! semaphore; the child, which waits on the semaphore, then reads the shared
//! memory, prints what it found, and sends three messages with priorities 1, 3
//! and 2 before it exits. The parent waits for it, then receives the messages:
//! highest priority first. Every object is unlinked when the parent's handle is
//! dropped, on success or on any error.
//!
//! Run it with `cargo run --bin posix`. Expected output:
//!
//!     parent: created a queue (10 messages of 64 bytes), a semaphore, 4096 bytes
//!     child: found all three by name; shared memory says hello,world
//!     parent: 3 messages waiting, by priority: urgent (3) normal (2) later (1)

use std::ffi::CStr;
use std::process::ExitCode;

use apue_ipc::posix::{
    Access, Name, Queue, QueueOptions, Semaphore, SharedMemory,
};
use harness::cli::{self, Args, Failure};

const HELP: &str = "\
Usage: posix

A parent and its child share a POSIX message queue, a named semaphore and a
shared memory object, found by name. The parent writes \"hello,world\" into the
shared memory and posts the semaphore; the child waits on the semaphore, reads
the shared memory, and sends three messages of different priorities; the parent
receives them, highest priority first, and unlinks all three objects.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The program runs itself again as `posix child QUEUE SEMAPHORE MEMORY` for the
child's half.)
";

fn main() -> ExitCode {
    cli::run_parent_and_child("posix", HELP, parent, child)
}

// ANCHOR: parent
fn parent(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let options = QueueOptions {
        max_messages: Some(10),
        message_size: Some(64),
        ..QueueOptions::default() // mode 0600
    };
    // Names unique to this process: /apue-ipc-posix-PID-N
    let queue = Queue::create(&Name::unique("posix")?, &options)?;
    let ready = Semaphore::create(&Name::unique("posix")?, 0)?;
    let memory = SharedMemory::create(&Name::unique("posix")?, 4096)?;
    println!(
        "parent: created a queue (10 messages of 64 bytes), a semaphore, \
         4096 bytes"
    );

    let child = cli::spawn(
        cli::child_command("child")?
            .arg(queue.name().as_str())
            .arg(ready.name().as_str())
            .arg(memory.name().as_str()),
        "child",
    )?;
    memory
        .map()?
        .write_at(0, c"hello,world".to_bytes_with_nul())?;
    ready.post()?; // the child may read now
    cli::wait_success(child, "child")?;

    let waiting = queue.attributes()?.messages;
    let mut received = Vec::new();
    for _ in 0..waiting {
        let message = queue.receive()?;
        let text = String::from_utf8_lossy(&message.data);
        received.push(format!("{text} ({})", message.priority));
    }
    println!(
        "parent: {waiting} messages waiting, by priority: {}",
        received.join(" ")
    );
    Ok(()) // dropping the three handles unlinks the three names
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(mut args: Args) -> Result<(), Failure> {
    let mut name = || -> Result<Name, Failure> {
        let arg = args.next_arg()?.ok_or_else(|| {
            Failure::Usage("child: missing QUEUE SEMAPHORE MEMORY".into())
        })?;
        Name::new(&arg).map_err(|err| Failure::Usage(err.to_string()))
    };
    let (queue, ready, memory) = (name()?, name()?, name()?);
    args.finish()?;
    // Opened, not created: dropping these handles unlinks nothing.
    let queue = Queue::open(&queue, Access::Write)?;
    let ready = Semaphore::open(&ready)?;
    let memory = SharedMemory::open(&memory, Access::Read)?;

    ready.wait()?; // until the parent has written
    let mut text = [0u8; 64];
    memory.map()?.read_at(0, &mut text)?;
    let text = CStr::from_bytes_until_nul(&text)?.to_string_lossy();
    println!("child: found all three by name; shared memory says {text}");

    for (message, priority) in [("later", 1), ("urgent", 3), ("normal", 2)] {
        queue.send(message.as_bytes(), priority)?;
    }
    Ok(())
}
// ANCHOR_END: child
