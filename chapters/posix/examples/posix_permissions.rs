//! POSIX objects get permissions as files do: the umask clears bits of the
//! mode asked for, and fstat reads them back from the descriptor. XSI objects
//! take the mode as given.
//!
//! Run: cargo run --example posix_permissions

use std::fs;
use std::os::unix::fs::PermissionsExt;

use apue_ipc::msg::MessageQueue;
use apue_ipc::posix::{Name, Queue, QueueOptions, Semaphore, SharedMemory};
use apue_ipc::xsi::{Key, Options};
use nix::sys::stat::{fstat, umask, Mode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: umask
    umask(Mode::from_bits_truncate(0o022)); // the usual umask
    let name = Name::unique("permissions")?;
    let wide = QueueOptions {
        mode: 0o666,
        ..QueueOptions::default()
    };
    let queue = Queue::create(&name, &wide)?;
    let memory = SharedMemory::create_with_mode(&name, 1, 0o666)?;
    let semaphore = Semaphore::create_with_mode(&name, 0, 0o666)?;
    // 0666 asked, 0644 given: the umask took the group's and others' write.
    assert_eq!(fstat(&queue)?.st_mode & 0o777, 0o644);
    assert_eq!(fstat(&memory)?.st_mode & 0o777, 0o644);
    let file = fs::metadata(semaphore.name().semaphore_path())?;
    assert_eq!(file.permissions().mode() & 0o777, 0o644);
    // ANCHOR_END: umask

    // ANCHOR: xsi
    let key = Key::unique_to_process(2);
    let xsi =
        MessageQueue::open(key, Options::new().exclusive(true).mode(0o666))?;
    // 0666 asked, 0666 given: no umask.
    assert_eq!(xsi.stat()?.perm.mode & 0o777, 0o666);
    // ANCHOR_END: xsi
    println!("{name}: 0644 for the POSIX objects, 0666 for XSI queue {key}");
    Ok(())
}
