//! A POSIX shared memory object is a file in memory: ftruncate sizes it, and
//! resizes it later; fstat and `ls` show its size; every mapping of it sees
//! the same bytes, and atomics in it are shared with every process that maps
//! it.
//!
//! Run: cargo run --example posix_shm

use std::fs;
use std::sync::atomic::Ordering;

use apue_ipc::posix::{Access, Name, SharedMemory};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: size
    let name = Name::unique("shm")?;
    let memory = SharedMemory::create(&name, 4096)?; // shm_open + ftruncate
    assert_eq!(fs::metadata(name.shm_path())?.len(), 4096);
    memory.set_size(8192)?; // a file grows: ftruncate again
    assert_eq!(memory.size()?, 8192);
    // ANCHOR_END: size

    // ANCHOR: share
    let mut writer = memory.map()?;
    let other = SharedMemory::open(&name, Access::Read)?; // as another process
    let reader = other.map()?;
    writer.write_at(8000, b"near the end")?;
    let mut text = [0u8; 12];
    reader.read_at(8000, &mut text)?;
    assert_eq!(&text, b"near the end");

    let counter = writer.atomic_u64(0)?; // a word both mappings share
    counter.fetch_add(5, Ordering::SeqCst);
    let mut word = [0u8; 8];
    reader.read_at(0, &mut word)?;
    assert_eq!(u64::from_ne_bytes(word), 5);
    // A read-only mapping refuses writes before the hardware would fault.
    let err = other.map()?.write_at(0, b"x").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EACCES));
    // ANCHOR_END: share
    println!("{err}");
    Ok(())
}
