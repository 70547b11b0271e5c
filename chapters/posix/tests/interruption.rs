//! A signal that interrupts a blocked receive or wait reaches the caller as
//! `EINTR`: the library does not retry the call behind its back.

use apue_ipc::posix::{Access, Name, Queue, QueueOptions, Semaphore};
use harness::interrupt::run_interrupted;
use nix::errno::Errno;

#[test]
fn a_queue_receive_returns_eintr() {
    let options = QueueOptions {
        max_messages: Some(1),
        message_size: Some(8),
        ..QueueOptions::default()
    };
    let name = Name::unique("test").unwrap();
    let queue = Queue::create(&name, &options).unwrap();
    let result = run_interrupted(
        // glibc's mq_receive is the mq_timedreceive system call.
        libc::SYS_mq_timedreceive,
        move || queue.receive_into(&mut [0u8; 8]).map(drop),
        || {
            let queue = Queue::open(&name, Access::Write).unwrap();
            queue.send(b"wake up", 0).unwrap();
        },
    );
    assert_eq!(result.unwrap_err().errno(), Some(Errno::EINTR));
}

#[test]
fn a_semaphore_wait_returns_eintr() {
    let name = Name::unique("test").unwrap();
    let semaphore = Semaphore::create(&name, 0).unwrap();
    let result = run_interrupted(
        // sem_wait sleeps in a futex.
        libc::SYS_futex,
        move || semaphore.wait(),
        || Semaphore::open(&name).unwrap().post().unwrap(),
    );
    assert_eq!(result.unwrap_err().errno(), Some(Errno::EINTR));
}
