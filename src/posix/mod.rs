//! POSIX IPC: message queues, named semaphores and shared memory found by name, the
//! interface POSIX.1b (1993) designed to replace XSI IPC.
//!
//! | C                                              | here                                    |
//! |------------------------------------------------|-----------------------------------------|
//! | a name, `"/NAME"`                              | [`Name::new`], [`Name::unique`]         |
//! | `mq_open(name, O_CREAT \| O_EXCL \| O_RDWR, 0600, &attr)` | [`Queue::create`] with [`QueueOptions`] |
//! | `mq_open(name, O_RDONLY / O_WRONLY / O_RDWR)`  | [`Queue::open`] with [`Access`]         |
//! | `mq_send(q, msg, len, prio)`                   | [`Queue::send`]                         |
//! | `mq_receive(q, buf, len, &prio)`               | [`Queue::receive_into`], [`Queue::receive`] |
//! | bare `mq_send`, `mq_receive`                   | [`mqueue::raw`], for measuring against  |
//! | `mq_getattr`, `mq_setattr(O_NONBLOCK)`         | [`Queue::attributes`], [`Queue::set_nonblocking`] |
//! | `poll` on a queue (Linux)                      | [`Queue`] is [`AsFd`](std::os::fd::AsFd) |
//! | `/proc/sys/fs/mqueue/*`                        | [`QueueLimits::read`]                   |
//! | `sem_open(name, O_CREAT \| O_EXCL, 0600, value)` | [`Semaphore::create`]                 |
//! | `sem_open(name, 0)`                            | [`Semaphore::open`]                     |
//! | `sem_wait`, `sem_trywait`, `sem_post`, `sem_getvalue` | [`Semaphore::wait`], [`Semaphore::try_wait`], [`Semaphore::post`], [`Semaphore::value`] |
//! | `shm_open(name, O_CREAT \| O_EXCL \| O_RDWR, 0600)` + `ftruncate` | [`SharedMemory::create`] |
//! | `shm_open(name, O_RDONLY / O_RDWR)`            | [`SharedMemory::open`]                  |
//! | `mmap(NULL, size, ..., MAP_SHARED, fd, 0)`     | [`SharedMemory::map`] → [`Mapping`]     |
//! | `mq_unlink`, `sem_unlink`, `shm_unlink`        | `unlink()`, and `Drop` of the creator   |
//! | `mq_close`, `sem_close`, `close`, `munmap`     | `Drop`                                  |
//!
//! Each owning type unlinks, when dropped, the name that *it created*: a program that
//! returns early or panics leaves no queue, semaphore or shared memory object behind. A
//! handle that only opened a name never unlinks it. Unlinking removes the name, not the
//! object: like a file, the object lives on until the last process closes it, which is
//! the reference count XSI objects lack.
//!
//! Man pages: [mq_overview(7)](https://man7.org/linux/man-pages/man7/mq_overview.7.html),
//! [sem_overview(7)](https://man7.org/linux/man-pages/man7/sem_overview.7.html),
//! [shm_overview(7)](https://man7.org/linux/man-pages/man7/shm_overview.7.html).

pub mod mqueue;
pub mod name;
pub mod semaphore;
pub mod shm;

use nix::errno::Errno;
use nix::sys::stat::Mode;

pub use mqueue::{
    Message, Queue, QueueAttributes, QueueLimits, QueueOptions, Received,
};
pub use name::Name;
pub use semaphore::Semaphore;
pub use shm::{Mapping, SharedMemory};

use crate::error::{Context, Error, Result};

/// The access an [`open`](Queue::open) asks for, which the object's permission bits
/// must grant (`O_RDONLY`, `O_WRONLY`, `O_RDWR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Receive, or map for reading.
    Read,
    /// Send.
    Write,
    /// Both.
    ReadWrite,
}

/// `mode` as permission bits, or the `EINVAL` refusal of `call` on `name`.
fn mode_bits(call: &'static str, name: &Name, mode: u32) -> Result<Mode> {
    match Mode::from_bits(mode as libc::mode_t) {
        Some(bits) if mode <= 0o777 => Ok(bits),
        _ => Err(Error::refused(
            call,
            name.as_str(),
            Errno::EINVAL,
            format!("{mode:#o} is not a set of permission bits"),
        )),
    }
}

/// A number from a `/proc` file that holds one.
fn read_proc_number(path: &str) -> Result<u64> {
    let text = std::fs::read_to_string(path).context("read", path)?;
    text.trim().parse().map_err(|_| {
        Error::unexpected("read", path, format!("not a number: {text:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_above_0777_are_refused() {
        let name = Name::unique("test").unwrap();
        assert!(mode_bits("shm_open", &name, 0o640).is_ok());
        let err = mode_bits("shm_open", &name, 0o4755).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        assert_eq!(
            err.to_string(),
            format!("shm_open({name}): 0o4755 is not a set of permission bits (EINVAL)")
        );
    }
}
