//! Listing POSIX IPC objects by name, which both `cargo xtask stress` and
//! classroom mode need to see what a program left behind: shared memory
//! objects and named semaphores are files in `/dev/shm`, message queues are
//! files of an `mqueue` file system, where one is mounted.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The names of the entries of `dir`; none if it cannot be read.
pub fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Where the `mqueue` file system is mounted, if anywhere.
pub fn mqueue_mount() -> Option<PathBuf> {
    let mounts = fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(2) == Some(&"mqueue")).then(|| PathBuf::from(fields[1]))
    })
}
