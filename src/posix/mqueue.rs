//! POSIX message queues: `mq_open(3)` and its calls, with an owning [`Queue`].
//!
//! Man pages: [mq_overview(7)](https://man7.org/linux/man-pages/man7/mq_overview.7.html),
//! [mq_open(3)](https://man7.org/linux/man-pages/man3/mq_open.3.html),
//! [mq_send(3)](https://man7.org/linux/man-pages/man3/mq_send.3.html),
//! [mq_receive(3)](https://man7.org/linux/man-pages/man3/mq_receive.3.html),
//! [mq_getattr(3)](https://man7.org/linux/man-pages/man3/mq_getattr.3.html),
//! [mq_unlink(3)](https://man7.org/linux/man-pages/man3/mq_unlink.3.html).

use std::os::fd::{AsFd, BorrowedFd};

use nix::mqueue::{self, mq_attr_member_t, MQ_OFlag, MqAttr, MqdT};
use nix::sys::stat::Mode;

use super::{mode_bits, read_proc_number, Access, Name};
use crate::error::{Error, Result};
use crate::scratch;

thread_local! {
    /// The buffer of `mq_msgsize` bytes a thread's allocating receives read
    /// into, so that each allocates only the message it returns.
    static SCRATCH: std::cell::RefCell<Vec<u8>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// How [`Queue::create`] makes a queue. The defaults: the system's default size
/// (`/proc/sys/fs/mqueue/msg_default` messages of `msgsize_default` bytes), mode 0600.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueOptions {
    /// `mq_maxmsg`: how many messages the queue holds before a sender waits.
    pub max_messages: Option<usize>,
    /// `mq_msgsize`: the size of the largest message, and the smallest buffer a
    /// receive accepts.
    pub message_size: Option<usize>,
    /// The permission bits, which the process umask then clears, as for a file.
    pub mode: u32,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            max_messages: None,
            message_size: None,
            mode: 0o600,
        }
    }
}

/// What `mq_getattr` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueAttributes {
    /// `mq_maxmsg`: the capacity, in messages.
    pub max_messages: usize,
    /// `mq_msgsize`: the largest message.
    pub message_size: usize,
    /// `mq_curmsgs`: the messages waiting now.
    pub messages: usize,
    /// `O_NONBLOCK` in `mq_flags`: sends and receives fail with `EAGAIN` instead of
    /// waiting.
    pub nonblocking: bool,
}

/// The system's limits and defaults for queues, from `/proc/sys/fs/mqueue`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueLimits {
    /// `msg_default`: `mq_maxmsg` of a queue created without attributes.
    pub msg_default: u64,
    /// `msg_max`: the largest `mq_maxmsg` an unprivileged process may ask for.
    pub msg_max: u64,
    /// `msgsize_default`: `mq_msgsize` of a queue created without attributes.
    pub msgsize_default: u64,
    /// `msgsize_max`: the largest `mq_msgsize` an unprivileged process may ask for.
    pub msgsize_max: u64,
    /// `queues_max`: how many queues the whole system may have.
    pub queues_max: u64,
}

impl QueueLimits {
    /// Reads the five files of `/proc/sys/fs/mqueue`.
    pub fn read() -> Result<QueueLimits> {
        let read = |name: &str| {
            read_proc_number(&format!("/proc/sys/fs/mqueue/{name}"))
        };
        Ok(QueueLimits {
            msg_default: read("msg_default")?,
            msg_max: read("msg_max")?,
            msgsize_default: read("msgsize_default")?,
            msgsize_max: read("msgsize_max")?,
            queues_max: read("queues_max")?,
        })
    }
}

/// Where [`Queue::receive_into`] put a message: its length and its priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// The message's length, at the start of the buffer.
    pub len: usize,
    /// Its priority: higher comes out first.
    pub priority: u32,
}

/// A message, as the allocating [`Queue::receive`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The bytes.
    pub data: Vec<u8>,
    /// The priority it was sent with.
    pub priority: u32,
}

/// An open message queue (`mqd_t`, which on Linux is a file descriptor).
///
/// Closed on drop, and, if this handle created the queue, unlinked: the name goes,
/// and the queue itself goes once no process has it open any more.
#[derive(Debug)]
pub struct Queue {
    /// `None` only while dropping.
    mqd: Option<MqdT>,
    name: Name,
    /// Unlink the name on drop: this handle created it and has not unlinked it yet.
    unlink_on_drop: bool,
    /// `mq_msgsize`, read once at open: the buffer the allocating receive needs.
    message_size: usize,
}

impl Queue {
    /// `mq_open(name, O_CREAT | O_EXCL | O_RDWR, mode, &attr)`: a new queue, or
    /// `EEXIST` if the name is taken. Unlinked when the handle is dropped.
    pub fn create(name: &Name, options: &QueueOptions) -> Result<Queue> {
        // Always with attributes: nix's mq_open passes no mode and no attributes
        // when `attr` is None, and glibc, seeing O_CREAT, would read both from
        // wherever the variadic arguments point (EINVAL, or worse). The defaults
        // are what the kernel would use: /proc/sys/fs/mqueue/*_default.
        let (max_messages, message_size) =
            match (options.max_messages, options.message_size) {
                (Some(n), Some(size)) => (n as u64, size as u64),
                (n, size) => {
                    let limits = QueueLimits::read()?;
                    (
                        n.map_or(limits.msg_default, |n| n as u64),
                        size.map_or(limits.msgsize_default, |s| s as u64),
                    )
                }
            };
        let attr = MqAttr::new(
            0,
            max_messages as mq_attr_member_t,
            message_size as mq_attr_member_t,
            0,
        );
        let flags = MQ_OFlag::O_CREAT
            | MQ_OFlag::O_EXCL
            | MQ_OFlag::O_RDWR
            | MQ_OFlag::O_CLOEXEC;
        let mode = mode_bits("mq_open", name, options.mode)?;
        let mqd = mqueue::mq_open(name.as_c_str(), flags, mode, Some(&attr))
            .map_err(|e| Error::os("mq_open", name.as_str(), e))?;
        // Owned from here: an error below closes and unlinks it.
        let mut queue = Queue {
            mqd: Some(mqd),
            name: name.clone(),
            unlink_on_drop: true,
            message_size: 0,
        };
        queue.message_size = queue.attributes()?.message_size;
        Ok(queue)
    }

    /// `mq_open(name, flags)` of an existing queue, for the access asked: `EACCES` at
    /// once if the queue's mode does not grant it, `ENOENT` if there is no such queue.
    /// Never unlinked on drop: whoever created it does that.
    pub fn open(name: &Name, access: Access) -> Result<Queue> {
        let flags = match access {
            Access::Read => MQ_OFlag::O_RDONLY,
            Access::Write => MQ_OFlag::O_WRONLY,
            Access::ReadWrite => MQ_OFlag::O_RDWR,
        } | MQ_OFlag::O_CLOEXEC;
        let mqd = mqueue::mq_open(name.as_c_str(), flags, Mode::empty(), None)
            .map_err(|e| Error::os("mq_open", name.as_str(), e))?;
        let mut queue = Queue {
            mqd: Some(mqd),
            name: name.clone(),
            unlink_on_drop: false,
            message_size: 0,
        };
        queue.message_size = queue.attributes()?.message_size;
        Ok(queue)
    }

    fn mqd(&self) -> &MqdT {
        self.mqd.as_ref().expect("open until dropped")
    }

    /// The queue's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// `mq_send`: adds `data` with `priority` (below 32768 on Linux), waiting while the
    /// queue is full, or failing with `EAGAIN` if it is non-blocking. A message longer
    /// than `mq_msgsize` is `EMSGSIZE`. Allocates nothing and copies nothing: the
    /// kernel copies `data`, as for the C call.
    pub fn send(&self, data: &[u8], priority: u32) -> Result<()> {
        mqueue::mq_send(self.mqd(), data, priority)
            .map_err(|e| Error::os("mq_send", self.name.as_str(), e))
    }

    /// `mq_receive` into `buf`: the oldest message of the highest priority, waiting
    /// while the queue is empty (or `EAGAIN` if it is non-blocking). `buf` must hold
    /// `mq_msgsize` bytes, or the call fails with `EMSGSIZE`, whatever the length of
    /// the message. Allocates nothing; the kernel copies the message into `buf`.
    pub fn receive_into(&self, buf: &mut [u8]) -> Result<Received> {
        let mut priority = 0;
        let len = mqueue::mq_receive(self.mqd(), buf, &mut priority)
            .map_err(|e| Error::os("mq_receive", self.name.as_str(), e))?;
        Ok(Received { len, priority })
    }

    /// [`Queue::receive_into`], returning the message in a vector of its own
    /// length: convenient where a message's cost does not matter. The call
    /// needs a buffer of `mq_msgsize` bytes, whatever the message's length;
    /// that one is the thread's, kept between calls (up to 64 KiB), so a
    /// receive allocates once, the message's bytes, as `msg`'s does.
    pub fn receive(&self) -> Result<Message> {
        let size = self.message_size;
        let kept = scratch::KEPT_BYTES;
        let received =
            scratch::with_scratch(&SCRATCH, size, size, kept, |buf| {
                let received = self.receive_into(buf)?;
                Ok((buf[..received.len].to_vec(), received.priority))
            })?;
        let (data, priority) = received;
        Ok(Message { data, priority })
    }

    /// `mq_getattr`.
    pub fn attributes(&self) -> Result<QueueAttributes> {
        let attr = mqueue::mq_getattr(self.mqd())
            .map_err(|e| Error::os("mq_getattr", self.name.as_str(), e))?;
        Ok(QueueAttributes {
            max_messages: attr.maxmsg() as usize,
            message_size: attr.msgsize() as usize,
            messages: attr.curmsgs() as usize,
            nonblocking: attr.flags() & libc::O_NONBLOCK as mq_attr_member_t
                != 0,
        })
    }

    /// `mq_setattr` of `O_NONBLOCK`, the one attribute an open queue can change.
    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        let result = if nonblocking {
            mqueue::mq_set_nonblock(self.mqd())
        } else {
            mqueue::mq_remove_nonblock(self.mqd())
        };
        result
            .map(drop)
            .map_err(|e| Error::os("mq_setattr", self.name.as_str(), e))
    }

    /// `mq_unlink`: removes the name now. The queue stays usable by every process that
    /// has it open, and goes when the last of them closes it; a new queue created under
    /// the same name is another queue.
    pub fn unlink(&mut self) -> Result<()> {
        mqueue::mq_unlink(self.name.as_c_str())
            .map_err(|e| Error::os("mq_unlink", self.name.as_str(), e))?;
        self.unlink_on_drop = false;
        Ok(())
    }
}

/// On Linux a queue descriptor is a file descriptor: `poll`, `select` and `epoll` wait
/// on it (readable: a message is waiting; writable: there is room).
impl AsFd for Queue {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.mqd().as_fd()
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        if let Some(mqd) = self.mqd.take() {
            // A destructor cannot report; closing a valid descriptor does not fail.
            let _ = mqueue::mq_close(mqd);
        }
        if self.unlink_on_drop {
            // ENOENT if someone else unlinked it first: then it is not ours to remove.
            let _ = mqueue::mq_unlink(self.name.as_c_str());
        }
    }
}

/// `mq_send(3)` and `mq_receive(3)` as a C program calls them: glibc's functions on
/// the queue's descriptor (an `mqd_t` is one on Linux), C's return values (`-1` with
/// `errno` set on failure), no check. This is the baseline that the measurement
/// chapter compares [`Queue::send`] and [`Queue::receive_into`] against; programs use
/// [`Queue`].
pub mod raw {
    use libc::{c_int, c_uint, mqd_t, ssize_t};

    /// `mq_send(mqd, buf, buf.len(), priority)`.
    pub fn mq_send(mqd: mqd_t, buf: &[u8], priority: c_uint) -> c_int {
        // SAFETY: `buf` is readable for `buf.len()` bytes during the call, which is
        // all the kernel reads.
        unsafe { libc::mq_send(mqd, buf.as_ptr().cast(), buf.len(), priority) }
    }

    /// `mq_receive(mqd, buf, buf.len(), &priority)`.
    pub fn mq_receive(
        mqd: mqd_t,
        buf: &mut [u8],
        priority: &mut c_uint,
    ) -> ssize_t {
        // SAFETY: `buf` is writable for `buf.len()` bytes and `priority` for one
        // unsigned int during the call; the kernel writes no more.
        unsafe {
            libc::mq_receive(mqd, buf.as_mut_ptr().cast(), buf.len(), priority)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::errno::Errno;
    use std::os::fd::AsRawFd;

    #[test]
    fn raw_calls_carry_messages_and_priorities() {
        let queue =
            Queue::create(&Name::unique("test").unwrap(), &small()).unwrap();
        let mqd = queue.as_fd().as_raw_fd();
        assert_eq!(raw::mq_send(mqd, b"low", 1), 0);
        queue.send(b"high", 7).unwrap();
        let mut buf = [0u8; 64];
        let mut priority = 0;
        assert_eq!(raw::mq_receive(mqd, &mut buf, &mut priority), 4);
        assert_eq!((&buf[..4], priority), (&b"high"[..], 7));
        let got = queue.receive_into(&mut buf).unwrap();
        assert_eq!((&buf[..got.len], got.priority), (&b"low"[..], 1));
        assert_eq!(raw::mq_receive(mqd, &mut buf[..8], &mut priority), -1);
        assert_eq!(Errno::last(), Errno::EMSGSIZE);
    }

    fn small() -> QueueOptions {
        QueueOptions {
            max_messages: Some(4),
            message_size: Some(64),
            ..QueueOptions::default()
        }
    }

    #[test]
    fn higher_priorities_come_out_first_then_oldest_first() {
        let queue =
            Queue::create(&Name::unique("test").unwrap(), &small()).unwrap();
        for (text, priority) in [("a", 1), ("b", 5), ("c", 1), ("d", 5)] {
            queue.send(text.as_bytes(), priority).unwrap();
        }
        let mut order = Vec::new();
        let mut buf = [0u8; 64];
        for _ in 0..4 {
            let got = queue.receive_into(&mut buf).unwrap();
            order.push((buf[0] as char, got.priority));
        }
        assert_eq!(order, [('b', 5), ('d', 5), ('a', 1), ('c', 1)]);
    }

    #[test]
    fn a_buffer_shorter_than_msgsize_is_emsgsize_even_for_a_short_message() {
        let queue =
            Queue::create(&Name::unique("test").unwrap(), &small()).unwrap();
        queue.send(b"hi", 0).unwrap();
        let err = queue.receive_into(&mut [0u8; 63]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EMSGSIZE));
        assert_eq!(queue.receive().unwrap().data, b"hi");
    }

    #[test]
    fn the_creator_unlinks_on_drop_an_opener_does_not() {
        let name = Name::unique("test").unwrap();
        let queue = Queue::create(&name, &small()).unwrap();
        drop(Queue::open(&name, Access::Read).unwrap());
        assert!(Queue::open(&name, Access::Read).is_ok());
        let err = Queue::create(&name, &small()).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EEXIST));
        drop(queue);
        let err = Queue::open(&name, Access::Read).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOENT));
        assert_eq!(
            err.to_string(),
            format!("mq_open({name}): No such file or directory (ENOENT)")
        );
    }

    #[test]
    fn a_nonblocking_queue_says_eagain() {
        let queue =
            Queue::create(&Name::unique("test").unwrap(), &small()).unwrap();
        queue.set_nonblocking(true).unwrap();
        assert!(queue.attributes().unwrap().nonblocking);
        let err = queue.receive().unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        for _ in 0..4 {
            queue.send(b"x", 0).unwrap();
        }
        let err = queue.send(b"x", 0).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        assert_eq!(queue.attributes().unwrap().messages, 4);
    }
}
