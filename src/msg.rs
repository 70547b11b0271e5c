//! XSI message queues: a list of typed messages inside the kernel, that any process with
//! the identifier and the permission can add to or take from.
//!
//! | C                                              | here                                      |
//! |------------------------------------------------|-------------------------------------------|
//! | `msgget(IPC_PRIVATE, 0600)`                    | [`MessageQueue::new`]                     |
//! | `msgget(key, flags)`                           | [`MessageQueue::open`]                    |
//! | an identifier received from another process    | [`MessageQueue::attach`]                  |
//! | `msgsnd(id, &msg, n, 0)`                       | [`MessageQueue::send`]                    |
//! | `msgsnd(id, &msg, n, IPC_NOWAIT)`              | [`MessageQueue::try_send`]                |
//! | `msgrcv(id, &msg, n, type, 0)`                 | [`MessageQueue::receive`] with [`Select`] |
//! | `msgrcv(..., IPC_NOWAIT)`                      | [`MessageQueue::try_receive`]             |
//! | `msgrcv(..., MSG_NOERROR)`                     | [`MessageQueue::receive_with`]            |
//! | `msgctl(id, IPC_STAT, &ds)`                    | [`MessageQueue::stat`] → [`QueueStatus`]  |
//! | `msgctl(id, IPC_SET, &ds)` with `msg_qbytes`   | [`MessageQueue::set_max_bytes`]           |
//! | `msgctl(id, IPC_RMID, NULL)`                   | [`MessageQueue::remove`], and `Drop`      |
//!
//! A queue that [`MessageQueue::new`] or [`MessageQueue::open`] created is removed when
//! its handle is dropped, unless [`MessageQueue::keep`] was called.
//!
//! Man pages: msgget(2), msgsnd(2) (which also describes `msgrcv`), msgctl(2), sysvipc(7).

use std::time::SystemTime;

use libc::{c_int, c_long};
use nix::errno::Errno;

use crate::error::{Error, Result};
use crate::xsi::object::get_or_create;
use crate::xsi::{
    self, control, glibc, Control, Id, IpcPerm, Key, Kind, Object, Options,
};

/// Which message [`MessageQueue::receive`] takes: msgrcv's `msgtyp` argument as a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// The first message in the queue, whatever its type (`msgtyp` 0).
    Any,
    /// The first message of exactly this type (`msgtyp` > 0).
    Type(i64),
    /// The first message of the lowest type that is less than *or equal to* this one
    /// (`msgtyp` < 0, its absolute value): a priority queue where 1 comes first.
    LowestUpTo(i64),
}

impl Select {
    /// The `msgtyp` argument of msgrcv(2).
    pub fn msgtyp(self) -> i64 {
        match self {
            Select::Any => 0,
            Select::Type(t) => t,
            Select::LowestUpTo(t) => -t,
        }
    }
}

/// A message: a positive type and the bytes that follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The type it was sent with; always greater than 0.
    pub mtype: i64,
    /// The text, which need not be text: any bytes, of any length up to `msgmax`.
    pub data: Vec<u8>,
}

/// How [`MessageQueue::receive_with`] receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Receive {
    /// `IPC_NOWAIT`: fail with `ENOMSG` instead of waiting when no message matches.
    pub nowait: bool,
    /// `MSG_NOERROR`: cut a message longer than the buffer to fit, and drop the rest.
    /// Without it the receive fails with `E2BIG` and the message stays in the queue.
    pub truncate: bool,
}

/// What `msgctl(IPC_STAT)` reports about a queue (`struct msqid_ds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueStatus {
    /// Owner, creator, permissions.
    pub perm: IpcPerm,
    /// The bytes of all messages in the queue (`msg_cbytes`).
    pub bytes: u64,
    /// The number of messages in the queue (`msg_qnum`).
    pub messages: u64,
    /// The capacity: a sender waits while a new message would exceed it (`msg_qbytes`).
    pub max_bytes: u64,
    /// The process that sent last (`msg_lspid`), if any.
    pub last_send_pid: Option<i32>,
    /// The process that received last (`msg_lrpid`), if any.
    pub last_receive_pid: Option<i32>,
    /// The time of the last send (`msg_stime`), if any.
    pub last_send: Option<SystemTime>,
    /// The time of the last receive (`msg_rtime`), if any.
    pub last_receive: Option<SystemTime>,
    /// The time of creation or of the last `IPC_SET` (`msg_ctime`).
    pub last_change: Option<SystemTime>,
}

/// A message queue. Removed on drop if this handle created it.
#[derive(Debug)]
pub struct MessageQueue {
    object: Object,
    /// `msgmax` when the handle was made: the largest message the kernel accepts.
    max_message: usize,
}

impl MessageQueue {
    /// A new private queue (`IPC_PRIVATE`, permissions `0o600`), removed on drop.
    pub fn new() -> Result<MessageQueue> {
        MessageQueue::open(Key::PRIVATE, &Options::new())
    }

    /// The queue with `key`, opened or created as `options` say (permissions `0o600`
    /// unless they say otherwise). Removed on drop only if this call created it.
    pub fn open(key: Key, options: &Options) -> Result<MessageQueue> {
        let (id, created) =
            get_or_create(Kind::MessageQueue, key, options, |flags| {
                libc::msqid_ds::get_smallest(key, flags)
            })?;
        // Owned before anything else can fail, so that an error below removes it.
        let object = Object::from_parts(id, created);
        Ok(MessageQueue {
            object,
            max_message: message_size_limit()?,
        })
    }

    /// The existing queue with identifier `id`, as another process passed it on. It is
    /// never removed on drop: whoever created it does that.
    pub fn attach(id: c_int) -> Result<MessageQueue> {
        let id = Id::from_raw(Kind::MessageQueue, id);
        libc::msqid_ds::stat(id.raw())?; // fails now, with EINVAL, if there is no such queue
        Ok(MessageQueue {
            object: Object::from_parts(id, false),
            max_message: message_size_limit()?,
        })
    }

    /// The identifier, which any process can use to reach the queue.
    pub fn id(&self) -> Id {
        self.object.id()
    }

    /// Sends `data` as a message of type `mtype`, waiting while the queue is full.
    pub fn send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_flags(mtype, data, 0)
    }

    /// Sends without waiting: a full queue is the error `EAGAIN`.
    pub fn try_send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_flags(mtype, data, libc::IPC_NOWAIT)
    }

    fn send_flags(&self, mtype: i64, data: &[u8], flags: c_int) -> Result<()> {
        let object = format!("id={}, type={mtype}", self.id().raw());
        if mtype <= 0 {
            return Err(Error::invalid(
                "msgsnd",
                object,
                format!("the message type must be greater than 0, not {mtype}"),
            ));
        }
        if data.len() > self.max_message {
            return Err(Error::invalid(
                "msgsnd",
                object,
                format!(
                    "a message of {} bytes is larger than msgmax, {} bytes",
                    data.len(),
                    self.max_message
                ),
            ));
        }
        let buffer = MessageBuffer::with_message(mtype as c_long, data);
        loop {
            // SAFETY: `buffer` holds a `long` type followed by at least `data.len()` bytes
            // (struct msgbuf's layout, aligned as a long), alive for the whole call.
            let ret = unsafe {
                libc::msgsnd(
                    self.id().raw(),
                    buffer.as_ptr(),
                    data.len(),
                    flags,
                )
            };
            match ret {
                -1 if Errno::last() == Errno::EINTR => continue,
                -1 => return Err(Error::os("msgsnd", object, Errno::last())),
                _ => return Ok(()),
            }
        }
    }

    /// Receives the message `select` chooses, of at most `max_len` bytes, waiting until
    /// one arrives. A longer message is the error `E2BIG` and stays in the queue; a queue
    /// removed while waiting is `EIDRM`.
    pub fn receive(&self, select: Select, max_len: usize) -> Result<Message> {
        self.receive_with(select, max_len, Receive::default())
    }

    /// Receives without waiting: no matching message is the error `ENOMSG`.
    pub fn try_receive(
        &self,
        select: Select,
        max_len: usize,
    ) -> Result<Message> {
        self.receive_with(
            select,
            max_len,
            Receive {
                nowait: true,
                truncate: false,
            },
        )
    }

    /// Receives with explicit [`Receive`] flags.
    pub fn receive_with(
        &self,
        select: Select,
        max_len: usize,
        how: Receive,
    ) -> Result<Message> {
        let msgtyp = select.msgtyp();
        let object = format!("id={}, type={msgtyp}", self.id().raw());
        if let Select::Type(t) | Select::LowestUpTo(t) = select {
            if t <= 0 {
                return Err(Error::invalid(
                    "msgrcv",
                    object,
                    format!(
                        "the selected type must be greater than 0, not {t}"
                    ),
                ));
            }
        }
        let mut flags = 0;
        if how.nowait {
            flags |= libc::IPC_NOWAIT;
        }
        if how.truncate {
            flags |= libc::MSG_NOERROR;
        }
        let mut buffer = MessageBuffer::with_capacity(max_len);
        loop {
            // SAFETY: `buffer` has room for a `long` type followed by `max_len` bytes,
            // aligned as a long, and is alive and writable for the whole call.
            let received = unsafe {
                libc::msgrcv(
                    self.id().raw(),
                    buffer.as_mut_ptr(),
                    max_len,
                    msgtyp as c_long,
                    flags,
                )
            };
            match usize::try_from(received) {
                Ok(len) => return Ok(buffer.into_message(len)),
                Err(_) if Errno::last() == Errno::EINTR => continue,
                Err(_) => {
                    return Err(Error::os("msgrcv", object, Errno::last()))
                }
            }
        }
    }

    /// `IPC_STAT`: the queue's counters, limits, last users and times.
    pub fn stat(&self) -> Result<QueueStatus> {
        let ds = libc::msqid_ds::stat(self.id().raw())?;
        let pid = |pid: libc::pid_t| (pid != 0).then_some(pid);
        Ok(QueueStatus {
            perm: IpcPerm::from_libc(&ds.msg_perm),
            bytes: glibc::msg_cbytes(&ds),
            messages: ds.msg_qnum,
            max_bytes: ds.msg_qbytes,
            last_send_pid: pid(ds.msg_lspid),
            last_receive_pid: pid(ds.msg_lrpid),
            last_send: xsi::time_of(ds.msg_stime),
            last_receive: xsi::time_of(ds.msg_rtime),
            last_change: xsi::time_of(ds.msg_ctime),
        })
    }

    /// `IPC_SET` of `msg_qbytes`, the queue's capacity in bytes. Lowering it is allowed to
    /// the owner; raising it above `msgmnb` needs privilege (`CAP_SYS_RESOURCE`), else
    /// `EPERM`.
    pub fn set_max_bytes(&self, max_bytes: u64) -> Result<()> {
        let mut ds = libc::msqid_ds::stat(self.id().raw())?;
        ds.msg_qbytes = max_bytes;
        ds.set(self.id().raw())
    }

    /// Removes the queue now (`IPC_RMID`), reporting failure; processes waiting in
    /// `msgrcv` or `msgsnd` wake up with `EIDRM`.
    pub fn remove(self) -> Result<()> {
        self.object.remove()
    }

    /// Leaves the queue in the kernel when the handle goes, and returns its identifier.
    pub fn keep(self) -> Id {
        self.object.keep()
    }
}

/// The control calls of message queues: `msgctl(2)` on a `struct msqid_ds`.
impl Control for libc::msqid_ds {
    const KIND: Kind = Kind::MessageQueue;

    fn get_smallest(key: Key, flags: c_int) -> c_int {
        // SAFETY: msgget takes only integers.
        unsafe { libc::msgget(key.raw(), flags) }
    }

    fn stat(id: c_int) -> Result<Self> {
        // SAFETY: `msqid_ds` is plain integers; all zeroes is a valid value.
        let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one `msqid_ds` into `ds`, valid for the call.
        let ret = unsafe { libc::msgctl(id, libc::IPC_STAT, &mut ds) };
        control::check(ret, Self::KIND, "IPC_STAT", id)?;
        Ok(ds)
    }

    fn set(&mut self, id: c_int) -> Result<()> {
        // SAFETY: IPC_SET reads one `msqid_ds` from `self`, valid for the call.
        let ret = unsafe { libc::msgctl(id, libc::IPC_SET, self) };
        control::check(ret, Self::KIND, "IPC_SET", id).map(drop)
    }

    fn remove(id: c_int) -> Result<()> {
        // SAFETY: IPC_RMID reads no buffer; the man page specifies a null pointer.
        let ret =
            unsafe { libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
        control::check(ret, Self::KIND, "IPC_RMID", id).map(drop)
    }

    fn perm(&self) -> &libc::ipc_perm {
        &self.msg_perm
    }

    fn perm_mut(&mut self) -> &mut libc::ipc_perm {
        &mut self.msg_perm
    }
}

/// `msgmax`, the largest message the kernel accepts.
fn message_size_limit() -> Result<usize> {
    let limits = xsi::Limits::read()?;
    usize::try_from(limits.msgmax).map_err(|_| {
        Error::invalid("read", "/proc/sys/kernel/msgmax", "does not fit usize")
    })
}

/// `struct msgbuf` of any length: a `long` type, then the text. Stored as `long`s so that
/// the type is aligned as the kernel expects.
struct MessageBuffer {
    words: Vec<c_long>,
}

const WORD: usize = std::mem::size_of::<c_long>();

impl MessageBuffer {
    fn with_capacity(len: usize) -> MessageBuffer {
        MessageBuffer {
            words: vec![0; 1 + len.div_ceil(WORD)],
        }
    }

    fn with_message(mtype: c_long, data: &[u8]) -> MessageBuffer {
        let mut words = Vec::with_capacity(1 + data.len().div_ceil(WORD));
        words.push(mtype);
        for chunk in data.chunks(WORD) {
            let mut bytes = [0u8; WORD];
            bytes[..chunk.len()].copy_from_slice(chunk);
            words.push(c_long::from_ne_bytes(bytes));
        }
        MessageBuffer { words }
    }

    fn as_ptr(&self) -> *const libc::c_void {
        self.words.as_ptr().cast()
    }

    fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        self.words.as_mut_ptr().cast()
    }

    // c_long is 32 bits on 32-bit targets, where the conversion is needed.
    #[allow(clippy::useless_conversion)]
    fn into_message(self, len: usize) -> Message {
        let data = self.words[1..]
            .iter()
            .flat_map(|word| word.to_ne_bytes())
            .take(len)
            .collect();
        Message {
            mtype: i64::from(self.words[0]),
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_with_its_type() {
        let queue = MessageQueue::new().unwrap();
        let data: Vec<u8> = (0..=255).collect();
        queue.send(7, &data).unwrap();
        queue.send(8, b"").unwrap();
        assert_eq!(
            queue.receive(Select::Any, 256).unwrap(),
            Message { mtype: 7, data }
        );
        assert_eq!(queue.receive(Select::Any, 0).unwrap().data, b"");
    }

    #[test]
    fn refuses_bad_types_and_sizes_before_any_call() {
        let queue = MessageQueue::new().unwrap();
        let id = queue.id().raw();
        let err = queue.send(0, b"x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("msgsnd(id={id}, type=0): the message type must be greater than 0, not 0")
        );
        let msgmax = xsi::Limits::read().unwrap().msgmax as usize;
        let err = queue.send(1, &vec![0; msgmax + 1]).unwrap_err();
        assert_eq!(err.errno(), None);
        assert!(err.to_string().contains("larger than msgmax"), "{err}");
        assert!(queue.send(1, &vec![0; msgmax]).is_ok());
        let err = queue.try_receive(Select::Type(-1), 8).unwrap_err();
        assert_eq!(err.errno(), None);
        assert_eq!(queue.stat().unwrap().messages, 1);
    }

    #[test]
    fn errors_name_the_call_the_queue_and_the_type() {
        let queue = MessageQueue::new().unwrap();
        let err = queue.try_receive(Select::Type(910), 512).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "msgrcv(id={}, type=910): No message of desired type (ENOMSG)",
                queue.id().raw()
            )
        );
    }

    #[test]
    fn stat_counts_and_names_the_last_sender() {
        let queue = MessageQueue::new().unwrap();
        let empty = queue.stat().unwrap();
        assert_eq!((empty.bytes, empty.messages), (0, 0));
        assert_eq!(empty.last_send_pid, None);
        assert_eq!(empty.last_send, None);
        queue.send(1, b"hello").unwrap();
        let status = queue.stat().unwrap();
        assert_eq!((status.bytes, status.messages), (5, 1));
        assert_eq!(status.last_send_pid, Some(std::process::id() as i32));
        assert!(status.last_send.is_some());
        queue.set_max_bytes(100).unwrap();
        assert_eq!(queue.stat().unwrap().max_bytes, 100);
    }

    #[test]
    fn attach_does_not_remove() {
        let queue = MessageQueue::new().unwrap();
        let other = MessageQueue::attach(queue.id().raw()).unwrap();
        drop(other);
        assert!(queue.id().is_listed().unwrap());
        let id = queue.id();
        queue.remove().unwrap();
        let err = MessageQueue::attach(id.raw()).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }
}
