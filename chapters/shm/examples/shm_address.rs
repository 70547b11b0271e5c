//! SHMLBA and SHM_RND: an address given to shmat must be a multiple of SHMLBA
//! (the page size on x86-64), else EINVAL; with SHM_RND the kernel rounds it
//! down to one. Attached again at the same address, the segment shows what was
//! written through the earlier attachment.
//!
//! Run: cargo run --example shm_address

use apue_ipc::shm::{lower_boundary, SharedMemory};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: address
    let lba = lower_boundary()?; // SHMLBA: 4096 on x86-64
    let segment = SharedMemory::new(100)?;
    let mut memory = segment.attach()?;
    let address = memory.address(); // where the kernel put it
    assert_eq!(address % lba, 0);
    memory.as_mut_slice()[0] = 7;
    memory.detach()?; // that address range is free again

    let odd = address + 100;
    let err = segment.attach_at(odd, false).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL)); // not a multiple of SHMLBA
    let rounded = segment.attach_at(odd, true)?; // SHM_RND: rounded down
    assert_eq!(rounded.address(), address);
    assert_eq!(rounded.as_slice()[0], 7);
    // ANCHOR_END: address
    println!("asked for {odd:#x}, attached at {address:#x} (SHMLBA {lba})");
    Ok(())
}
