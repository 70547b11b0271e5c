//! What IPC_RMID does to a segment that is still attached, on Linux: nothing
//! to those attached, who go on using it; its key becomes IPC_PRIVATE (so no
//! shmget finds it) and its mode shows SHM_DEST, until the last detach
//! destroys it. Linux even lets a process attach it by identifier meanwhile.
//!
//! Run: cargo run --example shm_removed

use apue_ipc::shm::{SharedMemory, SHM_DEST};
use apue_ipc::xsi::{Key, Kind, Options};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: removed
    let key = Key::unique_to_process(2);
    let segment = SharedMemory::open(key, 64, Options::new().exclusive(true))?;
    let id = segment.id();
    let mut memory = segment.attach()?;
    segment.remove()?; // IPC_RMID while attached

    let listed = Kind::SharedMemory.list()?;
    let entry = listed.iter().find(|entry| entry.id == id).ok_or("gone")?;
    assert_eq!(entry.key, Key::PRIVATE); // the key is gone: 0
    assert_eq!(entry.mode, SHM_DEST | 0o600); // 1600 here; ipcs: 600, dest
    let err = SharedMemory::open(key, 0, &Options::new()).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT)); // no shmget finds it

    memory.as_mut_slice()[0] = 42; // still memory, still shared:
    let again = SharedMemory::from_id(id.raw())?.attach()?; // Linux only
    assert_eq!(again.as_slice()[0], 42);
    assert!(again.len() == 64 && id.is_listed()?);

    drop(memory);
    assert!(id.is_listed()?); // one attachment left
    drop(again); // the last detach destroys it
    assert!(!id.is_listed()?);
    // ANCHOR_END: removed
    println!("{id} lived on after IPC_RMID until its last detach");
    Ok(())
}
