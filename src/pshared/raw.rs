//! A ring of messages in shared memory, guarded by a process-shared pthread
//! mutex and two condition variables, written as a C program writes it: bare
//! `pthread_mutex_lock`, `pthread_cond_wait`, `pthread_cond_signal` and
//! `pthread_mutex_unlock` on objects in a `memfd_create` file that both
//! processes map, C's return values (an error number, 0 for success), no
//! guard and no check beyond the buffers' bounds.
//!
//! This is the baseline that the measurement chapter compares a ring built on
//! [`SharedMutex`](super::SharedMutex) and [`SharedCondvar`](super::SharedCondvar)
//! against: the same ring, the same work, through the safe API. Programs use
//! those types; this module exists to be measured against.
//!
//! The ring holds `SLOTS` messages of at most `SIZE` bytes. A sender locks,
//! waits on *not full* while every slot is taken, lets its closure write the
//! next slot, unlocks and signals *not empty*; a receiver does the mirror
//! image. Both closures run with the mutex held: the slot is theirs alone.

use std::cell::UnsafeCell;
use std::mem::size_of;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};

use libc::c_int;
use nix::errno::Errno;

use super::{check, open_home, Attr, PAGE};
use crate::error::{Error, Result};
use crate::mmap::{memfd, Mapping};

/// What errors name as the object.
const RING: &str = "pthread ring";

/// What [`Shared::ready`] holds once the ring is initialised.
const RING_READY: u32 = u32::from_be_bytes(*b"RING");

/// The ring's bookkeeping and slots, reached only with the mutex held.
#[repr(C)]
struct State<const SLOTS: usize, const SIZE: usize> {
    /// Messages ever sent, and received: `head - tail` are waiting.
    head: u64,
    tail: u64,
    /// Set by [`Ring::close`]: waits end with `EPIPE`.
    closed: u64,
    lens: [u64; SLOTS],
    data: [[u8; SIZE]; SLOTS],
}

/// Everything the two processes share, at the start of the file.
#[repr(C)]
struct Shared<const SLOTS: usize, const SIZE: usize> {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    not_empty: UnsafeCell<libc::pthread_cond_t>,
    not_full: UnsafeCell<libc::pthread_cond_t>,
    state: UnsafeCell<State<SLOTS, SIZE>>,
    ready: AtomicU32,
}

/// One end of a ring of `SLOTS` messages of at most `SIZE` bytes, shared with
/// another process through a memfd. Either process may send and receive.
///
/// Its pthread objects are never destroyed: `pthread_mutex_destroy` does
/// nothing on Linux, and `pthread_cond_destroy` waits for any waiter still
/// counted, even one whose process was killed. The memory goes with the file
/// once both processes have unmapped and closed it.
pub struct Ring<const SLOTS: usize, const SIZE: usize> {
    mapping: Mapping,
    file: OwnedFd,
}

// SAFETY: the shared state is reached only with the process-shared mutex
// held, from any thread of any process.
unsafe impl<const SLOTS: usize, const SIZE: usize> Sync for Ring<SLOTS, SIZE> {}
// SAFETY: nothing in a `Ring` belongs to the thread that made it.
unsafe impl<const SLOTS: usize, const SIZE: usize> Send for Ring<SLOTS, SIZE> {}

impl<const SLOTS: usize, const SIZE: usize> Ring<SLOTS, SIZE> {
    /// A new, empty ring in a new memfd: `pthread_mutexattr_setpshared`,
    /// `pthread_mutex_init`, `pthread_condattr_setpshared`, and
    /// `pthread_cond_init` twice, with every other attribute the default, as
    /// a C program does.
    pub fn create() -> Result<Ring<SLOTS, SIZE>> {
        const { assert!(std::mem::align_of::<Shared<SLOTS, SIZE>>() <= PAGE) };
        let len = size_of::<Shared<SLOTS, SIZE>>();
        let file = memfd(c"pthread-ring", len)?;
        let mapping = Mapping::file(&file, len)?;
        let shared = mapping.as_ptr().cast::<Shared<SLOTS, SIZE>>();
        let mut mutex_attr = Attr::new(
            "pthread_mutexattr_init",
            libc::pthread_mutexattr_init,
            libc::pthread_mutexattr_destroy,
            RING,
        )?;
        mutex_attr.set(
            "pthread_mutexattr_setpshared",
            libc::pthread_mutexattr_setpshared,
            libc::PTHREAD_PROCESS_SHARED,
        )?;
        let mut cond_attr = Attr::new(
            "pthread_condattr_init",
            libc::pthread_condattr_init,
            libc::pthread_condattr_destroy,
            RING,
        )?;
        cond_attr.set(
            "pthread_condattr_setpshared",
            libc::pthread_condattr_setpshared,
            libc::PTHREAD_PROCESS_SHARED,
        )?;
        // SAFETY: the mapping is new, zeroed (a valid `State`: integers and
        // bytes), large enough and page-aligned; no other process has it yet.
        // The three objects are initialised once, here, with initialised
        // attributes.
        unsafe {
            let ret = libc::pthread_mutex_init(
                UnsafeCell::raw_get(&raw const (*shared).mutex),
                mutex_attr.ptr(),
            );
            check(ret, "pthread_mutex_init", RING)?;
            for cond in [
                &raw const (*shared).not_empty,
                &raw const (*shared).not_full,
            ] {
                let ret = libc::pthread_cond_init(
                    UnsafeCell::raw_get(cond),
                    cond_attr.ptr(),
                );
                check(ret, "pthread_cond_init", RING)?;
            }
            (*shared).ready.store(RING_READY, Ordering::Release);
        }
        Ok(Ring { mapping, file })
    }

    /// The ring in the memfd `file`, which another process made with
    /// [`Ring::create`] with the same `SLOTS` and `SIZE`; refused with
    /// `EINVAL` if the file holds none.
    pub fn open(file: OwnedFd) -> Result<Ring<SLOTS, SIZE>> {
        let mapping = open_home(
            &file,
            size_of::<Shared<SLOTS, SIZE>>(),
            std::mem::offset_of!(Shared<SLOTS, SIZE>, ready),
            RING_READY,
            RING,
        )?;
        Ok(Ring { mapping, file })
    }

    /// The memfd, to give the other process.
    pub fn memfd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    fn shared(&self) -> &Shared<SLOTS, SIZE> {
        // SAFETY: `create` or `open` checked that the mapping holds an
        // initialised `Shared`, which lives as long as `self`; what the other
        // process changes is in an `UnsafeCell` or an atomic.
        unsafe { &*self.mapping.as_ptr().cast::<Shared<SLOTS, SIZE>>() }
    }

    /// `pthread_mutex_lock`, then the state, which the caller must let go of
    /// before [`Ring::unlock`].
    fn lock(&self) -> std::result::Result<*mut State<SLOTS, SIZE>, c_int> {
        let shared = self.shared();
        // SAFETY: an initialised process-shared mutex.
        match unsafe { libc::pthread_mutex_lock(shared.mutex.get()) } {
            0 => Ok(shared.state.get()),
            code => Err(code),
        }
    }

    fn unlock(&self) {
        // SAFETY: this thread locked it in `lock`.
        unsafe { libc::pthread_mutex_unlock(self.shared().mutex.get()) };
    }

    /// `pthread_cond_wait(cond, mutex)`, with the mutex held.
    fn wait(&self, cond: &UnsafeCell<libc::pthread_cond_t>) -> c_int {
        // SAFETY: initialised process-shared objects; this thread holds the
        // mutex, as every caller does.
        unsafe {
            libc::pthread_cond_wait(cond.get(), self.shared().mutex.get())
        }
    }

    /// Sends a message of `len` bytes, which `fill` writes into the slot:
    /// waits while the ring is full. Returns 0, `EMSGSIZE` for a message
    /// longer than `SIZE`, `EPIPE` once the ring is closed, or the error of
    /// a pthread call.
    pub fn send(&self, len: usize, fill: impl FnOnce(&mut [u8])) -> c_int {
        if len > SIZE {
            return libc::EMSGSIZE;
        }
        let state = match self.lock() {
            Ok(state) => state,
            Err(code) => return code,
        };
        // SAFETY (this block and the closure's slot): this thread holds the
        // mutex, and every access to the state, in either process, is made
        // holding it; a wait releases the mutex and takes it back before it
        // returns, and no reference into the state is held across one.
        let code = unsafe {
            loop {
                if (*state).closed != 0 {
                    break libc::EPIPE;
                }
                if (*state).head - (*state).tail < SLOTS as u64 {
                    let slot = ((*state).head % SLOTS as u64) as usize;
                    fill(&mut (&mut (*state).data[slot])[..len]);
                    (*state).lens[slot] = len as u64;
                    (*state).head += 1;
                    break 0;
                }
                let ret = self.wait(&self.shared().not_full);
                if ret != 0 {
                    break ret;
                }
            }
        };
        self.unlock();
        if code == 0 {
            // SAFETY: an initialised process-shared condition variable.
            unsafe { libc::pthread_cond_signal(self.shared().not_empty.get()) };
        }
        code
    }

    /// Receives the oldest message, which `take` reads in its slot: waits
    /// while the ring is empty. Returns what `take` returns, or `EPIPE` once
    /// the ring is closed and empty, or the error of a pthread call.
    pub fn receive<R>(
        &self,
        take: impl FnOnce(&[u8]) -> R,
    ) -> std::result::Result<R, c_int> {
        let state = self.lock()?;
        // SAFETY: as in `send`. A length the other process wrote is cut to
        // the slot, so a bad one cannot reach outside it.
        let result = unsafe {
            loop {
                if (*state).head != (*state).tail {
                    let slot = ((*state).tail % SLOTS as u64) as usize;
                    let len = ((*state).lens[slot] as usize).min(SIZE);
                    let got = take(&(&(*state).data[slot])[..len]);
                    (*state).tail += 1;
                    break Ok(got);
                }
                if (*state).closed != 0 {
                    break Err(libc::EPIPE);
                }
                let ret = self.wait(&self.shared().not_empty);
                if ret != 0 {
                    break Err(ret);
                }
            }
        };
        self.unlock();
        if result.is_ok() {
            // SAFETY: an initialised process-shared condition variable.
            unsafe { libc::pthread_cond_signal(self.shared().not_full.get()) };
        }
        result
    }

    /// Closes the ring: every wait, in either process, ends with `EPIPE`,
    /// once the messages already sent are received. What a process does
    /// when it gives up, so that its peer does not wait for ever.
    pub fn close(&self) {
        if let Ok(state) = self.lock() {
            // SAFETY: the mutex is held.
            unsafe { (*state).closed = 1 };
            self.unlock();
        }
        let shared = self.shared();
        // SAFETY: initialised process-shared condition variables.
        unsafe {
            libc::pthread_cond_broadcast(shared.not_empty.get());
            libc::pthread_cond_broadcast(shared.not_full.get());
        }
    }
}

/// The error number a call of this module returned, as the crate's error,
/// naming `call`, for callers that report one.
pub fn error(call: &'static str, code: c_int) -> Error {
    Error::os(call, RING, Errno::from_raw(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn messages_go_through_in_order_and_a_close_ends_the_wait() {
        let ring = Ring::<2, 64>::create().unwrap();
        let other =
            Ring::<2, 64>::open(ring.memfd().try_clone_to_owned().unwrap())
                .unwrap();
        thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..100u8 {
                    let code = ring.send(3, |slot| slot.fill(i));
                    assert_eq!(code, 0);
                }
                ring.close();
            });
            for i in 0..100u8 {
                let got = other.receive(|slot| slot.to_vec()).unwrap();
                assert_eq!(got, [i; 3]);
            }
            assert_eq!(other.receive(|slot| slot.len()), Err(libc::EPIPE));
        });
        assert_eq!(ring.send(65, |_| ()), libc::EMSGSIZE);
    }

    #[test]
    fn a_file_without_a_ring_is_refused() {
        let file = memfd(c"not-a-ring", size_of::<Shared<2, 64>>()).unwrap();
        let err = Ring::<2, 64>::open(file).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let file = memfd(c"wrong-size", 4096).unwrap();
        let err = Ring::<2, 64>::open(file).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }
}
