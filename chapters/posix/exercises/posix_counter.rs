//! Exercise (POSIX IPC): a counter in shared memory, kept right by a named
//! semaphore. Write `add`, which opens both by name, as any process would, and
//! adds 1 to the counter `times` times, one increment at a time under the
//! semaphore.
//!
//! In classroom mode, `cargo xtask exercise start posix_counter` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! posix_counter` tests your copy. The task and its hints are in the chapter
//! "POSIX IPC", section "Exercises". `cargo test --example posix_counter` runs
//! the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::posix::{Access, Name, Semaphore, SharedMemory};
use apue_ipc::Result;

/// Reads the counter, the first 8 bytes of `mapping`.
pub fn read_counter(mapping: &apue_ipc::posix::Mapping) -> Result<u64> {
    let mut word = [0u8; 8];
    mapping.read_at(0, &mut word)?;
    Ok(u64::from_ne_bytes(word))
}

/// Adds 1, `times` times, to the counter in the first 8 bytes of the shared
/// memory object `memory`, reading it and writing it back (no atomics) while
/// holding the semaphore `lock`, whose value is 1 when nobody holds it.
pub fn add(memory: &Name, lock: &Name, times: u32) -> Result<()> {
    // ANCHOR_END: setup
    // ANCHOR: todo open both by name; wait, read, write, post
    let memory = SharedMemory::open(memory, Access::ReadWrite)?;
    let mut mapping = memory.map()?;
    let lock = Semaphore::open(lock)?;
    for _ in 0..times {
        lock.wait()?;
        let result = read_counter(&mapping)
            .and_then(|n| mapping.write_at(0, &(n + 1).to_ne_bytes()));
        lock.post()?; // also when the increment failed
        result?;
    }
    Ok(())
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let memory = SharedMemory::create(&Name::unique("counter")?, 8)?;
    let lock = Semaphore::create(&Name::unique("counter")?, 1)?;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| add(memory.name(), lock.name(), 1000)))
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().expect("no panic"))
    })?;
    println!("counter: {}", read_counter(&memory.map()?)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    /// Four workers, each with its own opening and mapping of the objects, as
    /// four processes would have: no increment is lost.
    #[test]
    fn no_increment_is_lost() {
        let memory =
            SharedMemory::create(&Name::unique("test").unwrap(), 8).unwrap();
        let lock =
            Semaphore::create(&Name::unique("test").unwrap(), 1).unwrap();
        thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| add(memory.name(), lock.name(), 2000)))
                .collect();
            for worker in workers {
                worker.join().unwrap().unwrap();
            }
        });
        assert_eq!(read_counter(&memory.map().unwrap()).unwrap(), 8000);
        assert_eq!(lock.value().unwrap(), 1); // every wait was posted
    }

    #[test]
    fn missing_objects_are_reported() {
        let memory =
            SharedMemory::create(&Name::unique("test").unwrap(), 8).unwrap();
        let missing = Name::unique("test").unwrap();
        let err = add(memory.name(), &missing, 1).unwrap_err();
        assert_eq!(err.errno(), Some(nix::errno::Errno::ENOENT));
    }
}
