//! XSI (System V) IPC: what message queues, semaphore sets and shared memory segments
//! have in common: keys, identifiers, the permission structure, the kernel's limits, and
//! owning handles that remove what they created.
//!
//! | C                                               | here                                  |
//! |-------------------------------------------------|---------------------------------------|
//! | `IPC_PRIVATE`                                   | [`Key::PRIVATE`]                      |
//! | `ftok(path, id)`                                | [`Key::ftok`]                         |
//! | `IPC_CREAT`, `IPC_EXCL`, mode bits of `xxxget`  | [`Options`], [`Access`]               |
//! | `msgget`, `semget`, `shmget`                    | [`Object::open`], [`Object::new`]     |
//! | `xxxctl(id, IPC_STAT)` → `struct ipc_perm`      | [`Id::perm`] → [`IpcPerm`]            |
//! | `xxxctl(id, IPC_SET)`                           | [`Id::set_owner`], [`Id::set_mode`]   |
//! | `xxxctl(id, IPC_RMID)`                          | [`Id::remove`], and `Drop`            |
//! | `/proc/sysvipc/{msg,sem,shm}`, `ipcs`           | [`Kind::list`] → [`Entry`]            |
//! | `/proc/sys/kernel/msgmax` ..., `ipcs -l`        | [`Limits::read`]                      |
//! | `xxxctl(0, IPC_INFO)`, every field              | [`Limits::msg_info`] ([`MsgInfo`]), [`Limits::sem_info`], [`Limits::shm_info`] |
//!
//! An identifier is a plain number that any process may use, and an object lives until
//! someone removes it, whoever created it. So the owning types of this crate ([`Object`]
//! here, `MessageQueue` in [`crate::msg`]) remove the object *they created* when they are
//! dropped, also when a panic unwinds through them, unless the caller says otherwise with
//! `keep()`. An object that was only opened is never removed on drop.
//!
//! The module follows the chapter's sections: [keys](key), [getting and owning an
//! object](object), [permissions and control](control), [listing every
//! object](list) and [limits]. What only one kind has (a queue's byte count, a
//! segment's attach count) is in that kind's module: [`crate::msg`], and the semaphore
//! and shared-memory modules; each implements [`Control`] for its `xxxid_ds`, which is
//! all the general code here needs of it.
//!
//! Man pages: [sysvipc(7)](https://man7.org/linux/man-pages/man7/sysvipc.7.html),
//! [ftok(3)](https://man7.org/linux/man-pages/man3/ftok.3.html),
//! [msgget(2)](https://man7.org/linux/man-pages/man2/msgget.2.html),
//! [semget(2)](https://man7.org/linux/man-pages/man2/semget.2.html),
//! [shmget(2)](https://man7.org/linux/man-pages/man2/shmget.2.html),
//! [msgctl(2)](https://man7.org/linux/man-pages/man2/msgctl.2.html),
//! [semctl(2)](https://man7.org/linux/man-pages/man2/semctl.2.html),
//! [shmctl(2)](https://man7.org/linux/man-pages/man2/shmctl.2.html),
//! [proc_sysvipc(5)](https://man7.org/linux/man-pages/man5/proc_sysvipc.5.html).

pub mod control;
pub(crate) mod glibc;
pub mod key;
pub mod limits;
pub mod list;
pub mod object;

use std::fmt;

pub(crate) use control::time_of;
pub use control::{Control, Id, IpcPerm};
pub use key::Key;
pub use limits::{Limit, Limits, MsgInfo, SemInfo, ShmInfo};
pub use list::Entry;
pub use object::{Access, Object, Options};

/// The three kinds of XSI IPC object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A message queue (`msgget`).
    MessageQueue,
    /// A semaphore set (`semget`).
    SemaphoreSet,
    /// A shared memory segment (`shmget`).
    SharedMemory,
}

impl Kind {
    /// All three, in the order of their files in /proc/sysvipc.
    pub const ALL: [Kind; 3] =
        [Kind::MessageQueue, Kind::SemaphoreSet, Kind::SharedMemory];

    /// The short name of /proc/sysvipc and ipcrm: `msg`, `sem`, `shm`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msg",
            Kind::SemaphoreSet => "sem",
            Kind::SharedMemory => "shm",
        }
    }

    /// The kind whose short name is `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    pub(crate) fn get_call(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msgget",
            Kind::SemaphoreSet => "semget",
            Kind::SharedMemory => "shmget",
        }
    }

    pub(crate) fn ctl_call(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msgctl",
            Kind::SemaphoreSet => "semctl",
            Kind::SharedMemory => "shmctl",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
