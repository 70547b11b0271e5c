//! A segment's size is kept as it was asked for (shm_segsz), but the memory
//! behind it, and what an attach maps, is whole pages. /proc/self/maps shows
//! the mapping: one page for a segment of 1024 bytes, named after the key.
//!
//! Run: cargo run --example shm_size

use std::fs;

use apue_ipc::shm::SharedMemory;
use nix::unistd::{sysconf, SysconfVar};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let page = sysconf(SysconfVar::PAGE_SIZE)?.ok_or("no page size")? as usize;
    // ANCHOR: size
    let segment = SharedMemory::new(1024)?;
    let attachment = segment.attach()?;
    assert_eq!(segment.stat()?.size, 1024); // as asked for
    assert_eq!(attachment.as_slice().len(), 1024); // what the slice holds

    let (start, end, name) = mapping_at(attachment.address())?;
    // what is mapped: a whole page
    assert_eq!(end - start, page);
    // the key, IPC_PRIVATE
    assert_eq!(name, "/SYSV00000000");
    // ANCHOR_END: size
    println!("1024 bytes asked for, {} mapped: {name}", end - start);
    Ok(())
}

// ANCHOR: maps
/// The range and name of the mapping that starts at `address`, from the
/// process's own /proc/self/maps: `start-end perms offset dev inode name`.
fn mapping_at(
    address: usize,
) -> Result<(usize, usize, String), Box<dyn std::error::Error>> {
    let maps = fs::read_to_string("/proc/self/maps")?;
    let prefix = format!("{address:x}-");
    let line = maps
        .lines()
        .find(|line| line.starts_with(&prefix))
        .ok_or("no mapping at the attachment's address")?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (start, end) = fields[0].split_once('-').ok_or("no range")?;
    let name = fields.get(5).ok_or("no name")?.to_string();
    let hex = |text| usize::from_str_radix(text, 16);
    Ok((hex(start)?, hex(end)?, name))
}
// ANCHOR_END: maps
