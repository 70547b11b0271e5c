//! The POSIX IPC chapter's program, run as a real process (see
//! `harness::testing`), and the proof that it leaves no object behind.

use std::fs;

use apue_ipc::posix::{Access, Name, Queue, Semaphore, SharedMemory};
use harness::program;
use harness::testing::Running;
use nix::errno::Errno;

harness::chapter_program!(posix);

/// The program's three names are `/apue-ipc-posix-PID-0` (the queue), `-1` (the
/// semaphore) and `-2` (the shared memory), PID being the parent's. After it
/// exits, no object of any kind answers to any of them, and `/dev/shm`, where
/// shared memory and semaphores live, holds nothing of the run. (Queues are
/// checked by name: `/dev/mqueue` need not be mounted.)
#[test]
fn posix_leaves_no_object_behind() {
    let running = Running::start(program!("posix"), &[], None);
    let pid = running.pid();
    let output = running.finish();
    assert!(output.status.success(), "{output:?}");
    let gone = |result: apue_ipc::Result<()>| {
        assert_eq!(result.unwrap_err().errno(), Some(Errno::ENOENT));
    };
    for n in 0..3 {
        let name = Name::new(&format!("/apue-ipc-posix-{pid}-{n}")).unwrap();
        gone(Queue::open(&name, Access::Read).map(drop));
        gone(Semaphore::open(&name).map(drop));
        gone(SharedMemory::open(&name, Access::Read).map(drop));
    }
    let ours = format!("apue-ipc-posix-{pid}-");
    for entry in fs::read_dir("/dev/shm").unwrap() {
        let file = entry.unwrap().file_name();
        assert!(!file.to_string_lossy().contains(&ours), "{file:?} is left");
    }
}
