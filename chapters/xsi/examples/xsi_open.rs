//! Getting an object by key works like opening a file: open an existing one,
//! create it if missing, or insist on a new one (IPC_CREAT | IPC_EXCL).
//! IPC_PRIVATE always creates. A created object's permissions default to 0600.
//!
//! Run: cargo run --example xsi_open

use apue_ipc::xsi::{Key, Kind, Object, Options};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: options
    let key = Key::unique_to_process(1); // a key no other process is using
    let kind = Kind::MessageQueue;

    let missing = Object::open(kind, key, &Options::new()).unwrap_err();
    // open only: nothing there
    assert_eq!(missing.errno(), Some(Errno::ENOENT));

    let created = Object::open(kind, key, Options::new().create(true))?;
    assert!(created.removes_on_drop()); // this call created it, so it owns it
    assert_eq!(created.id().perm()?.mode & 0o777, 0o600);

    let opened = Object::open(kind, key, Options::new().create(true))?;
    assert_eq!(opened.id(), created.id()); // the same queue, found by its key
    assert!(!opened.removes_on_drop()); // opened, not created: not ours

    let taken =
        Object::open(kind, key, Options::new().exclusive(true)).unwrap_err();
    assert_eq!(taken.errno(), Some(Errno::EEXIST)); // the key is in use

    let private_1 = Object::new(kind)?; // Key::PRIVATE: a new queue every time
    let private_2 = Object::new(kind)?;
    assert_ne!(private_1.id(), private_2.id());
    // ANCHOR_END: options
    println!("key {key}: created {}, then opened the same", created.id());
    println!(
        "IPC_PRIVATE twice: {} and {}",
        private_1.id(),
        private_2.id()
    );
    Ok(())
}
