//! The note's cleanup script splits every line of `ipcs` into six fields. A
//! semaphore set's line has five, so the script's unpacking fails, and since it
//! parses everything before removing anything, one semaphore set anywhere on
//! the machine stops it.
//!
//! Run: cargo run --example xsi_cleanup_columns (needs `ipcs`, from
//! util-linux)

use std::process::Command;

use apue_ipc::xsi::{Kind, Object};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: columns
    let set = Object::new(Kind::SemaphoreSet)?;
    let output = Command::new("ipcs").arg("-s").env("LC_ALL", "C").output()?;
    let listing = String::from_utf8(output.stdout)?;
    let id = set.id().raw().to_string();
    let line = listing
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(id.as_str()))
        .ok_or("the set is not in ipcs's listing")?;
    // key, semid, owner, perms, nsems: five, where the script unpacks six
    assert_eq!(line.split_whitespace().count(), 5);
    // ANCHOR_END: columns
    println!("{line}");
    Ok(())
}
