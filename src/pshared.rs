//! A mutex and a condition variable shared by processes: pthread's own
//! primitives, set up with `PTHREAD_PROCESS_SHARED` inside a shared mapping
//! that `fork` hands to the children.
//!
//! | C                                                        | here                                  |
//! |----------------------------------------------------------|---------------------------------------|
//! | `mmap(MAP_SHARED \| MAP_ANONYMOUS)`, then `pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)`, `pthread_mutex_init` | [`SharedMutex::new`] |
//! | the same with `pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)` | [`SharedMutex::new_robust`] |
//! | `pthread_mutex_lock`, then the data, then `pthread_mutex_unlock` | [`SharedMutex::lock`] → [`SharedMutexGuard`], dropped |
//! | `pthread_mutex_timedlock`                                | [`SharedMutex::lock_timeout`]          |
//! | `EOWNERDEAD`, then `pthread_mutex_consistent`             | [`SharedMutex::lock_robust`] → [`Locked::OwnerDied`], [`OwnerDied::make_consistent`] |
//! | `pthread_mutex_destroy`                                  | [`SharedMutex::destroy`], or dropping it in its owner |
//! | `pthread_condattr_setpshared`, `pthread_cond_init`        | [`SharedCondvar::new`]                 |
//! | `while (!ready) pthread_cond_wait(&c, &m);`              | [`SharedCondvar::wait_while`]          |
//! | `pthread_cond_wait(&c, &m)`                              | [`SharedCondvar::wait`]                |
//! | `pthread_cond_timedwait`                                 | [`SharedCondvar::wait_timeout`], [`SharedCondvar::wait_timeout_while`] |
//! | `pthread_cond_signal`, `pthread_cond_broadcast`          | [`SharedCondvar::notify_one`], [`SharedCondvar::notify_all`] |
//! | `pthread_cond_destroy`                                   | [`SharedCondvar::destroy`], or dropping it in its owner |
//! | the same in a `memfd_create` file, mapped by another process | [`SharedMutex::in_memfd`], [`SharedMutex::open_memfd`], [`SharedCondvar::in_memfd`], [`SharedCondvar::open_memfd`] |
//! | the bare calls, on a ring of messages                    | [`raw`], for measuring against        |
//!
//! # Guards
//!
//! As with [`std::sync::Mutex`], the data a [`SharedMutex`] protects is
//! reached only through the guard that [`SharedMutex::lock`] returns, and the
//! mutex is unlocked when the guard is dropped. A wait on a [`SharedCondvar`]
//! *takes* the guard and gives it back, so a wait without the mutex locked,
//! which POSIX leaves undefined, cannot be written. A guard cannot go into a
//! child made by [`crate::fork::fork`], whose closure must be `Send`.
//!
//! # Owner and users
//!
//! Each object lives in a shared anonymous mapping of its own (one page),
//! made and initialised by the process that calls the constructor: its
//! *owner*. Children forked afterwards inherit the mapping at the same
//! address and use the object through a borrow of the owner's handle, which
//! is `Sync` but not `Send`: a child's closure can borrow it, not take it.
//! Only the owner destroys the object, when its handle is dropped (or by
//! `destroy`); a child leaves with `_exit` and drops nothing, and a copy of
//! the handle dropped in any process but the owner (after a `fork` made some
//! other way) only unmaps that process's view. The owner must outlive its
//! users: [`crate::fork::Child`] borrows what the child's closure borrows, so
//! the compiler makes the parent wait for the child (or kill it) before the
//! object can go.
//!
//! # Between processes that do not fork
//!
//! An object made by [`SharedMutex::in_memfd`] or [`SharedCondvar::in_memfd`]
//! lives in a file of its own instead, made by
//! [`memfd_create`](crate::mmap::memfd), whose descriptor
//! ([`SharedMutex::memfd`]) can go to any process: one started with `exec`,
//! by inheritance or over a Unix domain socket (`SCM_RIGHTS`). That process
//! maps the same pages with [`SharedMutex::open_memfd`], which checks that
//! the file holds an object of this kind and size that its creator finished
//! initialising. The creator is still the owner, and the only process that
//! destroys the object; nothing makes it wait for the others, so it must
//! outlive their use (a process that uses an object destroyed under it gets
//! an error or waits; its mapping, and so the memory, stays). Every process
//! that has the descriptor can write the file's bytes, as any process that
//! shares memory can: give it to your own programs only.
//!
//! The protected value is a [`bytemuck::AnyBitPattern`] type (integers,
//! floats, arrays and `#[derive(AnyBitPattern)]` structs of them): no
//! references or other pointers into one process's private memory, which
//! would mean nothing in another process, and valid whatever its bytes are,
//! because a process that dies halfway through an update leaves those bytes
//! for the others (see robust mutexes).
//!
//! # Robust mutexes
//!
//! A process that dies holding an ordinary mutex leaves it locked for ever:
//! the next [`SharedMutex::lock`] never returns (a timed lock times out). A
//! mutex made with [`SharedMutex::new_robust`] is unlocked by the kernel when
//! its owner dies, and the next locker learns it: `pthread_mutex_lock` returns
//! `EOWNERDEAD` with the mutex locked, and the data possibly half-updated.
//! [`SharedMutex::lock_robust`] gives that case to the caller as
//! [`Locked::OwnerDied`]; [`OwnerDied::make_consistent`] repairs the mutex
//! once the data is repaired. Every other way of locking (and a condition
//! variable wait, which locks again before it returns) turns `EOWNERDEAD` into
//! an error and unlocks *without* making the mutex consistent, as does
//! dropping an [`OwnerDied`]: the mutex is then unusable, and every later lock
//! fails with `ENOTRECOVERABLE` rather than carrying on with data nobody
//! checked.
//!
//! # Signals
//!
//! None of these calls fails with `EINTR`: POSIX forbids it. A signal handler
//! runs and the wait goes on, except that a condition variable wait may
//! return early, as a *spurious wake-up*. That is one reason every wait
//! belongs in a loop on a predicate ([`SharedCondvar::wait_while`]).
//!
//! # Cost
//!
//! Locking, unlocking, waiting and notifying allocate nothing and format
//! nothing unless they fail. An uncontended lock is an atomic instruction in
//! shared memory and no system call; a contended one sleeps in `futex(2)`.
//!
//! Man pages:
//! [pthread_mutexattr_setpshared(3)](https://man7.org/linux/man-pages/man3/pthread_mutexattr_setpshared.3.html),
//! [pthread_condattr_setpshared(3p)](https://man7.org/linux/man-pages/man3/pthread_condattr_setpshared.3p.html),
//! [pthread_mutexattr_setrobust(3)](https://man7.org/linux/man-pages/man3/pthread_mutexattr_setrobust.3.html),
//! [pthread_mutex_consistent(3)](https://man7.org/linux/man-pages/man3/pthread_mutex_consistent.3.html),
//! [pthread_cond_wait(3p)](https://man7.org/linux/man-pages/man3/pthread_cond_wait.3p.html),
//! [pthread_mutex_lock(3p)](https://man7.org/linux/man-pages/man3/pthread_mutex_lock.3p.html),
//! [futex(7)](https://man7.org/linux/man-pages/man7/futex.7.html).

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{size_of, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use bytemuck::AnyBitPattern;
use libc::c_int;
use nix::errno::Errno;
use nix::unistd::{getpid, Pid};

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::mmap::{memfd, Mapping};

pub mod raw;

/// What errors name as the object.
const MUTEX: &str = "shared mutex";
const CONDVAR: &str = "shared condition variable";

/// The largest alignment a page-aligned mapping gives any value.
const PAGE: usize = 4096;

/// A pthread return value (an error number, not `-1` and `errno`) as a
/// result.
fn check(ret: c_int, call: &'static str, object: &'static str) -> Result<()> {
    match ret {
        0 => Ok(()),
        code => Err(Error::os(call, object, Errno::from_raw(code))),
    }
}

/// The value and its mutex, side by side in a mapping of their own.
#[repr(C)]
struct MutexCell<T> {
    raw: UnsafeCell<libc::pthread_mutex_t>,
    value: UnsafeCell<T>,
    /// [`MUTEX_READY`] once the mutex is initialised (0 before): what
    /// [`SharedMutex::open_memfd`] checks before it uses a file's mutex.
    ready: AtomicU32,
}

/// What [`MutexCell::ready`] and [`CondCell::ready`] hold once initialised:
/// two different words, so that a condition variable's file is not taken for
/// a mutex's.
const MUTEX_READY: u32 = u32::from_be_bytes(*b"MUTX");
const CONDVAR_READY: u32 = u32::from_be_bytes(*b"COND");

/// Where an object lives: a new shared mapping of `len` bytes, anonymous, or
/// of a new memfd (which is returned too).
fn home(
    len: usize,
    in_memfd: bool,
    label: &'static std::ffi::CStr,
) -> Result<(Mapping, Option<OwnedFd>)> {
    if in_memfd {
        let file = memfd(label, len)?;
        Ok((Mapping::file(&file, len)?, Some(file)))
    } else {
        Ok((Mapping::anonymous(len)?, None))
    }
}

/// Maps the memfd `file` that another process made for an object of `len`
/// bytes, whose `ready` word (at `ready_offset`) must hold `ready`.
fn open_home(
    file: &OwnedFd,
    len: usize,
    ready_offset: usize,
    ready: u32,
    object: &'static str,
) -> Result<Mapping> {
    let size = nix::sys::stat::fstat(file.as_fd())
        .map_err(|e| Error::os("fstat", object, e))?
        .st_size;
    if u64::try_from(size).ok() != Some(len as u64) {
        return Err(Error::refused(
            "mmap",
            object,
            Errno::EINVAL,
            format!("the file holds {size} bytes, this object {len}"),
        ));
    }
    let mapping = Mapping::file(file, len)?;
    // SAFETY: the mapping holds `len` bytes from a page boundary, and
    // `ready_offset` is the offset of an `AtomicU32` field within them (see
    // the callers); any bits are a valid `AtomicU32`.
    let word =
        unsafe { &*mapping.as_ptr().add(ready_offset).cast::<AtomicU32>() };
    // Acquire: pairs with the creator's release store after the init.
    if word.load(Ordering::Acquire) != ready {
        return Err(Error::refused(
            "mmap",
            object,
            Errno::EINVAL,
            "the file holds no initialised object of this kind",
        ));
    }
    Ok(mapping)
}

/// A mutex that processes share, and the value it protects.
///
/// See the [module documentation](self) for who may use it, and for what
/// happens when a holder dies.
pub struct SharedMutex<T: AnyBitPattern> {
    mapping: Mapping,
    /// The memfd, for a mutex made by [`SharedMutex::in_memfd`] or opened
    /// with [`SharedMutex::open_memfd`].
    file: Option<OwnedFd>,
    /// The process that initialised it, and destroys it; `None` in a process
    /// that opened it.
    owner: Option<Pid>,
    destroyed: bool,
    value: PhantomData<T>,
    /// Not `Send`: the handle stays with its owner, and threads and forked
    /// children borrow it. Moved into a child's closure, it would be dropped
    /// at once in the parent, which would destroy it under the child.
    stays: PhantomData<*const ()>,
}

// SAFETY: the value is reached only by the holder of the lock, as with
// `std::sync::Mutex`, which needs no more of `T` than `Send`.
unsafe impl<T: AnyBitPattern + Send> Sync for SharedMutex<T> {}

impl<T: AnyBitPattern> SharedMutex<T> {
    /// A process-shared mutex holding `value`, owned by this process.
    ///
    /// It is an *error-checking* mutex: locking it again from the thread
    /// that holds it fails with `EDEADLK` instead of waiting for ever.
    pub fn new(value: T) -> Result<SharedMutex<T>> {
        SharedMutex::init(value, false, false)
    }

    /// A process-shared, *robust* mutex holding `value`: when a process dies
    /// holding it, the next locker is told (see [`SharedMutex::lock_robust`]).
    pub fn new_robust(value: T) -> Result<SharedMutex<T>> {
        SharedMutex::init(value, true, false)
    }

    /// A process-shared mutex holding `value`, as [`SharedMutex::new`] makes
    /// it, in a memfd of its own: any process given the descriptor
    /// ([`SharedMutex::memfd`]) can use it, with [`SharedMutex::open_memfd`].
    pub fn in_memfd(value: T) -> Result<SharedMutex<T>> {
        SharedMutex::init(value, false, true)
    }

    /// The mutex in the memfd `file`, which another process made with
    /// [`SharedMutex::in_memfd`] with the same `T`. Refused with `EINVAL` if
    /// the file's size is not this mutex's, or if it holds no initialised
    /// mutex. This process never destroys it: its creator does.
    pub fn open_memfd(file: OwnedFd) -> Result<SharedMutex<T>> {
        const { assert!(std::mem::align_of::<MutexCell<T>>() <= PAGE) };
        let mapping = open_home(
            &file,
            size_of::<MutexCell<T>>(),
            std::mem::offset_of!(MutexCell<T>, ready),
            MUTEX_READY,
            MUTEX,
        )?;
        Ok(SharedMutex {
            mapping,
            file: Some(file),
            owner: None,
            destroyed: false,
            value: PhantomData,
            stays: PhantomData,
        })
    }

    /// The memfd the mutex lives in, if it was made by
    /// [`SharedMutex::in_memfd`] or opened from one: the descriptor to give
    /// another process.
    pub fn memfd(&self) -> Option<BorrowedFd<'_>> {
        self.file.as_ref().map(|file| file.as_fd())
    }

    fn init(value: T, robust: bool, in_memfd: bool) -> Result<SharedMutex<T>> {
        const { assert!(std::mem::align_of::<MutexCell<T>>() <= PAGE) };
        let (mapping, file) =
            home(size_of::<MutexCell<T>>(), in_memfd, c"shared-mutex")?;
        let cell = mapping.as_ptr().cast::<MutexCell<T>>();
        // SAFETY: the mapping is new, large enough for a `MutexCell<T>` and
        // page-aligned (checked above to suffice); no one else sees it yet.
        unsafe { UnsafeCell::raw_get(&raw const (*cell).value).write(value) };

        let mut attr = Attr::new(
            "pthread_mutexattr_init",
            libc::pthread_mutexattr_init,
            libc::pthread_mutexattr_destroy,
            MUTEX,
        )?;
        attr.set(
            "pthread_mutexattr_setpshared",
            libc::pthread_mutexattr_setpshared,
            libc::PTHREAD_PROCESS_SHARED,
        )?;
        attr.set(
            "pthread_mutexattr_settype",
            libc::pthread_mutexattr_settype,
            libc::PTHREAD_MUTEX_ERRORCHECK,
        )?;
        if robust {
            attr.set(
                "pthread_mutexattr_setrobust",
                libc::pthread_mutexattr_setrobust,
                libc::PTHREAD_MUTEX_ROBUST,
            )?;
        }
        // SAFETY: `raw` is in the new mapping, valid for writes, and not yet
        // an initialised mutex; `attr` is initialised.
        let ret = unsafe {
            libc::pthread_mutex_init(
                UnsafeCell::raw_get(&raw const (*cell).raw),
                attr.ptr(),
            )
        };
        check(ret, "pthread_mutex_init", MUTEX)?;
        // SAFETY: `ready` is in the new mapping, zeroed; any bits are a valid
        // AtomicU32. Release: a process that sees the word sees the
        // initialised mutex and value.
        unsafe { &(*cell).ready }.store(MUTEX_READY, Ordering::Release);
        Ok(SharedMutex {
            mapping,
            file,
            owner: Some(getpid()),
            destroyed: false,
            value: PhantomData,
            stays: PhantomData,
        })
    }

    fn cell(&self) -> &MutexCell<T> {
        // SAFETY: `init` wrote an initialised `MutexCell<T>` at the start of
        // the mapping, which lives as long as `self`; every part that other
        // processes change is inside an `UnsafeCell`.
        unsafe { &*self.mapping.as_ptr().cast::<MutexCell<T>>() }
    }

    fn raw(&self) -> *mut libc::pthread_mutex_t {
        self.cell().raw.get()
    }

    /// Locks, waiting as long as it takes, and returns the guard through
    /// which the value is reached; dropping the guard unlocks.
    ///
    /// Fails with `EDEADLK` if this thread holds the lock already. On a
    /// robust mutex whose holder died, fails with `EOWNERDEAD` and leaves the
    /// mutex unusable (see the [module documentation](self)); use
    /// [`SharedMutex::lock_robust`] to recover instead.
    pub fn lock(&self) -> Result<SharedMutexGuard<'_, T>> {
        // SAFETY: `raw` is an initialised process-shared mutex.
        let ret = unsafe { libc::pthread_mutex_lock(self.raw()) };
        self.acquired(ret, "pthread_mutex_lock")?
            .or_fail("pthread_mutex_lock")
    }

    /// Locks as [`SharedMutex::lock`] does, but gives up after `timeout`
    /// with the error `ETIMEDOUT`.
    pub fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SharedMutexGuard<'_, T>> {
        let deadline = deadline(libc::CLOCK_REALTIME, timeout)?;
        // SAFETY: `raw` is an initialised process-shared mutex; `deadline`
        // is a valid timespec for the duration of the call.
        let ret =
            unsafe { libc::pthread_mutex_timedlock(self.raw(), &deadline) };
        self.acquired(ret, "pthread_mutex_timedlock")?
            .or_fail("pthread_mutex_timedlock")
    }

    /// Locks a robust mutex, waiting as long as it takes, and says whether
    /// the previous holder died holding it.
    pub fn lock_robust(&self) -> Result<Locked<'_, T>> {
        // SAFETY: `raw` is an initialised process-shared mutex.
        let ret = unsafe { libc::pthread_mutex_lock(self.raw()) };
        self.acquired(ret, "pthread_mutex_lock")
    }

    /// Locks a robust mutex as [`SharedMutex::lock_robust`] does, but gives up
    /// after `timeout` with the error `ETIMEDOUT`.
    pub fn lock_robust_timeout(
        &self,
        timeout: Duration,
    ) -> Result<Locked<'_, T>> {
        let deadline = deadline(libc::CLOCK_REALTIME, timeout)?;
        // SAFETY: as in `lock_timeout`.
        let ret =
            unsafe { libc::pthread_mutex_timedlock(self.raw(), &deadline) };
        self.acquired(ret, "pthread_mutex_timedlock")
    }

    /// What a lock call's return value means: the lock, the lock of a dead
    /// holder, or an error.
    fn acquired(
        &self,
        ret: c_int,
        call: &'static str,
    ) -> Result<Locked<'_, T>> {
        match ret {
            0 => Ok(Locked::Consistent(SharedMutexGuard::new(self))),
            libc::EOWNERDEAD => Ok(Locked::OwnerDied(OwnerDied {
                guard: SharedMutexGuard::new(self),
            })),
            code => Err(Error::os(call, MUTEX, Errno::from_raw(code))),
        }
    }

    /// Destroys the mutex now (`pthread_mutex_destroy`), reporting failure:
    /// `EBUSY` while another process holds it. Only the owner destroys; in
    /// any other process this only unmaps.
    pub fn destroy(mut self) -> Result<()> {
        self.destroy_once()
    }

    fn destroy_once(&mut self) -> Result<()> {
        if self.destroyed || self.owner != Some(getpid()) {
            return Ok(());
        }
        self.destroyed = true;
        // SAFETY: `raw` is an initialised mutex, destroyed only here, once,
        // by its owner; `&mut self` means this process holds no guard.
        let ret = unsafe { libc::pthread_mutex_destroy(self.raw()) };
        check(ret, "pthread_mutex_destroy", MUTEX)
    }
}

impl<T: AnyBitPattern> Drop for SharedMutex<T> {
    fn drop(&mut self) {
        let _ = self.destroy_once();
    }
}

impl<T: AnyBitPattern + fmt::Debug> fmt::Debug for SharedMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedMutex")
            .field("address", &self.mapping.address())
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// The value of a locked [`SharedMutex`]. Dropping it unlocks.
pub struct SharedMutexGuard<'a, T: AnyBitPattern> {
    mutex: &'a SharedMutex<T>,
    /// A pthread mutex is unlocked by the thread that locked it: the guard
    /// stays on that thread (neither `Send` nor `Sync`), and so cannot go
    /// into a forked child either.
    thread_bound: PhantomData<*const ()>,
}

impl<'a, T: AnyBitPattern> SharedMutexGuard<'a, T> {
    fn new(mutex: &'a SharedMutex<T>) -> Self {
        SharedMutexGuard {
            mutex,
            thread_bound: PhantomData,
        }
    }
}

impl<T: AnyBitPattern> Deref for SharedMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this thread holds the lock, so no one else reaches the
        // value until the guard is dropped.
        unsafe { &*self.mutex.cell().value.get() }
    }
}

impl<T: AnyBitPattern> DerefMut for SharedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only
        // reference through the guard.
        unsafe { &mut *self.mutex.cell().value.get() }
    }
}

impl<T: AnyBitPattern> Drop for SharedMutexGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this thread locked the mutex and has not unlocked it. The
        // call cannot fail on a mutex this thread holds.
        unsafe { libc::pthread_mutex_unlock(self.mutex.raw()) };
    }
}

impl<T: AnyBitPattern + fmt::Debug> fmt::Debug for SharedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// What [`SharedMutex::lock_robust`] found.
#[derive(Debug)]
pub enum Locked<'a, T: AnyBitPattern> {
    /// The usual case: the previous holder unlocked it.
    Consistent(SharedMutexGuard<'a, T>),
    /// The previous holder died holding it (`EOWNERDEAD`). This thread holds
    /// it now; the value may be half-updated.
    OwnerDied(OwnerDied<'a, T>),
}

impl<'a, T: AnyBitPattern> Locked<'a, T> {
    /// The guard of a consistent mutex; a dead holder becomes the error
    /// `EOWNERDEAD`, and the mutex is left unusable.
    fn or_fail(self, call: &'static str) -> Result<SharedMutexGuard<'a, T>> {
        match self {
            Locked::Consistent(guard) => Ok(guard),
            Locked::OwnerDied(died) => {
                drop(died);
                Err(Error::os(call, MUTEX, Errno::EOWNERDEAD))
            }
        }
    }
}

/// A robust mutex locked after its previous holder died: the value is
/// reachable, to repair it, and then [`OwnerDied::make_consistent`] returns
/// the ordinary guard.
///
/// Dropping it without [`OwnerDied::make_consistent`] unlocks the mutex and
/// leaves it unusable: every later lock fails with `ENOTRECOVERABLE`.
pub struct OwnerDied<'a, T: AnyBitPattern> {
    guard: SharedMutexGuard<'a, T>,
}

impl<'a, T: AnyBitPattern> OwnerDied<'a, T> {
    /// `pthread_mutex_consistent`: the value is repaired, the mutex is as
    /// good as new, and this thread goes on holding it.
    pub fn make_consistent(self) -> Result<SharedMutexGuard<'a, T>> {
        // SAFETY: this thread holds the robust mutex after EOWNERDEAD, which
        // is when pthread_mutex_consistent may be called.
        let ret =
            unsafe { libc::pthread_mutex_consistent(self.guard.mutex.raw()) };
        check(ret, "pthread_mutex_consistent", MUTEX)?;
        Ok(self.guard)
    }
}

impl<T: AnyBitPattern> Deref for OwnerDied<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: AnyBitPattern> DerefMut for OwnerDied<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: AnyBitPattern + fmt::Debug> fmt::Debug for OwnerDied<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnerDied").field(&*self.guard).finish()
    }
}

/// The condition variable, and what this library keeps beside it.
#[repr(C)]
struct CondCell {
    raw: UnsafeCell<libc::pthread_cond_t>,
    /// [`CONDVAR_READY`] once initialised.
    ready: AtomicU32,
    /// The address of the mutex waits use, 0 before the first wait: POSIX
    /// leaves waits with two different mutexes at once undefined.
    mutex: AtomicUsize,
    /// The waits in progress, in every process. A process killed while it
    /// waits stays counted: see [`SharedCondvar::destroy`].
    waiters: AtomicU32,
}

/// A condition variable that processes share, used with a [`SharedMutex`].
pub struct SharedCondvar {
    mapping: Mapping,
    /// The memfd, as for [`SharedMutex`].
    file: Option<OwnedFd>,
    /// The process that initialised it; `None` in one that opened it.
    owner: Option<Pid>,
    destroyed: bool,
    /// Not `Send`, for the reason [`SharedMutex`] is not.
    stays: PhantomData<*const ()>,
}

// SAFETY: pthread condition variables are made to be used by several threads
// at once; this one is process-shared besides.
unsafe impl Sync for SharedCondvar {}

/// Whether a timed wait returned because its time was up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended because the time was up (`ETIMEDOUT`).
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl SharedCondvar {
    /// A process-shared condition variable, owned by this process. Its timed
    /// waits measure time on `CLOCK_MONOTONIC`, which setting the clock does
    /// not move.
    pub fn new() -> Result<SharedCondvar> {
        SharedCondvar::init(false)
    }

    /// A process-shared condition variable, as [`SharedCondvar::new`] makes
    /// it, in a memfd of its own, for processes that do not fork: see
    /// [`SharedMutex::in_memfd`].
    pub fn in_memfd() -> Result<SharedCondvar> {
        SharedCondvar::init(true)
    }

    /// The condition variable in the memfd `file`, made by another process
    /// with [`SharedCondvar::in_memfd`]; refused with `EINVAL` if the file
    /// holds none. This process never destroys it.
    pub fn open_memfd(file: OwnedFd) -> Result<SharedCondvar> {
        let mapping = open_home(
            &file,
            size_of::<CondCell>(),
            std::mem::offset_of!(CondCell, ready),
            CONDVAR_READY,
            CONDVAR,
        )?;
        Ok(SharedCondvar {
            mapping,
            file: Some(file),
            owner: None,
            destroyed: false,
            stays: PhantomData,
        })
    }

    /// The memfd it lives in, if any: the descriptor to give another process.
    pub fn memfd(&self) -> Option<BorrowedFd<'_>> {
        self.file.as_ref().map(|file| file.as_fd())
    }

    fn init(in_memfd: bool) -> Result<SharedCondvar> {
        let (mapping, file) =
            home(size_of::<CondCell>(), in_memfd, c"shared-condvar")?;
        let cell = mapping.as_ptr().cast::<CondCell>();
        let mut attr = Attr::new(
            "pthread_condattr_init",
            libc::pthread_condattr_init,
            libc::pthread_condattr_destroy,
            CONDVAR,
        )?;
        attr.set(
            "pthread_condattr_setpshared",
            libc::pthread_condattr_setpshared,
            libc::PTHREAD_PROCESS_SHARED,
        )?;
        attr.set(
            "pthread_condattr_setclock",
            libc::pthread_condattr_setclock,
            libc::CLOCK_MONOTONIC,
        )?;
        // SAFETY: `raw` is in the new, zeroed mapping (which is what the two
        // atomics beside it start as), not yet an initialised condition
        // variable; `attr` is initialised.
        let ret = unsafe {
            libc::pthread_cond_init(
                UnsafeCell::raw_get(&raw const (*cell).raw),
                attr.ptr(),
            )
        };
        check(ret, "pthread_cond_init", CONDVAR)?;
        // SAFETY: as for the mutex's `ready`.
        unsafe { &(*cell).ready }.store(CONDVAR_READY, Ordering::Release);
        Ok(SharedCondvar {
            mapping,
            file,
            owner: Some(getpid()),
            destroyed: false,
            stays: PhantomData,
        })
    }

    fn cell(&self) -> &CondCell {
        // SAFETY: `new` initialised a `CondCell` at the start of the
        // mapping, which lives as long as `self`; what other processes change
        // is in an `UnsafeCell` or an atomic.
        unsafe { &*self.mapping.as_ptr().cast::<CondCell>() }
    }

    // ANCHOR: wait
    /// Unlocks the guard's mutex and waits for a notification, then locks it
    /// again and gives the guard back.
    ///
    /// It may also return without a notification (a spurious wake-up): wait
    /// in a loop on a predicate, as [`SharedCondvar::wait_while`] does. A
    /// notification sent while no one waits is lost.
    pub fn wait<'a, T: AnyBitPattern>(
        &self,
        guard: SharedMutexGuard<'a, T>,
    ) -> Result<SharedMutexGuard<'a, T>> {
        // ANCHOR_END: wait
        self.wait_until(guard, None).map(|(guard, _)| guard)
    }

    /// Waits until `condition` is false, checking it under the lock before
    /// the first wait and after every wake-up: no notification is lost, and
    /// no wake-up is taken for one.
    pub fn wait_while<'a, T: AnyBitPattern>(
        &self,
        mut guard: SharedMutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> Result<SharedMutexGuard<'a, T>> {
        while condition(&mut guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Waits as [`SharedCondvar::wait`] does, for at most `timeout`.
    pub fn wait_timeout<'a, T: AnyBitPattern>(
        &self,
        guard: SharedMutexGuard<'a, T>,
        timeout: Duration,
    ) -> Result<(SharedMutexGuard<'a, T>, WaitTimeoutResult)> {
        let deadline = deadline(libc::CLOCK_MONOTONIC, timeout)?;
        self.wait_until(guard, Some(&deadline))
    }

    /// Waits as [`SharedCondvar::wait_while`] does, for at most `timeout` in
    /// all. Timed out means the condition was still true when time ran out.
    pub fn wait_timeout_while<'a, T: AnyBitPattern>(
        &self,
        mut guard: SharedMutexGuard<'a, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> Result<(SharedMutexGuard<'a, T>, WaitTimeoutResult)> {
        let deadline = deadline(libc::CLOCK_MONOTONIC, timeout)?;
        while condition(&mut guard) {
            let (again, result) = self.wait_until(guard, Some(&deadline))?;
            guard = again;
            if result.timed_out() {
                let still = condition(&mut guard);
                return Ok((guard, WaitTimeoutResult(still)));
            }
        }
        Ok((guard, WaitTimeoutResult(false)))
    }

    fn wait_until<'a, T: AnyBitPattern>(
        &self,
        guard: SharedMutexGuard<'a, T>,
        deadline: Option<&libc::timespec>,
    ) -> Result<(SharedMutexGuard<'a, T>, WaitTimeoutResult)> {
        let cell = self.cell();
        let mutex = guard.mutex.raw();
        let bound = cell.mutex.compare_exchange(
            0,
            mutex as usize,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        if let Err(other) = bound {
            if other != mutex as usize {
                return Err(Error::invalid(
                    "pthread_cond_wait",
                    CONDVAR,
                    "waits with a second mutex, which POSIX leaves undefined \
                     (glibc does not check; other systems fail with EINVAL)",
                ));
            }
        }
        cell.waiters.fetch_add(1, Ordering::Relaxed);
        let ret = match deadline {
            // SAFETY: this thread holds `mutex` (the guard proves it), the
            // mutex and the condition variable are initialised and
            // process-shared, and `deadline` outlives the call.
            Some(deadline) => unsafe {
                libc::pthread_cond_timedwait(cell.raw.get(), mutex, deadline)
            },
            // SAFETY: as above.
            None => unsafe { libc::pthread_cond_wait(cell.raw.get(), mutex) },
        };
        cell.waiters.fetch_sub(1, Ordering::Relaxed);
        let call = match deadline {
            Some(_) => "pthread_cond_timedwait",
            None => "pthread_cond_wait",
        };
        match ret {
            0 => Ok((guard, WaitTimeoutResult(false))),
            libc::ETIMEDOUT => Ok((guard, WaitTimeoutResult(true))),
            // The mutex is locked again, its holder having died meanwhile:
            // dropping the guard unlocks it without making it consistent.
            code => Err(Error::os(call, CONDVAR, Errno::from_raw(code))),
        }
    }

    /// Wakes one waiting thread, in any process, if there is one. A
    /// notification with no one waiting is lost.
    pub fn notify_one(&self) {
        // SAFETY: `raw` is an initialised condition variable. The call
        // cannot fail on one.
        unsafe { libc::pthread_cond_signal(self.cell().raw.get()) };
    }

    /// Wakes every waiting thread, in every process.
    pub fn notify_all(&self) {
        // SAFETY: as in `notify_one`.
        unsafe { libc::pthread_cond_broadcast(self.cell().raw.get()) };
    }

    /// Destroys the condition variable now (`pthread_cond_destroy`). Only the
    /// owner destroys; in any other process this only unmaps.
    ///
    /// Refuses with `EBUSY`, as POSIX allows, while a wait is counted in
    /// progress, which includes one whose process was killed while it
    /// waited: glibc's `pthread_cond_destroy` would wait for that waiter to
    /// leave, for ever. Dropping the owner's handle destroys it the same way,
    /// and in that case leaves it as it is: the memory goes with the
    /// mapping either way.
    pub fn destroy(mut self) -> Result<()> {
        self.destroy_once()
    }

    fn destroy_once(&mut self) -> Result<()> {
        if self.destroyed || self.owner != Some(getpid()) {
            return Ok(());
        }
        let waiters = self.cell().waiters.load(Ordering::Relaxed);
        if waiters != 0 {
            return Err(Error::refused(
                "pthread_cond_destroy",
                CONDVAR,
                Errno::EBUSY,
                format!("{waiters} wait(s) still counted"),
            ));
        }
        self.destroyed = true;
        // SAFETY: `raw` is an initialised condition variable with no waits
        // in progress, destroyed only here, once, by its owner.
        let ret = unsafe { libc::pthread_cond_destroy(self.cell().raw.get()) };
        check(ret, "pthread_cond_destroy", CONDVAR)
    }
}

impl Drop for SharedCondvar {
    fn drop(&mut self) {
        let _ = self.destroy_once();
    }
}

impl fmt::Debug for SharedCondvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCondvar")
            .field("address", &self.mapping.address())
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// The signature of a pthread attribute function: `pthread_mutexattr_init`,
/// `pthread_condattr_destroy`...
type AttrFn<A> = unsafe extern "C" fn(*mut A) -> c_int;

/// The signature of a pthread attribute setter that takes an integer:
/// `pthread_mutexattr_setpshared`, `pthread_condattr_setclock`...
type SetAttrFn<A> = unsafe extern "C" fn(*mut A, c_int) -> c_int;

/// An initialised pthread attributes object (`pthread_mutexattr_t` or
/// `pthread_condattr_t`), destroyed on drop.
struct Attr<A> {
    raw: MaybeUninit<A>,
    destroy: AttrFn<A>,
    object: &'static str,
}

impl<A> Attr<A> {
    /// `init` (named `call`) and `destroy` must be the functions of the
    /// attribute type `A`; `object` names what it is for in errors.
    fn new(
        call: &'static str,
        init: AttrFn<A>,
        destroy: AttrFn<A>,
        object: &'static str,
    ) -> Result<Attr<A>> {
        let mut raw = MaybeUninit::uninit();
        // SAFETY: `raw` is valid for writes of an `A`, which `init` makes a
        // valid attributes object.
        let ret = unsafe { init(raw.as_mut_ptr()) };
        check(ret, call, object)?;
        Ok(Attr {
            raw,
            destroy,
            object,
        })
    }

    /// Calls the setter `set`, named `call`, of the attribute type `A` with
    /// `value`.
    fn set(
        &mut self,
        call: &'static str,
        set: SetAttrFn<A>,
        value: c_int,
    ) -> Result<()> {
        // SAFETY: the object is initialised; a setter reads and writes it,
        // and takes an integer besides.
        let ret = unsafe { set(self.raw.as_mut_ptr(), value) };
        check(ret, call, self.object)
    }

    fn ptr(&self) -> *const A {
        self.raw.as_ptr()
    }
}

impl<A> Drop for Attr<A> {
    fn drop(&mut self) {
        // SAFETY: initialised by `new`, destroyed once, here.
        unsafe { (self.destroy)(self.raw.as_mut_ptr()) };
    }
}

/// The time `timeout` from now on `clock`, as the absolute `timespec` the
/// timed pthread calls take. A timeout too long to represent waits until the
/// end of `time_t`.
fn deadline(
    clock: libc::clockid_t,
    timeout: Duration,
) -> Result<libc::timespec> {
    let mut now = MaybeUninit::<libc::timespec>::uninit();
    // SAFETY: `now` is valid for writes of one timespec.
    let ret = unsafe { libc::clock_gettime(clock, now.as_mut_ptr()) };
    if ret != 0 {
        return Err(Error::os("clock_gettime", "deadline", Errno::last()));
    }
    // SAFETY: clock_gettime succeeded, so it wrote `now`.
    let now = unsafe { now.assume_init() };
    const NANOS: libc::c_long = 1_000_000_000;
    let mut nanos = now.tv_nsec + timeout.subsec_nanos() as libc::c_long;
    let mut carry = 0;
    if nanos >= NANOS {
        nanos -= NANOS;
        carry = 1;
    }
    let secs = libc::time_t::try_from(timeout.as_secs())
        .ok()
        .and_then(|secs| now.tv_sec.checked_add(secs))
        .and_then(|secs| secs.checked_add(carry));
    Ok(match secs {
        Some(tv_sec) => libc::timespec {
            tv_sec,
            tv_nsec: nanos,
        },
        None => libc::timespec {
            tv_sec: libc::time_t::MAX,
            tv_nsec: NANOS - 1,
        },
    })
}

#[cfg(test)]
mod tests {
    //! Between threads of this test process: a process-shared mutex works
    //! between threads too, and tests cannot fork (see `crate::fork`). The
    //! chapters' programs and demonstrations show it between processes.

    use super::*;
    use std::sync::Barrier;
    use std::thread;
    use std::time::Instant;

    /// How long a test waits for a lock that should come at once: a broken
    /// robust mutex fails the test instead of hanging it.
    const PATIENCE: Duration = Duration::from_secs(60);

    #[test]
    fn the_value_is_reached_under_the_lock() {
        let mutex = SharedMutex::new([0u64; 4]).unwrap();
        thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for i in 0..1000 {
                        let mut counts = mutex.lock().unwrap();
                        counts[i % 4] += 1;
                    }
                });
            }
        });
        assert_eq!(*mutex.lock().unwrap(), [1000; 4]);
    }

    #[test]
    fn locking_twice_from_one_thread_is_an_error_not_a_hang() {
        let mutex = SharedMutex::new(0u32).unwrap();
        let _held = mutex.lock().unwrap();
        let err = mutex.lock().unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EDEADLK));
        assert_eq!(
            err.to_string(),
            "pthread_mutex_lock(shared mutex): Resource deadlock avoided \
             (EDEADLK)"
        );
    }

    #[test]
    fn a_timed_lock_gives_up() {
        let mutex = SharedMutex::new(0u32).unwrap();
        let held = Barrier::new(2);
        let done = Barrier::new(2);
        thread::scope(|scope| {
            scope.spawn(|| {
                let _guard = mutex.lock().unwrap();
                held.wait();
                done.wait();
            });
            held.wait();
            let start = Instant::now();
            let err =
                mutex.lock_timeout(Duration::from_millis(20)).unwrap_err();
            assert!(start.elapsed() >= Duration::from_millis(20));
            assert_eq!(err.errno(), Some(Errno::ETIMEDOUT));
            done.wait();
        });
        assert!(mutex.lock_timeout(Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn wait_while_sees_a_notification_sent_before_it_waits() {
        let mutex = SharedMutex::new(0u32).unwrap();
        let ready = SharedCondvar::new().unwrap();
        *mutex.lock().unwrap() = 1;
        ready.notify_all(); // no one waits: this notification is lost
        let (guard, result) = ready
            .wait_timeout_while(
                mutex.lock().unwrap(),
                Duration::from_secs(10),
                |v| *v == 0,
            )
            .unwrap();
        assert!(!result.timed_out());
        assert_eq!(*guard, 1);
        drop(guard);
        let (_, result) = ready
            .wait_timeout(mutex.lock().unwrap(), Duration::from_millis(10))
            .unwrap();
        assert!(result.timed_out());
    }

    #[test]
    fn a_notification_wakes_a_waiter_in_another_thread() {
        let mutex = SharedMutex::new(0u32).unwrap();
        let changed = SharedCondvar::new().unwrap();
        thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let guard = changed
                    .wait_while(mutex.lock().unwrap(), |v| *v < 3)
                    .unwrap();
                *guard
            });
            for _ in 0..3 {
                *mutex.lock().unwrap() += 1;
                changed.notify_one();
            }
            assert_eq!(waiter.join().unwrap(), 3);
        });
        changed.destroy().unwrap();
        mutex.destroy().unwrap();
    }

    #[test]
    fn a_condvar_serves_one_mutex() {
        let first = SharedMutex::new(0u8).unwrap();
        let second = SharedMutex::new(0u8).unwrap();
        let cond = SharedCondvar::new().unwrap();
        let timeout = Duration::from_millis(1);
        cond.wait_timeout(first.lock().unwrap(), timeout).unwrap();
        let err = cond
            .wait_timeout(second.lock().unwrap(), timeout)
            .unwrap_err();
        assert_eq!(err.errno(), None);
        assert!(err.to_string().contains("second mutex"), "{err}");
        assert!(second.lock().is_ok(), "the refused wait unlocked");
    }

    #[test]
    fn an_unrepaired_owner_death_makes_the_mutex_unusable() {
        // A thread that ends holding a robust mutex counts as a dead owner.
        let mutex = SharedMutex::new_robust(7u32).unwrap();
        thread::scope(|scope| {
            scope.spawn(|| std::mem::forget(mutex.lock().unwrap()));
        });
        match mutex.lock_robust_timeout(PATIENCE).unwrap() {
            Locked::OwnerDied(died) => assert_eq!(*died, 7),
            Locked::Consistent(_) => panic!("the owner's death went unseen"),
        }
        let err = mutex.lock_timeout(PATIENCE).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOTRECOVERABLE));
    }

    #[test]
    fn a_repaired_mutex_is_as_good_as_new() {
        let mutex = SharedMutex::new_robust(7u32).unwrap();
        thread::scope(|scope| {
            scope.spawn(|| std::mem::forget(mutex.lock().unwrap()));
        });
        let err = mutex.lock_timeout(PATIENCE).unwrap_err(); // plain lock: an error...
        assert_eq!(err.errno(), Some(Errno::EOWNERDEAD));
        let err = mutex.lock_timeout(PATIENCE).unwrap_err(); // ...that leaves it unusable
        assert_eq!(err.errno(), Some(Errno::ENOTRECOVERABLE));

        let mutex = SharedMutex::new_robust(7u32).unwrap();
        thread::scope(|scope| {
            scope.spawn(|| std::mem::forget(mutex.lock().unwrap()));
        });
        let Locked::OwnerDied(mut died) =
            mutex.lock_robust_timeout(PATIENCE).unwrap()
        else {
            panic!("the owner's death went unseen");
        };
        *died = 0;
        drop(died.make_consistent().unwrap());
        assert!(matches!(
            mutex.lock_robust_timeout(PATIENCE).unwrap(),
            Locked::Consistent(_)
        ));
        assert_eq!(*mutex.lock_timeout(PATIENCE).unwrap(), 0);
    }

    /// A second mapping of the memfd, as another process makes it, reaches
    /// the same mutex, value and condition variable; only the creator
    /// destroys them.
    #[test]
    fn a_memfd_mutex_is_the_same_mutex_in_every_mapping() {
        let mutex = SharedMutex::in_memfd(5u64).unwrap();
        let cond = SharedCondvar::in_memfd().unwrap();
        let dup = |fd: Option<BorrowedFd<'_>>| {
            fd.unwrap().try_clone_to_owned().unwrap()
        };
        let other = SharedMutex::<u64>::open_memfd(dup(mutex.memfd())).unwrap();
        let other_cond = SharedCondvar::open_memfd(dup(cond.memfd())).unwrap();
        let tried = Barrier::new(2);
        thread::scope(|scope| {
            let held = mutex.lock().unwrap();
            let waiter = scope.spawn(|| {
                let err =
                    other.lock_timeout(Duration::from_millis(20)).unwrap_err();
                assert_eq!(err.errno(), Some(Errno::ETIMEDOUT));
                tried.wait();
                let guard = other_cond
                    .wait_while(other.lock().unwrap(), |v| *v == 5)
                    .unwrap();
                *guard
            });
            tried.wait(); // its timed lock failed while this guard was held
            drop(held);
            *mutex.lock().unwrap() = 6;
            cond.notify_all();
            assert_eq!(waiter.join().unwrap(), 6);
        });
        drop(other);
        drop(other_cond);
        assert_eq!(
            *mutex.lock().unwrap(),
            6,
            "an opener's drop destroys nothing"
        );
        mutex.destroy().unwrap();
        cond.destroy().unwrap();
    }

    #[test]
    fn a_memfd_of_another_kind_or_size_is_refused() {
        let cond = SharedCondvar::in_memfd().unwrap();
        let file = cond.memfd().unwrap().try_clone_to_owned().unwrap();
        let err = SharedMutex::<u64>::open_memfd(file).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let mutex = SharedMutex::in_memfd(0u64).unwrap();
        let file = mutex.memfd().unwrap().try_clone_to_owned().unwrap();
        let err = SharedMutex::<[u64; 2]>::open_memfd(file).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        assert!(err.to_string().contains("bytes"), "{err}");
        let file = memfd(c"zeroes", size_of::<CondCell>()).unwrap();
        let err = SharedCondvar::open_memfd(file).err().unwrap();
        assert!(err.to_string().contains("no initialised"), "{err}");
        assert!(SharedMutex::new(0u8).unwrap().memfd().is_none());
    }

    #[test]
    fn a_deadline_past_time_t_waits_for_ever_rather_than_wrapping() {
        let far = deadline(libc::CLOCK_MONOTONIC, Duration::MAX).unwrap();
        assert_eq!(far.tv_sec, libc::time_t::MAX);
        let soon =
            deadline(libc::CLOCK_MONOTONIC, Duration::from_nanos(999_999_999))
                .unwrap();
        assert!(soon.tv_nsec < 1_000_000_000);
    }
}
