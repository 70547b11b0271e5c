//! Reference points for the measurement chapter, not mechanisms to use: what
//! two processes that share memory can do at best, with no kernel object in
//! between.
//!
//! - [`Ring`] with [`Wait::Futex`]: a ring of messages in a shared mapping,
//!   whose reader and writer go to sleep in `futex(2)` only when there is
//!   nothing to do (an empty ring, a full one), and are woken with a futex
//!   call only when the other side sleeps. A busy ring makes no system call
//!   at all. This is how glibc's own mutexes and condition variables are
//!   built, without their generality.
//! - [`Ring`] with [`Wait::Spin`]: the same ring, whose waiting side spins
//!   on the shared index instead of sleeping. Nothing is faster between two
//!   cores, and it burns a whole core while it waits; on one core it waits
//!   for the scheduler to take the CPU from the spinner, which takes
//!   milliseconds.
//! - [`PingPong`]: a bare futex ping-pong, one word and no data, each side
//!   waking the other on every turn: the price of a sleep and a wake-up on
//!   this machine, which the futex ring's round trip is compared with.
//!
//! The futex calls are raw system calls (glibc has no wrapper), on words in a
//! `memfd_create` file that both processes map: shared futexes, keyed by the
//! page, not `FUTEX_PRIVATE_FLAG` ones. Both processes must use these types;
//! a process that writes the file's bytes otherwise can make the other wait
//! for ever, or read garbage, but not reach outside the mapping.
//!
//! Man pages: [futex(2)](https://man7.org/linux/man-pages/man2/futex.2.html),
//! [futex(7)](https://man7.org/linux/man-pages/man7/futex.7.html).

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::mem::size_of;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};

use libc::c_int;
use nix::errno::Errno;

use super::{memfd, Mapping};
use crate::error::{Error, Result};

/// `futex(word, FUTEX_WAIT, expected, NULL)`: sleeps while `*word` holds
/// `expected` (checked atomically by the kernel), until a wake-up or a
/// signal. Returns 0, or -1 with `errno` (`EAGAIN` if the word had changed
/// already, `EINTR`).
pub fn futex_wait(word: &AtomicU32, expected: u32) -> c_int {
    // SAFETY: `word` is a live, aligned 32-bit word for the duration of the
    // call; a null timeout means none.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            std::ptr::null::<libc::timespec>(),
        ) as c_int
    }
}

/// `futex(word, FUTEX_WAKE, count)`: wakes up to `count` processes sleeping
/// on `word`; returns how many, or -1 with `errno`.
pub fn futex_wake(word: &AtomicU32, count: i32) -> c_int {
    // SAFETY: as in `futex_wait`; the kernel only reads the address.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count)
            as c_int
    }
}

/// How the waiting side of a [`Ring`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Sleeps in `futex(2)`, and is woken by the other side.
    Futex,
    /// Spins on the shared index, burning its CPU.
    Spin,
}

/// A 32-bit word alone on its cache line, so that the writer's and the
/// reader's words do not bounce one line between two cores.
#[repr(C, align(64))]
struct Line(AtomicU32);

/// What both processes share, at the start of the file.
#[repr(C)]
struct Shared<const SLOTS: usize, const SIZE: usize> {
    /// Messages ever sent (the writer's), and received (the reader's).
    head: Line,
    tail: Line,
    /// 1 while the reader (the writer) sleeps, or is about to.
    reader_sleeps: Line,
    writer_sleeps: Line,
    /// Set by [`Ring::close`].
    closed: Line,
    ready: Line,
    lens: [AtomicU32; SLOTS],
    data: [UnsafeCell<[u8; SIZE]>; SLOTS],
}

/// What [`Shared::ready`] holds once initialised.
const RING_READY: u32 = u32::from_be_bytes(*b"FRNG");
const PING_READY: u32 = u32::from_be_bytes(*b"PING");

/// One end of a single-producer, single-consumer ring of `SLOTS` messages of
/// at most `SIZE` bytes in a memfd that two processes map. One process
/// sends and the other receives (two rings make a ping-pong).
pub struct Ring<const SLOTS: usize, const SIZE: usize> {
    mapping: Mapping,
    file: OwnedFd,
    wait: Wait,
}

// SAFETY: the shared state is atomics, and slots that the ring's protocol
// gives to one side at a time.
unsafe impl<const SLOTS: usize, const SIZE: usize> Sync for Ring<SLOTS, SIZE> {}
// SAFETY: nothing in a `Ring` belongs to the thread that made it.
unsafe impl<const SLOTS: usize, const SIZE: usize> Send for Ring<SLOTS, SIZE> {}

/// A new memfd of `len` bytes, mapped, with its `ready` word (at
/// `ready_offset`) set to `ready`: the file is zeroes, a valid state for
/// the types of this module.
fn create_file(
    label: &'static std::ffi::CStr,
    len: usize,
    ready_offset: usize,
    ready: u32,
) -> Result<(Mapping, OwnedFd)> {
    let file = memfd(label, len)?;
    let mapping = Mapping::file(&file, len)?;
    ready_word(&mapping, ready_offset).store(ready, Ordering::Release);
    Ok((mapping, file))
}

/// Maps a memfd made by [`create_file`], checking its size and `ready` word.
fn open_file(
    file: &OwnedFd,
    len: usize,
    ready_offset: usize,
    ready: u32,
    object: &'static str,
) -> Result<Mapping> {
    let size = nix::sys::stat::fstat(file.as_fd())
        .map_err(|e| Error::os("fstat", object, e))?
        .st_size;
    let mapping = match u64::try_from(size) {
        Ok(size) if size == len as u64 => Mapping::file(file, len)?,
        _ => {
            return Err(Error::refused(
                "mmap",
                object,
                Errno::EINVAL,
                format!("the file holds {size} bytes, this object {len}"),
            ))
        }
    };
    if ready_word(&mapping, ready_offset).load(Ordering::Acquire) != ready {
        return Err(Error::refused(
            "mmap",
            object,
            Errno::EINVAL,
            "the file holds no object of this kind",
        ));
    }
    Ok(mapping)
}

fn ready_word(mapping: &Mapping, offset: usize) -> &AtomicU32 {
    assert!(offset + size_of::<AtomicU32>() <= mapping.size());
    // SAFETY: in bounds (checked), 4-aligned (the callers' offsets are of
    // `AtomicU32` fields of `repr(C)` types at the page-aligned start), and
    // any bits are a valid `AtomicU32`.
    unsafe { &*mapping.as_ptr().add(offset).cast::<AtomicU32>() }
}

impl<const SLOTS: usize, const SIZE: usize> Ring<SLOTS, SIZE> {
    const LEN: usize = size_of::<Shared<SLOTS, SIZE>>();
    const READY_AT: usize = std::mem::offset_of!(Shared<SLOTS, SIZE>, ready);

    /// A new, empty ring in a new memfd, whose sides wait as `wait` says.
    pub fn create(wait: Wait) -> Result<Ring<SLOTS, SIZE>> {
        let (mapping, file) =
            create_file(c"futex-ring", Self::LEN, Self::READY_AT, RING_READY)?;
        Ok(Ring {
            mapping,
            file,
            wait,
        })
    }

    /// The ring in the memfd `file`, made by another process with
    /// [`Ring::create`] with the same `SLOTS` and `SIZE`; `EINVAL` if the
    /// file holds none. Both sides must wait the same way.
    pub fn open(file: OwnedFd, wait: Wait) -> Result<Ring<SLOTS, SIZE>> {
        let mapping = open_file(
            &file,
            Self::LEN,
            Self::READY_AT,
            RING_READY,
            "futex ring",
        )?;
        Ok(Ring {
            mapping,
            file,
            wait,
        })
    }

    /// The memfd, to give the other process.
    pub fn memfd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    fn shared(&self) -> &Shared<SLOTS, SIZE> {
        // SAFETY: the mapping holds a `Shared` (checked at open), zeroed or
        // written through this type only, for as long as `self` lives.
        unsafe { &*self.mapping.as_ptr().cast::<Shared<SLOTS, SIZE>>() }
    }

    /// Waits until `ready` says yes, sleeping on `word` (whose value it
    /// reads) with `sleeps` set, or spinning. `EPIPE` once closed.
    fn wait_until(
        &self,
        word: &AtomicU32,
        sleeps: &AtomicU32,
        ready: impl Fn(u32) -> bool,
    ) -> std::result::Result<(), c_int> {
        let shared = self.shared();
        loop {
            let seen = word.load(Ordering::Acquire);
            if ready(seen) {
                return Ok(());
            }
            if shared.closed.0.load(Ordering::Acquire) != 0 {
                return Err(libc::EPIPE);
            }
            match self.wait {
                Wait::Spin => spin_loop(),
                Wait::Futex => {
                    // Say so, then look again: the other side either sees
                    // the flag (and wakes us), or changed the word before
                    // we look (and we do not sleep). SeqCst on both sides
                    // orders each side's store before its load.
                    sleeps.store(1, Ordering::SeqCst);
                    if word.load(Ordering::SeqCst) == seen
                        && shared.closed.0.load(Ordering::SeqCst) == 0
                    {
                        futex_wait(word, seen);
                    }
                    sleeps.store(0, Ordering::Relaxed);
                }
            }
        }
    }

    /// Publishes `value` in `word` and wakes the other side if it sleeps.
    fn publish(&self, word: &AtomicU32, value: u32, sleeps: &AtomicU32) {
        word.store(value, Ordering::SeqCst);
        if self.wait == Wait::Futex && sleeps.load(Ordering::SeqCst) != 0 {
            futex_wake(word, 1);
        }
    }

    /// Sends a message of `len` bytes, which `fill` writes into the slot:
    /// waits while the ring is full. Returns 0, `EMSGSIZE` for a message
    /// longer than `SIZE`, or `EPIPE` once the ring is closed.
    pub fn send(&self, len: usize, fill: impl FnOnce(&mut [u8])) -> c_int {
        if len > SIZE {
            return libc::EMSGSIZE;
        }
        let shared = self.shared();
        if shared.closed.0.load(Ordering::Acquire) != 0 {
            return libc::EPIPE;
        }
        // Only this side writes `head`: its own value needs no ordering.
        let head = shared.head.0.load(Ordering::Relaxed);
        let room = |tail: u32| head.wrapping_sub(tail) < SLOTS as u32;
        if let Err(code) =
            self.wait_until(&shared.tail.0, &shared.writer_sleeps.0, room)
        {
            return code;
        }
        let slot = head as usize % SLOTS;
        // SAFETY: the slot between tail and head + SLOTS is the writer's
        // alone until `head` moves past it (the acquire load of `tail` in
        // `wait_until` saw the reader let go of it), and only the one
        // sending process writes.
        fill(unsafe { &mut (&mut *shared.data[slot].get())[..len] });
        shared.lens[slot].store(len as u32, Ordering::Relaxed);
        self.publish(
            &shared.head.0,
            head.wrapping_add(1),
            &shared.reader_sleeps.0,
        );
        0
    }

    /// Receives the oldest message, which `take` reads in its slot: waits
    /// while the ring is empty. Returns what `take` returns, or `EPIPE` once
    /// the ring is closed and empty.
    pub fn receive<R>(
        &self,
        take: impl FnOnce(&[u8]) -> R,
    ) -> std::result::Result<R, c_int> {
        let shared = self.shared();
        let tail = shared.tail.0.load(Ordering::Relaxed);
        let waiting = |head: u32| head != tail;
        self.wait_until(&shared.head.0, &shared.reader_sleeps.0, waiting)?;
        let slot = tail as usize % SLOTS;
        let len =
            (shared.lens[slot].load(Ordering::Relaxed) as usize).min(SIZE);
        // SAFETY: the writer published this slot (the acquire load of
        // `head` saw it) and will not touch it until `tail` moves past it.
        let got = take(unsafe { &(&*shared.data[slot].get())[..len] });
        self.publish(
            &shared.tail.0,
            tail.wrapping_add(1),
            &shared.writer_sleeps.0,
        );
        Ok(got)
    }

    /// Closes the ring: every wait, on either side, ends with `EPIPE`. What
    /// a process does when it gives up, so that its peer does not wait for
    /// ever.
    pub fn close(&self) {
        let shared = self.shared();
        shared.closed.0.store(1, Ordering::SeqCst);
        for word in [&shared.head.0, &shared.tail.0] {
            futex_wake(word, i32::MAX);
        }
    }
}

/// What the word of a [`PingPong`] holds: whose turn it is, or that it is
/// closed.
const PARENT_TURN: u32 = 0;
const PEER_TURN: u32 = 1;
const CLOSED: u32 = 2;

/// Two processes taking turns on one futex word, with no data: each turn is
/// a store, a `FUTEX_WAKE` and a `FUTEX_WAIT`. The floor under any
/// mechanism that puts a process to sleep and wakes it.
pub struct PingPong {
    mapping: Mapping,
    file: OwnedFd,
}

impl PingPong {
    /// A new word in a new memfd: the parent's turn.
    pub fn create() -> Result<PingPong> {
        let (mapping, file) = create_file(
            c"futex-ping-pong",
            2 * size_of::<AtomicU32>(),
            size_of::<AtomicU32>(),
            PING_READY,
        )?;
        Ok(PingPong { mapping, file })
    }

    /// The word in the memfd `file`, made by another process with
    /// [`PingPong::create`].
    pub fn open(file: OwnedFd) -> Result<PingPong> {
        let mapping = open_file(
            &file,
            2 * size_of::<AtomicU32>(),
            size_of::<AtomicU32>(),
            PING_READY,
            "futex ping-pong",
        )?;
        Ok(PingPong { mapping, file })
    }

    /// The memfd, to give the other process.
    pub fn memfd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    fn word(&self) -> &AtomicU32 {
        ready_word(&self.mapping, 0)
    }

    /// Gives the turn to `to` and waits until it comes back to `from`, or
    /// the word is closed (`EPIPE`).
    fn turn(&self, to: u32, from: u32) -> c_int {
        let word = self.word();
        if word
            .compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return libc::EPIPE;
        }
        futex_wake(word, 1);
        loop {
            match word.load(Ordering::Acquire) {
                CLOSED => return libc::EPIPE,
                now if now == from => return 0,
                now => {
                    futex_wait(word, now);
                }
            }
        }
    }

    /// The parent's round trip: gives the turn to the peer and waits for it
    /// to come back. Returns 0, or `EPIPE` once closed.
    pub fn ping(&self) -> c_int {
        self.turn(PEER_TURN, PARENT_TURN)
    }

    /// The peer's turn: waits for the parent's ping, then gives the turn
    /// back. Returns 0, or `EPIPE` once closed.
    pub fn pong(&self) -> c_int {
        let word = self.word();
        loop {
            match word.load(Ordering::Acquire) {
                CLOSED => return libc::EPIPE,
                PEER_TURN => break,
                now => {
                    futex_wait(word, now);
                }
            }
        }
        if word
            .compare_exchange(
                PEER_TURN,
                PARENT_TURN,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_err()
        {
            return libc::EPIPE;
        }
        futex_wake(word, 1);
        0
    }

    /// Closes the word: both sides' waits end with `EPIPE`.
    pub fn close(&self) {
        self.word().store(CLOSED, Ordering::SeqCst);
        futex_wake(self.word(), i32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn pair(wait: Wait) -> (Ring<4, 16>, Ring<4, 16>) {
        let ring = Ring::create(wait).unwrap();
        let other =
            Ring::open(ring.memfd().try_clone_to_owned().unwrap(), wait)
                .unwrap();
        (ring, other)
    }

    #[test]
    fn messages_go_through_in_order_both_ways_of_waiting() {
        for wait in [Wait::Futex, Wait::Spin] {
            let (writer, reader) = pair(wait);
            thread::scope(|scope| {
                scope.spawn(|| {
                    for i in 0..10_000u32 {
                        let len = 1 + i as usize % 16;
                        let code = writer.send(len, |slot| {
                            slot.fill(i as u8);
                        });
                        assert_eq!(code, 0);
                    }
                });
                for i in 0..10_000u32 {
                    let (len, byte) = reader
                        .receive(|slot| (slot.len(), slot[slot.len() - 1]))
                        .unwrap();
                    assert_eq!((len, byte), (1 + i as usize % 16, i as u8));
                }
            });
        }
    }

    #[test]
    fn a_close_ends_a_sleeping_wait() {
        let (writer, reader) = pair(Wait::Futex);
        thread::scope(|scope| {
            let waiter = scope.spawn(|| reader.receive(|slot| slot.len()));
            // Whether the reader sleeps already or not, the close ends it.
            writer.close();
            assert_eq!(waiter.join().unwrap(), Err(libc::EPIPE));
        });
        assert_eq!(writer.send(17, |_| ()), libc::EMSGSIZE);
        assert_eq!(writer.send(1, |_| ()), libc::EPIPE);
    }

    #[test]
    fn the_ping_pong_takes_turns_until_closed() {
        let parent = PingPong::create().unwrap();
        let peer = PingPong::open(parent.memfd().try_clone_to_owned().unwrap())
            .unwrap();
        thread::scope(|scope| {
            let answers = scope.spawn(|| {
                let mut answered = 0;
                while peer.pong() == 0 {
                    answered += 1;
                }
                answered
            });
            for _ in 0..1000 {
                assert_eq!(parent.ping(), 0);
            }
            parent.close();
            assert_eq!(answers.join().unwrap(), 1000);
        });
    }

    #[test]
    fn a_file_of_another_kind_is_refused() {
        let ring = Ring::<4, 16>::create(Wait::Futex).unwrap();
        let file = ring.memfd().try_clone_to_owned().unwrap();
        let err = PingPong::open(file).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let ping = PingPong::create().unwrap();
        let file = ping.memfd().try_clone_to_owned().unwrap();
        let err = Ring::<4, 16>::open(file, Wait::Spin).err().unwrap();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }
}
