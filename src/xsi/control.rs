//! Permissions and control: identifiers, the permission structure every object
//! carries, and the `xxxctl` calls that read it (`IPC_STAT`), change it (`IPC_SET`) and
//! remove the object (`IPC_RMID`).
//!
//! The three kinds share these calls in name only: each has its own `xxxctl` and its own
//! description of an object (`msqid_ds`, `semid_ds`, `shmid_ds`). [`Control`] is what
//! the general code needs of a kind, and each kind's module implements it for its
//! description; [`Id`] then works on an object of any kind.

use std::fmt;
use std::time::{Duration, SystemTime};

use libc::c_int;
use nix::errno::Errno;

use super::{glibc, Key, Kind};
use crate::error::{Error, Result};

/// The control calls of one kind of object, implemented by its description of an object
/// (`libc::msqid_ds` in [`crate::msg`], `libc::semid_ds` and `libc::shmid_ds` in the
/// semaphore and shared-memory modules).
pub trait Control: Sized {
    /// The kind of object whose description this is.
    const KIND: Kind;

    /// `xxxget(key, flags)` for the smallest object of the kind (a queue, a set of one
    /// semaphore, a segment of one page): what [`super::Object::open`] creates. Returns
    /// the identifier, or -1 with `errno` set.
    fn get_smallest(key: Key, flags: c_int) -> c_int;

    /// `xxxctl(id, IPC_STAT, &ds)`: the kernel's description of the object. Needs read
    /// permission.
    fn stat(id: c_int) -> Result<Self>;

    /// `xxxctl(id, IPC_SET, &ds)`: the kernel takes the owner and the mode from `self`
    /// (and, for a queue, its capacity), and ignores the rest.
    fn set(&mut self, id: c_int) -> Result<()>;

    /// `xxxctl(id, IPC_RMID)`: removes the object.
    fn remove(id: c_int) -> Result<()>;

    /// The permission structure inside the description.
    fn perm(&self) -> &libc::ipc_perm;

    /// The permission structure inside the description, to change before
    /// [`Control::set`].
    fn perm_mut(&mut self) -> &mut libc::ipc_perm;
}

/// Runs `$body` with `$ds` standing for the description type of `$kind`: the one place
/// that maps each kind to its module.
macro_rules! for_kind {
    ($kind:expr, $ds:ident => $body:expr) => {
        match $kind {
            $crate::xsi::Kind::MessageQueue => {
                type $ds = libc::msqid_ds;
                $body
            }
            $crate::xsi::Kind::SemaphoreSet => {
                type $ds = libc::semid_ds;
                $body
            }
            $crate::xsi::Kind::SharedMemory => {
                type $ds = libc::shmid_ds;
                $body
            }
        }
    };
}
pub(crate) use for_kind;

/// An identifier: which object of which kind. A plain number, valid in every process,
/// that owns nothing: copying it or dropping it does nothing to the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    kind: Kind,
    raw: c_int,
}

/// The permission structure every XSI object carries (`struct ipc_perm`), the same for
/// all three kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpcPerm {
    /// The key the object was created with. On Linux a shared memory segment removed
    /// while still attached shows [`Key::PRIVATE`] until its last detach.
    pub key: Key,
    /// The owner's user id: like a file's owner, changed with `IPC_SET`.
    pub uid: u32,
    /// The owner's group id.
    pub gid: u32,
    /// The creator's user id: fixed at creation. The creator keeps the owner's rights
    /// (`IPC_SET`, `IPC_RMID`, and the owner's permission bits) after giving the object away.
    pub cuid: u32,
    /// The creator's group id.
    pub cgid: u32,
    /// The permission bits (`0o600`...), plus state flags for segments.
    pub mode: u16,
    /// The slot's sequence number, part of the identifier (see the chapter).
    pub seq: u16,
}

impl IpcPerm {
    /// The permission structure as the kernel reports it.
    pub(crate) fn from_libc(perm: &libc::ipc_perm) -> IpcPerm {
        IpcPerm {
            key: Key::from_raw(glibc::perm_key(perm)),
            uid: perm.uid,
            gid: perm.gid,
            cuid: perm.cuid,
            cgid: perm.cgid,
            mode: perm.mode,
            seq: glibc::perm_seq(perm),
        }
    }
}

impl Id {
    /// The identifier `raw` of an object of `kind`. Nothing is checked: the number may
    /// name no object, or a different one than the caller thinks.
    pub const fn from_raw(kind: Kind, raw: c_int) -> Id {
        Id { kind, raw }
    }

    /// The kind of object.
    pub fn kind(self) -> Kind {
        self.kind
    }

    /// The number `xxxget` returned.
    #[inline]
    pub fn raw(self) -> c_int {
        self.raw
    }

    /// `IPC_STAT`: the object's permission structure. Needs read permission.
    pub fn perm(self) -> Result<IpcPerm> {
        for_kind!(self.kind, Ds => {
            Ok(IpcPerm::from_libc(Ds::stat(self.raw)?.perm()))
        })
    }

    /// `IPC_SET` of the owner (user and group), as `chown` does for a file. Allowed to the
    /// owner and to the creator, who may give the object to *any* user, unlike `chown`
    /// (and keeps the right to take it back or remove it), and to root.
    pub fn set_owner(self, uid: u32, gid: u32) -> Result<()> {
        self.update_perm(|perm| {
            perm.uid = uid;
            perm.gid = gid;
        })
    }

    /// `IPC_SET` of the permission bits, as `chmod` does for a file (low 9 bits only).
    pub fn set_mode(self, mode: u16) -> Result<()> {
        self.update_perm(|perm| perm.mode = mode & 0o777)
    }

    fn update_perm(
        self,
        change: impl FnOnce(&mut libc::ipc_perm),
    ) -> Result<()> {
        for_kind!(self.kind, Ds => {
            let mut ds: Ds = stat_before_set(self.raw)?;
            change(ds.perm_mut());
            ds.set(self.raw)
        })
    }

    /// `IPC_RMID`: removes the object now. A queue's or a set's waiting processes wake up
    /// with `EIDRM`; a segment that is still attached goes when the last process detaches
    /// it. Allowed to the owner, the creator and root.
    pub fn remove(self) -> Result<()> {
        for_kind!(self.kind, Ds => Ds::remove(self.raw))
    }
}

impl fmt::Display for Id {
    /// `msg id=3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} id={}", self.kind, self.raw)
    }
}

/// Turns the -1 of an `xxxctl(id, command)` call into an error that reads
/// `msgctl(id=3, IPC_RMID): Invalid argument (EINVAL)`. The message is only formatted
/// when there is an error.
pub fn check(
    ret: c_int,
    kind: Kind,
    command: &str,
    id: c_int,
) -> Result<c_int> {
    if ret == -1 {
        Err(Error::os(
            kind.ctl_call(),
            format!("id={id}, {command}"),
            Errno::last(),
        ))
    } else {
        Ok(ret)
    }
}

/// `IPC_STAT` for an `IPC_SET`: the set replaces the owner and the mode (and a queue's
/// capacity) at once, so the library reads the values it keeps first. An identifier that
/// names no object (`EINVAL`, or `EIDRM`) is reported as the set the caller asked for,
/// which is what the kernel would report; any other failure is reported as the read it
/// is (`EACCES`: `IPC_STAT` needs read permission, which `IPC_SET` does not).
pub(crate) fn stat_before_set<Ds: Control>(id: c_int) -> Result<Ds> {
    Ds::stat(id).map_err(|err| match err.errno() {
        Some(errno @ (Errno::EINVAL | Errno::EIDRM)) => {
            Error::os(Ds::KIND.ctl_call(), format!("id={id}, IPC_SET"), errno)
        }
        _ => err,
    })
}

/// `time_t` as the kernel reports the time of a last operation: 0 means never.
pub(crate) fn time_of(seconds: libc::time_t) -> Option<SystemTime> {
    u64::try_from(seconds)
        .ok()
        .filter(|&s| s != 0)
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xsi::Object;

    #[test]
    fn set_mode_and_owner() {
        for kind in Kind::ALL {
            let object = Object::new(kind).unwrap();
            let id = object.id();
            id.set_mode(0o644).unwrap();
            assert_eq!(id.perm().unwrap().mode & 0o777, 0o644);
            let me = id.perm().unwrap();
            // The creator may give the object away, and still removes it on drop.
            id.set_owner(65534, 65534).unwrap();
            let given = id.perm().unwrap();
            assert_eq!((given.uid, given.gid), (65534, 65534));
            assert_eq!((given.cuid, given.cgid), (me.cuid, me.cgid));
            drop(object);
            assert!(!id.is_listed().unwrap());
        }
    }

    #[test]
    fn a_bad_id_on_set_is_reported_as_the_set() {
        for kind in Kind::ALL {
            let err = Id::from_raw(kind, -1).set_mode(0o600).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}(id=-1, IPC_SET): Invalid argument (EINVAL)",
                    kind.ctl_call()
                )
            );
        }
    }

    #[test]
    fn control_errors_name_the_call_the_id_and_the_command() {
        for kind in Kind::ALL {
            let err = Id::from_raw(kind, -1).remove().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}(id=-1, IPC_RMID): Invalid argument (EINVAL)",
                    kind.ctl_call()
                )
            );
        }
    }
}
