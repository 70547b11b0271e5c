//! POSIX objects are found by name, and the names are files you can list; XSI
//! objects are found by a key, a number that no directory shows.
//!
//! Run: cargo run --example posix_names

use std::fs;
use std::os::unix::fs::MetadataExt;

use apue_ipc::msg::MessageQueue;
use apue_ipc::posix::{
    Access, Name, Queue, QueueOptions, Semaphore, SharedMemory,
};
use apue_ipc::xsi::{Key, Kind, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: name
    let name = Name::unique("names")?; // "/apue-ipc-names-PID-0"
    let memory = SharedMemory::create(&name, 4096)?;
    // The object is a file: `ls -l /dev/shm` lists it, owner, mode and size.
    let file = fs::metadata(name.shm_path())?;
    let uid = nix::unistd::geteuid().as_raw();
    assert_eq!(
        (file.len(), file.mode() & 0o777, file.uid()),
        (4096, 0o600, uid)
    );

    // Any process that knows the name opens the same object.
    let other = SharedMemory::open(&name, Access::ReadWrite)?;
    memory.map()?.write_at(0, b"same")?;
    let mut seen = [0u8; 4];
    other.map()?.read_at(0, &mut seen)?;
    assert_eq!(&seen, b"same");

    // Each kind has names of its own: the same name, two more objects.
    let _semaphore = Semaphore::create(&name, 0)?; // /dev/shm/sem.NAME
    assert!(name.semaphore_path().exists());
    let _queue = Queue::create(&name, &QueueOptions::default())?;
    // ANCHOR_END: name

    // ANCHOR: key
    // An XSI object's name is a number: here this process's own key.
    let key = Key::unique_to_process(1);
    let queue = MessageQueue::open(key, Options::new().exclusive(true))?;
    // No file anywhere: only the kernel's table, /proc/sysvipc/msg, lists it.
    let listed = Kind::MessageQueue.list()?;
    assert!(listed.iter().any(|entry| entry.key == key));
    // ANCHOR_END: key
    println!(
        "{name} is {}; XSI key {key} is queue {}",
        name.shm_path().display(),
        queue.id().raw()
    );
    Ok(())
}
