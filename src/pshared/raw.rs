//! A ring of messages in shared memory, guarded by a process-shared mutex and
//! two condition variables, driven as a C program drives it: bare
//! `pthread_mutex_lock`, `pthread_cond_wait`, `pthread_cond_signal` and
//! `pthread_mutex_unlock`, C's return values (an error number, 0 for
//! success), no guard and no check beyond the buffers' bounds.
//!
//! This is the baseline that the measurement chapter compares the safe API
//! against, on the *same* objects: the [`RingSlots`] inside a
//! [`SharedMutex`], and two [`SharedCondvar`]s, which the chapter also drives
//! through [`SharedMutex::lock`] and [`SharedCondvar::wait_while`]. The same
//! memory, the same pthread objects, the same algorithm; only the calls
//! differ. Programs use the safe API; this module exists to be measured
//! against.
//!
//! The ring holds `SLOTS` messages of at most `SIZE` bytes. A sender locks,
//! waits on *not full* while every slot is taken, lets its closure write the
//! next slot, unlocks and signals *not empty*; a receiver does the mirror
//! image. Both closures run with the mutex held: the slot is theirs alone.

use libc::c_int;
use nix::errno::Errno;

use super::{SharedCondvar, SharedMutex};
use crate::error::Error;

/// The ring's bookkeeping and slots: the value a [`SharedMutex`] guards.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct RingSlots<const SLOTS: usize, const SIZE: usize> {
    /// Messages ever sent, and received: `head - tail` are waiting.
    pub head: u64,
    pub tail: u64,
    /// Not 0 once a side gave up: waits end.
    pub closed: u64,
    /// The length of the message in each slot.
    pub lens: [u64; SLOTS],
    pub data: [[u8; SIZE]; SLOTS],
}

// SAFETY: integers and bytes, without padding between them (every field's
// size is a multiple of 8 and the struct's alignment is 8): all zeroes, and
// any bits at all, are a valid value.
unsafe impl<const SLOTS: usize, const SIZE: usize> bytemuck::Zeroable
    for RingSlots<SLOTS, SIZE>
{
}
// SAFETY: as above; `Copy` and `'static`.
unsafe impl<const SLOTS: usize, const SIZE: usize> bytemuck::AnyBitPattern
    for RingSlots<SLOTS, SIZE>
{
}

/// The mutex, its ring and the two condition variables: the objects of the
/// ring that [`Ring::send`], [`Ring::receive`] and [`Ring::close`] drive
/// with bare calls.
pub struct Ring<'a, const SLOTS: usize, const SIZE: usize> {
    pub slots: &'a SharedMutex<RingSlots<SLOTS, SIZE>>,
    pub not_empty: &'a SharedCondvar,
    pub not_full: &'a SharedCondvar,
}

impl<const SLOTS: usize, const SIZE: usize> Ring<'_, SLOTS, SIZE> {
    fn mutex(&self) -> *mut libc::pthread_mutex_t {
        self.slots.raw()
    }

    fn state(&self) -> *mut RingSlots<SLOTS, SIZE> {
        self.slots.cell().value.get()
    }

    /// Sends a message of `len` bytes, which `fill` writes into the slot:
    /// waits while the ring is full. Returns 0, `EMSGSIZE` for a message
    /// longer than `SIZE`, `EPIPE` once the ring is closed, or the error of
    /// a pthread call.
    pub fn send(&self, len: usize, fill: impl FnOnce(&mut [u8])) -> c_int {
        if len > SIZE {
            return libc::EMSGSIZE;
        }
        // SAFETY: an initialised process-shared mutex.
        let ret = unsafe { libc::pthread_mutex_lock(self.mutex()) };
        if ret != 0 {
            return ret;
        }
        let state = self.state();
        // SAFETY (this block and the closure's slot): this thread holds the
        // mutex, and every access to the ring, in either process, through
        // this module or the safe API, is made holding it; a wait releases
        // it and takes it back before it returns, and no reference into the
        // ring is held across one.
        let code = unsafe {
            loop {
                if (*state).closed != 0 {
                    break libc::EPIPE;
                }
                if (*state).head.wrapping_sub((*state).tail) < SLOTS as u64 {
                    let slot = ((*state).head % SLOTS as u64) as usize;
                    fill(&mut (&mut (*state).data[slot])[..len]);
                    (*state).lens[slot] = len as u64;
                    (*state).head = (*state).head.wrapping_add(1);
                    break 0;
                }
                let cond = self.not_full.cell().raw.get();
                let ret = libc::pthread_cond_wait(cond, self.mutex());
                if ret != 0 {
                    break ret;
                }
            }
        };
        // SAFETY: this thread locked it above.
        unsafe { libc::pthread_mutex_unlock(self.mutex()) };
        if code == 0 {
            // SAFETY: an initialised process-shared condition variable.
            unsafe {
                libc::pthread_cond_signal(self.not_empty.cell().raw.get())
            };
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
        // SAFETY: an initialised process-shared mutex.
        let ret = unsafe { libc::pthread_mutex_lock(self.mutex()) };
        if ret != 0 {
            return Err(ret);
        }
        let state = self.state();
        // SAFETY: as in `send`. A length the other process wrote is cut to
        // the slot, so that a bad one cannot reach outside it.
        let result = unsafe {
            loop {
                if (*state).head != (*state).tail {
                    let slot = ((*state).tail % SLOTS as u64) as usize;
                    let len = ((*state).lens[slot] as usize).min(SIZE);
                    let got = take(&(&(*state).data[slot])[..len]);
                    (*state).tail = (*state).tail.wrapping_add(1);
                    break Ok(got);
                }
                if (*state).closed != 0 {
                    break Err(libc::EPIPE);
                }
                let cond = self.not_empty.cell().raw.get();
                let ret = libc::pthread_cond_wait(cond, self.mutex());
                if ret != 0 {
                    break Err(ret);
                }
            }
        };
        // SAFETY: this thread locked it above.
        unsafe { libc::pthread_mutex_unlock(self.mutex()) };
        if result.is_ok() {
            // SAFETY: an initialised process-shared condition variable.
            unsafe {
                libc::pthread_cond_signal(self.not_full.cell().raw.get())
            };
        }
        result
    }

    /// Closes the ring: every wait, in either process, ends (`EPIPE` here),
    /// once the messages already sent are received. What a process does
    /// when it gives up, so that its peer does not wait for ever.
    pub fn close(&self) {
        // SAFETY: an initialised process-shared mutex; the state is reached
        // with it held.
        unsafe {
            if libc::pthread_mutex_lock(self.mutex()) == 0 {
                (*self.state()).closed = 1;
                libc::pthread_mutex_unlock(self.mutex());
            }
            libc::pthread_cond_broadcast(self.not_empty.cell().raw.get());
            libc::pthread_cond_broadcast(self.not_full.cell().raw.get());
        }
    }
}

/// The error number a call of this module returned, as the crate's error,
/// naming `call`, for callers that report one.
pub fn error(call: &'static str, code: c_int) -> Error {
    Error::os(call, "pthread ring", Errno::from_raw(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    type Slots = RingSlots<2, 64>;

    #[test]
    fn raw_calls_and_the_safe_api_share_one_ring() {
        let slots =
            SharedMutex::<Slots>::new(bytemuck::Zeroable::zeroed()).unwrap();
        let not_empty = SharedCondvar::new().unwrap();
        let not_full = SharedCondvar::new().unwrap();
        let ring = Ring {
            slots: &slots,
            not_empty: &not_empty,
            not_full: &not_full,
        };
        thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..100u8 {
                    assert_eq!(ring.send(3, |slot| slot.fill(i)), 0);
                }
                ring.close();
            });
            for i in 0..100u8 {
                if i % 2 == 0 {
                    let got = ring.receive(|slot| slot.to_vec()).unwrap();
                    assert_eq!(got, [i; 3]);
                } else {
                    // The same ring through the safe API.
                    let guard = slots.lock().unwrap();
                    let mut s = not_empty
                        .wait_while(guard, |s| s.head == s.tail)
                        .unwrap();
                    let slot = (s.tail % 2) as usize;
                    assert_eq!(&s.data[slot][..s.lens[slot] as usize], [i; 3]);
                    s.tail += 1;
                    drop(s);
                    not_full.notify_one();
                }
            }
            assert_eq!(ring.receive(|slot| slot.len()), Err(libc::EPIPE));
        });
        assert_eq!(ring.send(65, |_| ()), libc::EMSGSIZE);
        assert_eq!(ring.send(1, |_| ()), libc::EPIPE);
    }
}
