//! `ipcs -l` prints shmall, a number of pages, in kilobytes. Today's default
//! shmall is 2^64 - 2^24 - 1 pages, more kilobytes than 64 bits can count, so
//! util-linux detects the overflow and prints the largest multiple of
//! pagesize/1024 that fits in 64 bits instead: 18446744073709551612 with
//! 4 KiB pages. Nothing wraps around.
//!
//! Run: cargo run --example xsi_ipcs_total (needs ipcs, from util-linux)

use std::process::Command;

use apue_ipc::xsi::Limits;
use nix::unistd::{sysconf, SysconfVar};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: total
    let shmall = Limits::read()?.shmall; // in pages
    let page = sysconf(SysconfVar::PAGE_SIZE)?.ok_or("no page size")?;
    let kib_per_page = u64::try_from(page)? / 1024;
    let output = Command::new("ipcs").arg("-l").env("LC_ALL", "C").output()?;
    let printed: u64 = String::from_utf8(output.stdout)?
        .lines()
        .find_map(|l| l.strip_prefix("max total shared memory (kbytes) = "))
        .ok_or("ipcs -l printed no total")?
        .parse()?;
    let expected = match shmall.checked_mul(kib_per_page) {
        Some(kib) => kib, // a limit somebody lowered: the exact figure
        // too large for 64 bits: util-linux clamps, it does not wrap
        None => u64::MAX - u64::MAX % kib_per_page,
    };
    assert_eq!(printed, expected);
    // ANCHOR_END: total
    println!(
        "shmall = {shmall} pages of {page} bytes; ipcs -l prints {printed} \
         kbytes"
    );
    Ok(())
}
