//! Names: how unrelated processes find the same POSIX object, as a path finds a file.
//!
//! A POSIX IPC name is `/` followed by up to 255 bytes with no other `/` (251 for a
//! named semaphore, see [`SEMAPHORE_NAME_MAX`])
//! ([mq_overview(7)](https://man7.org/linux/man-pages/man7/mq_overview.7.html),
//! [shm_open(3)](https://man7.org/linux/man-pages/man3/shm_open.3.html),
//! [sem_overview(7)](https://man7.org/linux/man-pages/man7/sem_overview.7.html)).
//! On Linux queues live in the `mqueue` file system (mounted, by convention, on
//! `/dev/mqueue`), shared memory as files in the tmpfs `/dev/shm`, and named
//! semaphores there too, as `sem.NAME`.

use std::ffi::{CStr, CString};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::errno::Errno;

use crate::error::{Error, Result};

/// What every name [`Name::unique`] makes starts with, after the `/`: a checker that
/// looks for leftovers (in `/dev/shm`, or in a mounted `/dev/mqueue`) recognises this
/// book's objects by it.
pub const PREFIX: &str = "apue-ipc-";

/// The longest name, without its leading `/`: `NAME_MAX`, as for a file name.
const NAME_MAX: usize = 255;

/// The longest name of a named semaphore, without its leading `/`: glibc opens
/// the file `/dev/shm/sem.NAME`, whose last component has at most `NAME_MAX`
/// bytes, so `sem.` takes four of them (sem_overview(7)).
pub const SEMAPHORE_NAME_MAX: usize = NAME_MAX - "sem.".len();

/// A valid POSIX IPC name: `/`, then 1 to 255 bytes with no `/` and no NUL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    c_name: CString,
}

impl Name {
    /// `name` checked as mq_open(3), shm_open(3) and sem_open(3) would check it: a name
    /// that does not start with `/`, holds another `/`, or is `/` alone is refused with
    /// `EINVAL`, a name too long with `ENAMETOOLONG`, before any call.
    pub fn new(name: &str) -> Result<Name> {
        let refuse = |errno, reason: &str| {
            Err(Error::refused("name", name, errno, reason))
        };
        let Some(rest) = name.strip_prefix('/') else {
            return refuse(Errno::EINVAL, "a POSIX IPC name starts with '/'");
        };
        if rest.is_empty() {
            return refuse(Errno::EINVAL, "a POSIX IPC name is more than '/'");
        }
        if rest.contains('/') {
            return refuse(
                Errno::EINVAL,
                "a POSIX IPC name has one '/', first",
            );
        }
        if rest.len() > NAME_MAX {
            return refuse(
                Errno::ENAMETOOLONG,
                "a POSIX IPC name has at most 255 bytes after its '/'",
            );
        }
        match CString::new(name) {
            Ok(c_name) => Ok(Name { c_name }),
            Err(_) => {
                refuse(Errno::EINVAL, "a POSIX IPC name holds no NUL byte")
            }
        }
    }

    /// A name no other process uses at the same time: `/apue-ipc-LABEL-PID-N`, where N
    /// counts the names this process has made. Two processes never share a pid, and
    /// one process never makes the same N twice, so tests that run in parallel, in
    /// threads or processes, never collide. `label` says what the name is for.
    pub fn unique(label: &str) -> Result<Name> {
        Name::new(&format!("/{PREFIX}{label}-{}", unique_suffix()))
    }

    /// The name, with its leading `/`.
    pub fn as_str(&self) -> &str {
        // Built from a `&str` in `new`.
        self.c_name.to_str().unwrap_or_default()
    }

    /// The name as the C calls take it.
    pub fn as_c_str(&self) -> &CStr {
        &self.c_name
    }

    /// Where Linux shows a shared memory object of this name: `/dev/shm/NAME`.
    pub fn shm_path(&self) -> PathBuf {
        PathBuf::from("/dev/shm").join(&self.as_str()[1..])
    }

    /// Where glibc keeps a named semaphore of this name: `/dev/shm/sem.NAME`.
    pub fn semaphore_path(&self) -> PathBuf {
        PathBuf::from("/dev/shm").join(format!("sem.{}", &self.as_str()[1..]))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `PID-N`: this process's id and a number it has never returned before. Shared by
/// every kind of name the crate makes unique (POSIX names, abstract socket names).
pub(crate) fn unique_suffix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_refused_with_the_errno_the_calls_give() {
        for (bad, errno) in [
            ("queue", Errno::EINVAL),
            ("/", Errno::EINVAL),
            ("/a/b", Errno::EINVAL),
            ("/a\0b", Errno::EINVAL),
        ] {
            let err = Name::new(bad).unwrap_err();
            assert_eq!(err.errno(), Some(errno), "{bad:?}: {err}");
        }
        let long = format!("/{}", "x".repeat(256));
        let err = Name::new(&long).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENAMETOOLONG));
        assert!(Name::new(&format!("/{}", "x".repeat(255))).is_ok());
        assert_eq!(
            Name::new("queue").unwrap_err().to_string(),
            "name(queue): a POSIX IPC name starts with '/' (EINVAL)"
        );
    }

    #[test]
    fn unique_names_differ_and_carry_the_prefix_and_pid() {
        let first = Name::unique("test").unwrap();
        let second = Name::unique("test").unwrap();
        assert_ne!(first, second);
        let pid = std::process::id();
        assert!(
            first
                .as_str()
                .starts_with(&format!("/apue-ipc-test-{pid}-")),
            "{first}"
        );
        assert_eq!(
            first.shm_path(),
            PathBuf::from(format!("/dev/shm{}", first.as_str()))
        );
        assert_eq!(
            first.semaphore_path(),
            PathBuf::from(format!("/dev/shm/sem.{}", &first.as_str()[1..]))
        );
    }
}
