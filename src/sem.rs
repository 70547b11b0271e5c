//! XSI semaphore sets: arrays of counters inside the kernel that processes
//! change and wait on, several at a time, atomically.
//!
//! | C                                              | here                                        |
//! |------------------------------------------------|---------------------------------------------|
//! | `semget(IPC_PRIVATE, n, 0600)`                 | [`SemaphoreSet::new`], [`SemaphoreSet::with_values`] |
//! | `semget(key, n, flags)`                        | [`SemaphoreSet::open`]                      |
//! | an identifier received from another process    | [`SemaphoreSet::attach`]                    |
//! | `union semun` (the caller's to define)         | `Semun`, passed by value                    |
//! | `semctl(id, i, GETVAL)`                        | [`SemaphoreSet::value`]                     |
//! | `semctl(id, i, SETVAL, arg)`                   | [`SemaphoreSet::set_value`]                 |
//! | `semctl(id, 0, GETALL, arg)`                   | [`SemaphoreSet::values`]                    |
//! | `semctl(id, 0, SETALL, arg)`                   | [`SemaphoreSet::set_values`]                |
//! | `semctl(id, i, GETPID)`                        | [`SemaphoreSet::last_pid`]                  |
//! | `semctl(id, i, GETNCNT)`                       | [`SemaphoreSet::waiting_for_increase`]      |
//! | `semctl(id, i, GETZCNT)`                       | [`SemaphoreSet::waiting_for_zero`]          |
//! | `semctl(id, 0, IPC_STAT, arg)`                 | [`SemaphoreSet::stat`] → [`SetStatus`]      |
//! | `semctl(id, 0, IPC_SET, arg)`                  | [`Id::set_mode`], [`Id::set_owner`]         |
//! | `semctl(id, 0, IPC_RMID)`                      | [`SemaphoreSet::remove`], and `Drop`        |
//! | `struct sembuf { sem_num, sem_op, sem_flg }`   | [`Op`], with [`Flags`] always set           |
//! | `semop(id, ops, n)`                            | [`SemaphoreSet::apply`]                     |
//! | `semtimedop(id, ops, n, &timeout)` (Linux)     | [`SemaphoreSet::apply_within`]              |
//! | bare `semop(id, ops, n)`                       | [`raw`], for measuring against              |
//!
//! A set that [`SemaphoreSet::new`] or [`SemaphoreSet::open`] created is removed when
//! its handle is dropped, unless [`SemaphoreSet::keep`] was called.
//!
//! A wait in `semop` ends with an error when a signal interrupts it (`EINTR`, which
//! [`std::io::Error`] maps to [`std::io::ErrorKind::Interrupted`]): the kernel never
//! restarts `semop`, whatever `SA_RESTART` says (signal(7)), and this module does not
//! retry it either, so that a program can stop a wait with a signal. [`apply`] and
//! [`apply_within`] allocate nothing: an [`Op`] *is* a `struct sembuf`, and a slice of
//! them goes to the kernel as it is.
//!
//! [`apply`]: SemaphoreSet::apply
//! [`apply_within`]: SemaphoreSet::apply_within
//!
//! Man pages: [semget(2)](https://man7.org/linux/man-pages/man2/semget.2.html),
//! [semctl(2)](https://man7.org/linux/man-pages/man2/semctl.2.html),
//! [semop(2)](https://man7.org/linux/man-pages/man2/semop.2.html),
//! [sysvipc(7)](https://man7.org/linux/man-pages/man7/sysvipc.7.html).

use std::fmt;
use std::ops::BitOr;
use std::time::{Duration, SystemTime};

use libc::{c_int, c_ushort};
use nix::errno::Errno;

use crate::error::{Error, Result};
use crate::xsi::object::get_or_create;
use crate::xsi::{
    self, control, Control, Id, IpcPerm, Key, Kind, Object, Options,
};

/// `union semun`, the fourth argument of `semctl`. `<sys/sem.h>` leaves it to the caller
/// to define (`_SEM_SEMUN_UNDEFINED`), and it is passed *by value*: for `SETVAL` the
/// kernel reads `val` from the argument itself, for the other commands it follows the
/// pointer the argument holds.
#[repr(C)]
#[derive(Clone, Copy)]
union Semun {
    val: c_int,
    buf: *mut libc::semid_ds,
    array: *mut c_ushort,
}

impl Semun {
    /// The argument of the commands that take none.
    const NONE: Semun = Semun { val: 0 };
}

/// `semctl(id, num, cmd, arg)`, its -1 turned into an error that names `command`.
fn semctl(
    id: c_int,
    num: c_int,
    cmd: c_int,
    command: &'static str,
    arg: Semun,
) -> Result<c_int> {
    // SAFETY: `arg` is a `union semun` passed by value, as semctl(2) specifies. Every
    // caller in this module passes, for the commands that follow a pointer, one to a
    // live, large enough object (a `semid_ds`, or one `c_ushort` per semaphore).
    let ret = unsafe { libc::semctl(id, num, cmd, arg) };
    control::check(ret, Kind::SemaphoreSet, command, id)
}

/// The control calls of semaphore sets: `semctl(2)` on a `struct semid_ds`.
impl Control for libc::semid_ds {
    const KIND: Kind = Kind::SemaphoreSet;

    /// A set of one semaphore.
    fn get_smallest(key: Key, flags: c_int) -> c_int {
        // SAFETY: semget takes only integers.
        unsafe { libc::semget(key.raw(), 1, flags) }
    }

    fn stat(id: c_int) -> Result<Self> {
        // SAFETY: `semid_ds` is plain integers; all zeroes is a valid value.
        let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
        let arg = Semun { buf: &mut ds };
        semctl(id, 0, libc::IPC_STAT, "IPC_STAT", arg)?;
        Ok(ds)
    }

    fn set(&mut self, id: c_int) -> Result<()> {
        let arg = Semun { buf: self };
        semctl(id, 0, libc::IPC_SET, "IPC_SET", arg).map(drop)
    }

    fn remove(id: c_int) -> Result<()> {
        semctl(id, 0, libc::IPC_RMID, "IPC_RMID", Semun::NONE).map(drop)
    }

    fn perm(&self) -> &libc::ipc_perm {
        &self.sem_perm
    }

    fn perm_mut(&mut self) -> &mut libc::ipc_perm {
        &mut self.sem_perm
    }
}

/// The flags of one operation, `sem_flg`: none, [`Flags::NOWAIT`], [`Flags::UNDO`], or
/// both (`Flags::NOWAIT | Flags::UNDO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags(i16);

impl Flags {
    /// Neither flag: the operation waits, and is not undone at exit.
    pub const NONE: Flags = Flags(0);
    /// `IPC_NOWAIT`: fail with `EAGAIN` instead of waiting.
    pub const NOWAIT: Flags = Flags(libc::IPC_NOWAIT as i16);
    /// `SEM_UNDO`: the kernel records the opposite of the operation and applies it
    /// when the process exits, however it exits (`SIGKILL` included).
    pub const UNDO: Flags = Flags(libc::SEM_UNDO as i16);

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Flags;

    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

/// One operation of a [`SemaphoreSet::apply`]: a `struct sembuf`, with all three fields
/// always set.
///
/// The sign of `op` says what it does to semaphore `num`, whose value never goes below 0:
///
/// - `op > 0` adds `op` (releases): it never waits;
/// - `op < 0` subtracts `-op` (takes), waiting while the value is less than `-op`;
/// - `op == 0` waits until the value is 0.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Op(libc::sembuf);

impl Op {
    /// The operation `op` on semaphore `num`, with `flags`.
    pub const fn new(num: u16, op: i16, flags: Flags) -> Op {
        Op(libc::sembuf {
            sem_num: num,
            sem_op: op,
            sem_flg: flags.0,
        })
    }

    /// Takes 1 from semaphore `num`, waiting until it is at least 1 (`sem_op = -1`, P).
    pub const fn take(num: u16) -> Op {
        Op::new(num, -1, Flags::NONE)
    }

    /// Gives 1 to semaphore `num` (`sem_op = 1`, V).
    pub const fn give(num: u16) -> Op {
        Op::new(num, 1, Flags::NONE)
    }

    /// Waits until semaphore `num` is 0 (`sem_op = 0`).
    pub const fn wait_for_zero(num: u16) -> Op {
        Op::new(num, 0, Flags::NONE)
    }

    /// The same operation with `flags` added.
    pub const fn with(self, flags: Flags) -> Op {
        Op::new(self.num(), self.op(), Flags(self.0.sem_flg | flags.0))
    }

    /// The same operation with `IPC_NOWAIT`.
    pub const fn nowait(self) -> Op {
        self.with(Flags::NOWAIT)
    }

    /// The same operation with `SEM_UNDO`.
    pub const fn undo(self) -> Op {
        self.with(Flags::UNDO)
    }

    /// The semaphore's index in the set (`sem_num`).
    pub const fn num(self) -> u16 {
        self.0.sem_num
    }

    /// What is added to the semaphore, or 0 to wait for zero (`sem_op`).
    pub const fn op(self) -> i16 {
        self.0.sem_op
    }

    /// The flags (`sem_flg`).
    pub const fn flags(self) -> Flags {
        Flags(self.0.sem_flg)
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Op")
            .field("num", &self.num())
            .field("op", &self.op())
            .field("flags", &self.flags())
            .finish()
    }
}

/// What `semctl(IPC_STAT)` reports about a set (`struct semid_ds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetStatus {
    /// Owner, creator, permissions.
    pub perm: IpcPerm,
    /// The number of semaphores in the set (`sem_nsems`).
    pub semaphores: u64,
    /// The time of the last successful `semop` (`sem_otime`), if any.
    pub last_op: Option<SystemTime>,
    /// The time of creation or of the last `IPC_SET`, `SETVAL` or `SETALL`
    /// (`sem_ctime`).
    pub last_change: Option<SystemTime>,
}

/// A set of semaphores. Removed on drop if this handle created it.
#[derive(Debug)]
pub struct SemaphoreSet {
    object: Object,
}

impl SemaphoreSet {
    /// A new private set of `semaphores` semaphores (`IPC_PRIVATE`, permissions
    /// `0o600`), removed on drop. Linux starts every value at 0; POSIX leaves them
    /// undefined until set, so portable code sets them: [`SemaphoreSet::with_values`].
    pub fn new(semaphores: u16) -> Result<SemaphoreSet> {
        SemaphoreSet::open(Key::PRIVATE, semaphores, &Options::new())
    }

    /// A new private set with one semaphore per value, each set to its value
    /// (`semget`, then `SETALL`). Removed on drop.
    pub fn with_values(values: &[u16]) -> Result<SemaphoreSet> {
        let semaphores = u16::try_from(values.len()).map_err(|_| {
            Error::invalid(
                "semget",
                "key=IPC_PRIVATE",
                format!("{} semaphores do not fit a set", values.len()),
            )
        })?;
        let set = SemaphoreSet::new(semaphores)?;
        set.set_values(values)?;
        Ok(set)
    }

    /// The set with `key`, opened or created with `semaphores` semaphores as `options`
    /// say. Removed on drop only if this call created it.
    ///
    /// When the set exists, `semaphores` may be anything up to its size (0 included),
    /// and `options`' [`Access`](crate::xsi::Access) (read and write unless it says
    /// otherwise) is the access asked for, as with `semget(key, n, 0600)` in C: a
    /// caller who may not read and alter the set gets `EACCES` here, not at its first
    /// operation.
    pub fn open(
        key: Key,
        semaphores: u16,
        options: &Options,
    ) -> Result<SemaphoreSet> {
        let nsems = c_int::from(semaphores);
        let (id, created) =
            get_or_create(Kind::SemaphoreSet, key, options, |flags| {
                // SAFETY: semget takes only integers.
                unsafe { libc::semget(key.raw(), nsems, flags) }
            })?;
        Ok(SemaphoreSet {
            object: Object::from_parts(id, created),
        })
    }

    /// The existing set with identifier `id`, as another process passed it on. It is
    /// never removed on drop: whoever created it does that.
    ///
    /// Fails at once with `EINVAL` if there is no such set. A set that the caller may
    /// alter but not read is still attached: `semop` needs no more.
    pub fn attach(id: c_int) -> Result<SemaphoreSet> {
        match libc::semid_ds::stat(id) {
            Ok(_) => {}
            Err(err) if err.errno() == Some(Errno::EACCES) => {}
            Err(err) => return Err(err),
        }
        Ok(SemaphoreSet {
            object: Object::from_parts(
                Id::from_raw(Kind::SemaphoreSet, id),
                false,
            ),
        })
    }

    /// The identifier, which any process can use to reach the set.
    pub fn id(&self) -> Id {
        self.object.id()
    }

    fn raw(&self) -> c_int {
        self.object.id().raw()
    }

    /// `GETVAL`: the value of semaphore `num`.
    pub fn value(&self, num: u16) -> Result<i32> {
        semctl(self.raw(), num.into(), libc::GETVAL, "GETVAL", Semun::NONE)
    }

    /// `SETVAL`: sets semaphore `num` to `value`, which must be in `0..=semvmx`
    /// (32767), else `ERANGE`. Processes waiting on it wake up if they now can, and
    /// every process's `SEM_UNDO` adjustment for it is cleared.
    pub fn set_value(&self, num: u16, value: i32) -> Result<()> {
        let arg = Semun { val: value };
        semctl(self.raw(), num.into(), libc::SETVAL, "SETVAL", arg).map(drop)
    }

    /// `GETALL`: the values of all semaphores, in order.
    pub fn values(&self) -> Result<Vec<u16>> {
        let mut values = vec![0; self.semaphores()?];
        let arg = Semun {
            array: values.as_mut_ptr(),
        };
        semctl(self.raw(), 0, libc::GETALL, "GETALL", arg)?;
        Ok(values)
    }

    /// `SETALL`: sets every semaphore, `values[i]` for semaphore `i`. There must be
    /// exactly one value per semaphore: the kernel reads that many, whatever the
    /// caller's array holds, so a shorter slice is refused before the call.
    pub fn set_values(&self, values: &[u16]) -> Result<()> {
        let semaphores = self.semaphores()?;
        if values.len() != semaphores {
            return Err(Error::invalid(
                "semctl",
                format!("id={}, SETALL", self.raw()),
                format!(
                    "{} values for a set of {semaphores} semaphores",
                    values.len()
                ),
            ));
        }
        // The kernel only reads the array; the pointer is `*mut` because the union's is.
        let arg = Semun {
            array: values.as_ptr().cast_mut(),
        };
        semctl(self.raw(), 0, libc::SETALL, "SETALL", arg).map(drop)
    }

    /// `GETPID`: the process that last changed semaphore `num` (by `semop`, `SETVAL`,
    /// `SETALL`, or the undo at its exit), if any.
    pub fn last_pid(&self, num: u16) -> Result<Option<i32>> {
        let pid = semctl(
            self.raw(),
            num.into(),
            libc::GETPID,
            "GETPID",
            Semun::NONE,
        )?;
        Ok((pid != 0).then_some(pid))
    }

    /// `GETNCNT`: how many processes wait for semaphore `num` to grow (`semncnt`).
    pub fn waiting_for_increase(&self, num: u16) -> Result<u32> {
        let n = semctl(
            self.raw(),
            num.into(),
            libc::GETNCNT,
            "GETNCNT",
            Semun::NONE,
        )?;
        Ok(n.unsigned_abs())
    }

    /// `GETZCNT`: how many processes wait for semaphore `num` to be 0 (`semzcnt`).
    pub fn waiting_for_zero(&self, num: u16) -> Result<u32> {
        let n = semctl(
            self.raw(),
            num.into(),
            libc::GETZCNT,
            "GETZCNT",
            Semun::NONE,
        )?;
        Ok(n.unsigned_abs())
    }

    /// `IPC_STAT`: the set's permissions, size and times.
    pub fn stat(&self) -> Result<SetStatus> {
        let ds = libc::semid_ds::stat(self.raw())?;
        Ok(SetStatus {
            perm: IpcPerm::from_libc(&ds.sem_perm),
            semaphores: ds.sem_nsems,
            last_op: xsi::time_of(ds.sem_otime),
            last_change: xsi::time_of(ds.sem_ctime),
        })
    }

    fn semaphores(&self) -> Result<usize> {
        let n = self.stat()?.semaphores;
        usize::try_from(n).map_err(|_| {
            Error::unexpected(
                "semctl",
                format!("id={}, IPC_STAT", self.raw()),
                format!("sem_nsems {n} does not fit usize"),
            )
        })
    }

    /// `semop`: applies every operation of `ops`, atomically: either all of them
    /// happen, or none does and the call waits (or, if any operation that cannot
    /// proceed has [`Flags::NOWAIT`], fails with `EAGAIN`).
    ///
    /// A wait ends with the error `EIDRM` if the set is removed, and `EINTR` if a
    /// signal is caught or the process is stopped and continued; it is not retried.
    /// A process waiting here is in the `semtimedop` system call (`SYS_semtimedop`
    /// in `/proc/PID/syscall`), as one waiting in glibc's `semop` is.
    pub fn apply(&self, ops: &[Op]) -> Result<()> {
        // semtimedop with no time limit is semop: glibc's own `semop` has been this
        // call since 2.31, so /proc/PID/syscall shows `semtimedop` for a process
        // blocked in either.
        // SAFETY: `Op` is a transparent `struct sembuf`, so `ops` is `ops.len()` of
        // them. The kernel only reads them (the prototype is not `const`), and a
        // null timeout means none.
        let ret = unsafe {
            semtimedop(
                self.raw(),
                ops.as_ptr().cast_mut().cast(),
                ops.len(),
                std::ptr::null(),
            )
        };
        self.check_op("semop", ret)
    }

    /// `semtimedop`: [`SemaphoreSet::apply`] waiting at most `timeout`, after which it
    /// fails with `EAGAIN`, as a `NOWAIT` operation does. Linux-specific.
    pub fn apply_within(&self, ops: &[Op], timeout: Duration) -> Result<()> {
        let timeout = libc::timespec {
            tv_sec: libc::time_t::try_from(timeout.as_secs())
                .unwrap_or(libc::time_t::MAX),
            // Below 10^9: fits every c_long.
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: as in `apply`; `timeout` is a valid timespec that outlives the call.
        let ret = unsafe {
            semtimedop(
                self.raw(),
                ops.as_ptr().cast_mut().cast(),
                ops.len(),
                &timeout,
            )
        };
        self.check_op("semtimedop", ret)
    }

    fn check_op(&self, call: &'static str, ret: c_int) -> Result<()> {
        if ret == -1 {
            // Formatted only here, on the error path.
            Err(Error::os(call, format!("id={}", self.raw()), Errno::last()))
        } else {
            Ok(())
        }
    }

    /// Removes the set now (`IPC_RMID`), reporting failure; processes waiting in
    /// `semop` wake up with `EIDRM`.
    pub fn remove(self) -> Result<()> {
        self.object.remove()
    }

    /// Leaves the set in the kernel when the handle goes, and returns its identifier.
    pub fn keep(self) -> Id {
        self.object.keep()
    }
}

extern "C" {
    /// glibc's `semtimedop` (the `libc` crate does not declare it): `semop` with a
    /// time limit, or none if `timeout` is null.
    fn semtimedop(
        semid: c_int,
        sops: *mut libc::sembuf,
        nsops: libc::size_t,
        timeout: *const libc::timespec,
    ) -> c_int;
}

/// `semop(2)` as a C program calls it: glibc's `semop` on an array of `struct sembuf`,
/// C's return value (`-1` with `errno` set on failure), no check. This is the baseline
/// that the measurement chapter compares [`SemaphoreSet::apply`] against; programs use
/// [`SemaphoreSet`].
pub mod raw {
    use libc::c_int;

    /// `semop(id, ops, ops.len())`.
    pub fn semop(id: c_int, ops: &mut [libc::sembuf]) -> c_int {
        // SAFETY: `ops` is `ops.len()` valid `struct sembuf`s during the call; the
        // kernel only reads them.
        unsafe { libc::semop(id, ops.as_mut_ptr(), ops.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_semop_changes_the_set_as_apply_does() {
        let set = SemaphoreSet::with_values(&[0, 0]).unwrap();
        let mut give = [libc::sembuf {
            sem_num: 1,
            sem_op: 2,
            sem_flg: 0,
        }];
        assert_eq!(raw::semop(set.id().raw(), &mut give), 0);
        assert_eq!(set.values().unwrap(), [0, 2]);
        set.apply(&[Op::take(1)]).unwrap();
        assert_eq!(set.value(1).unwrap(), 1);
        let mut take = [libc::sembuf {
            sem_num: 0,
            sem_op: -1,
            sem_flg: libc::IPC_NOWAIT as i16,
        }];
        assert_eq!(raw::semop(set.id().raw(), &mut take), -1);
        assert_eq!(Errno::last(), Errno::EAGAIN);
    }

    #[test]
    fn an_op_is_a_sembuf() {
        assert_eq!(
            std::mem::size_of::<Op>(),
            std::mem::size_of::<libc::sembuf>()
        );
        let op = Op::take(3).undo().nowait();
        assert_eq!((op.num(), op.op()), (3, -1));
        assert!(op.flags().contains(Flags::UNDO | Flags::NOWAIT));
        assert_eq!(op.flags().0, (libc::SEM_UNDO | libc::IPC_NOWAIT) as i16);
        assert_eq!(Op::give(1).flags(), Flags::NONE);
        assert_eq!(Op::wait_for_zero(2).op(), 0);
    }

    #[test]
    fn values_are_set_and_read_one_at_a_time_and_all_at_once() {
        let set = SemaphoreSet::with_values(&[3, 0, 7]).unwrap();
        assert_eq!(set.values().unwrap(), [3, 0, 7]);
        set.set_value(1, 5).unwrap();
        assert_eq!(set.value(1).unwrap(), 5);
        assert_eq!(set.stat().unwrap().semaphores, 3);
        let me = std::process::id() as i32;
        assert_eq!(set.last_pid(1).unwrap(), Some(me));
        let short = set.set_values(&[1, 2]).unwrap_err();
        assert_eq!(short.errno(), None);
        assert_eq!(set.values().unwrap(), [3, 5, 7]);
    }

    #[test]
    fn setval_out_of_range_is_erange() {
        let set = SemaphoreSet::new(1).unwrap();
        for bad in [-1, 32768, i32::MAX] {
            let err = set.set_value(0, bad).unwrap_err();
            assert_eq!(err.errno(), Some(Errno::ERANGE), "{bad}");
        }
        set.set_value(0, 32767).unwrap();
        let err = set.apply(&[Op::give(0).nowait()]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ERANGE));
    }

    #[test]
    fn a_two_operation_semop_is_all_or_nothing() {
        let set = SemaphoreSet::with_values(&[1, 0]).unwrap();
        let both = [Op::take(0).nowait(), Op::take(1).nowait()];
        let err = set.apply(&both).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        assert_eq!(set.values().unwrap(), [1, 0]);
        set.apply(&[Op::give(1)]).unwrap();
        set.apply(&both).unwrap();
        assert_eq!(set.values().unwrap(), [0, 0]);
    }

    #[test]
    fn a_bounded_wait_ends_with_eagain() {
        let set = SemaphoreSet::new(1).unwrap();
        let started = std::time::Instant::now();
        let err = set
            .apply_within(&[Op::take(0)], Duration::from_millis(20))
            .unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(
            err.to_string(),
            format!(
                "semtimedop(id={}): Resource temporarily unavailable (EAGAIN)",
                set.id().raw()
            )
        );
    }

    #[test]
    fn errors_name_the_call_and_the_set() {
        let set = SemaphoreSet::new(2).unwrap();
        let err = set.apply(&[Op::take(5)]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EFBIG));
        let err = set.value(9).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "semctl(id={}, GETVAL): Invalid argument (EINVAL)",
                set.id().raw()
            )
        );
    }

    #[test]
    fn attach_does_not_remove_and_open_checks_access() {
        let key = Key::unique_to_process(11);
        let set =
            SemaphoreSet::open(key, 2, Options::new().create(true)).unwrap();
        let other = SemaphoreSet::attach(set.id().raw()).unwrap();
        drop(other);
        let again = SemaphoreSet::open(key, 0, &Options::new()).unwrap();
        assert_eq!(again.id(), set.id());
        drop(again);
        assert!(set.id().is_listed().unwrap());
        let too_many = SemaphoreSet::open(key, 3, &Options::new()).unwrap_err();
        assert_eq!(too_many.errno(), Some(Errno::EINVAL));
        let id = set.id();
        set.remove().unwrap();
        let err = SemaphoreSet::attach(id.raw()).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }
}
