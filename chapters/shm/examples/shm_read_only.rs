//! A read-only attachment (SHM_RDONLY) needs only read permission, and a read
//! and write one needs both, checked at the attach; opening by key checks the
//! access asked for. A store through a read-only attachment is killed with
//! SIGSEGV: safe Rust cannot even write one (`ReadOnlyAttachment` has no
//! method that writes), so the child makes the store C would, through
//! `harness::fault`, and dies of it.
//!
//! The segment's mode is 0444, read for everyone. The first child runs as
//! another user (nobody, 65534) when this runs as root, because root's
//! CAP_IPC_OWNER passes every permission check; otherwise as this user, whom
//! the owner's bits, r--, apply to the same way.
//!
//! Run: cargo run --example shm_read_only

use std::os::unix::process::{CommandExt, ExitStatusExt};

use apue_ipc::shm::SharedMemory;
use apue_ipc::xsi::{Access, Key, Options};
use harness::{cli, fault};
use nix::errno::Errno;
use nix::unistd::Uid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["reader", "store"]);
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("reader") => {
            let key = args.next().ok_or("missing key")?.parse()?;
            return reader(Key::from_raw(key));
        }
        Some("store") => {
            let id = args.next().ok_or("missing segment id")?.parse()?;
            return store(id);
        }
        _ => {}
    }
    // ANCHOR: parent
    let key = Key::unique_to_process(1);
    let options = Options::new().exclusive(true).mode(0o444).clone();
    let segment = SharedMemory::open(key, 16, &options)?;
    let mut reader = cli::child_command("reader")?;
    reader.arg(key.raw().to_string());
    if Uid::effective().is_root() {
        reader.uid(65534).gid(65534); // root would pass every check
    }
    cli::wait_success(cli::spawn(&mut reader, "reader")?, "reader")?;

    let store = cli::spawn(
        cli::child_command("store")?.arg(segment.id().raw().to_string()),
        "store",
    )?
    .wait()?;
    assert_eq!(store.signal(), Some(libc::SIGSEGV));
    // The store changed nothing:
    assert_eq!(segment.attach_read_only()?.as_slice(), [0; 16]);
    // ANCHOR_END: parent
    println!("read-only: attached with read permission; a store: {store}");
    Ok(())
}

// ANCHOR: reader
fn reader(key: Key) -> Result<(), Box<dyn std::error::Error>> {
    // Opening asks for read and write by default: more than 0444 allows.
    let err = SharedMemory::open(key, 0, &Options::new()).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EACCES));
    // Asking for read only (C: 0400 in shmget's flags), it opens,
    let segment =
        SharedMemory::open(key, 0, Options::new().access(Access::Read))?;
    // and it attaches for reading only.
    assert_eq!(segment.attach_read_only()?.as_slice(), [0; 16]);
    let err = segment.attach().unwrap_err(); // for writing too: refused
    assert_eq!(err.errno(), Some(Errno::EACCES));
    Ok(())
}
// ANCHOR_END: reader

// ANCHOR: store
fn store(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let attachment = SharedMemory::from_id(id)?.attach_read_only()?;
    fault::store_into(&attachment, b'x'); // `*addr = 'x'` in C
    Err("the store into a read-only attachment went through".into())
}
// ANCHOR_END: store
