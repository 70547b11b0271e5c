//! Exercise (XSI IPC): who owns what. Summarize /proc/sysvipc the way an
//! administrator wants to see it before cleaning up: for each owner, how many
//! queues, semaphore sets and segments.
//!
//! In classroom mode, `cargo xtask exercise start xsi_usage` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! xsi_usage` tests your copy. The task and its hints are in the chapter "XSI
//! IPC", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::collections::BTreeMap;

use apue_ipc::xsi::{Entry, Kind};

/// Counts `entries` by owner (`uid`): for each owner, the number of message
/// queues, semaphore sets and shared memory segments, in that order.
pub fn usage_by_owner(entries: &[Entry]) -> BTreeMap<u32, [usize; 3]> {
    // ANCHOR_END: setup
    // ANCHOR: todo one count per owner and kind
    let mut usage: BTreeMap<u32, [usize; 3]> = BTreeMap::new();
    for entry in entries {
        let column = match entry.id.kind() {
            Kind::MessageQueue => 0,
            Kind::SemaphoreSet => 1,
            Kind::SharedMemory => 2,
        };
        usage.entry(entry.uid).or_default()[column] += 1;
    }
    usage
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> apue_ipc::Result<()> {
    harness::cli::takes_no_arguments();
    let usage = usage_by_owner(&apue_ipc::cleanup::scan()?);
    println!("{:>10} {:>6} {:>6} {:>6}", "uid", "msg", "sem", "shm");
    for (uid, [msg, sem, shm]) in usage {
        println!("{uid:>10} {msg:>6} {sem:>6} {shm:>6}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::xsi::Object;

    #[test]
    fn counts_each_kind_for_its_owner() {
        // An owner no one else uses: tests running at the same time own objects
        // too.
        let owner = 3_000_000 + std::process::id();
        let objects: Vec<Object> =
            [Kind::MessageQueue, Kind::SharedMemory, Kind::SharedMemory]
                .into_iter()
                .map(|kind| Object::new(kind).unwrap())
                .collect();
        for object in &objects {
            object.id().set_owner(owner, owner).unwrap();
        }
        let usage = usage_by_owner(&apue_ipc::cleanup::scan().unwrap());
        assert_eq!(usage.get(&owner), Some(&[1, 0, 2]));
    }

    #[test]
    fn no_objects_no_owners() {
        assert!(usage_by_owner(&[]).is_empty());
    }
}
