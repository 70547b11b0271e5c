//! XSI message queues: a list of typed messages inside the kernel, that any process with
//! the identifier and the permission can add to or take from.
//!
//! | C                                              | here                                       |
//! |------------------------------------------------|--------------------------------------------|
//! | `msgget(IPC_PRIVATE, 0600)`                    | [`MessageQueue::new`]                      |
//! | `msgget(key, flags)` (flags ask for access)    | [`MessageQueue::open`] with [`Options`], [`Access`](crate::xsi::Access) |
//! | an identifier received from another process    | [`MessageQueue::attach`]                   |
//! | `msgsnd(id, &msg, n, 0)`                       | [`MessageQueue::send`], [`MessageQueue::send_buffer`] |
//! | `msgsnd(id, &msg, n, IPC_NOWAIT)`              | [`MessageQueue::try_send`], [`MessageQueue::try_send_buffer`] |
//! | `msgrcv(id, &msg, n, type, 0)`                 | [`MessageQueue::receive_into`] a [`MessageBuffer`], or [`MessageQueue::receive`], with [`Select`] |
//! | `msgrcv(..., IPC_NOWAIT)`                      | [`MessageQueue::try_receive_into`], [`MessageQueue::try_receive`] |
//! | `msgrcv(..., MSG_NOERROR)`                     | [`MessageQueue::receive_into_with`], [`MessageQueue::receive_with`] |
//! | `msgrcv(..., type, MSG_EXCEPT)` (Linux)        | [`Select::Except`]                         |
//! | `msgrcv(..., n, MSG_COPY \| IPC_NOWAIT)` (Linux) | [`MessageQueue::peek_into`], [`MessageQueue::peek`] |
//! | `msgctl(id, IPC_STAT, &ds)`                    | [`MessageQueue::stat`] → [`QueueStatus`]   |
//! | `msgctl(id, IPC_SET, &ds)` with `msg_qbytes`   | [`MessageQueue::set_max_bytes`]            |
//! | `msgctl(id, IPC_RMID, NULL)`                   | [`MessageQueue::remove`], and `Drop`       |
//! | `msgctl(0, MSG_INFO, &info)` (Linux)           | [`usage`] → [`Usage`]                      |
//! | `msgctl(index, MSG_STAT_ANY, &ds)` (Linux)     | [`stat_slot`], [`queues`] (as `ipcs -q`)   |
//! | `msgctl(0, IPC_INFO, &info)` (Linux)           | [`crate::xsi::Limits::msg_info`]           |
//! | `struct msgbuf` and the bare calls            | [`raw`], for measuring against             |
//!
//! A queue that [`MessageQueue::new`] or [`MessageQueue::open`] created is removed when
//! its handle is dropped, unless [`MessageQueue::keep`] was called.
//!
//! ## The kernel's semantics, kept
//!
//! - **Interruption.** A send that waits for room or a receive that waits for a message
//!   ends when a signal handler runs in the waiting thread, with `EINTR`
//!   ([`Error::is_interrupted`]). The kernel never restarts `msgsnd` or `msgrcv` after a
//!   handler, whatever `SA_RESTART` says ([signal(7)](https://man7.org/linux/man-pages/man7/signal.7.html)),
//!   and this module does not retry either: the caller decides whether to call again, or
//!   to stop (a receive bounded in time is a receive and an alarm).
//! - **Access.** Opening an existing queue asks for the [`Access`](crate::xsi::Access)
//!   the caller needs, which
//!   `msgget` checks: a caller without it is refused at open with `EACCES`. Attaching by
//!   identifier asks for nothing; each operation is then checked as in C.
//! - **Refusals.** Arguments the kernel would refuse (a type below 1, a message longer
//!   than `msgmax`) are refused before the call with a message that says why, and with
//!   the `errno` the kernel would have given ([`Error::errno`], `EINVAL`).
//!
//! ## Sending and receiving cost what the C calls cost
//!
//! [`MessageQueue::receive_into`] receives into a [`MessageBuffer`] the caller owns and
//! reuses, and [`MessageQueue::send_buffer`] sends from one: no allocation and no copy
//! beyond the kernel's, as in C. [`MessageQueue::send`] takes the caller's bytes and
//! copies them once, into a buffer each thread keeps for the purpose (a C program fills
//! its `struct msgbuf` the same way). [`MessageQueue::receive`] is the convenient form:
//! it returns a [`Message`] whose data is allocated at exactly the received length. An
//! error's message is formatted only when there is an error.
//!
//! Man pages: [msgget(2)](https://man7.org/linux/man-pages/man2/msgget.2.html),
//! [msgop(2)](https://man7.org/linux/man-pages/man2/msgop.2.html) (`msgsnd` and `msgrcv`),
//! [msgctl(2)](https://man7.org/linux/man-pages/man2/msgctl.2.html),
//! [sysvipc(7)](https://man7.org/linux/man-pages/man7/sysvipc.7.html).

use std::cell::RefCell;
use std::fmt;
use std::time::SystemTime;

use libc::{c_int, c_long};
use nix::errno::Errno;

use crate::error::{Error, Result};
use crate::scratch;
use crate::xsi::control::stat_before_set;
use crate::xsi::limits::msginfo;
use crate::xsi::object::get_or_create;
use crate::xsi::{
    self, control, glibc, Control, Id, IpcPerm, Key, Kind, Object, Options,
};

/// Which message a receive takes: msgrcv's `msgtyp` argument (and `MSG_EXCEPT`) as a
/// type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// The first message in the queue, whatever its type (`msgtyp` 0).
    Any,
    /// The first message of exactly this type (`msgtyp` > 0).
    Type(i64),
    /// The first message of the lowest type that is less than *or equal to* this one
    /// (`msgtyp` < 0, its absolute value): a priority queue where 1 comes first.
    LowestUpTo(i64),
    /// The first message of any type *but* this one (`msgtyp` > 0 with `MSG_EXCEPT`,
    /// Linux only): a server that answers on the queue it reads takes every request
    /// and leaves the replies of type 1, say, to their readers.
    Except(i64),
}

impl Select {
    /// The `msgtyp` argument of msgrcv(2).
    pub fn msgtyp(self) -> i64 {
        match self {
            Select::Any => 0,
            Select::Type(t) | Select::Except(t) => t,
            Select::LowestUpTo(t) => -t,
        }
    }

    /// The flags this selection adds to msgrcv's: `MSG_EXCEPT` for [`Select::Except`].
    pub fn flags(self) -> c_int {
        match self {
            Select::Except(_) => libc::MSG_EXCEPT,
            Select::Any | Select::Type(_) | Select::LowestUpTo(_) => 0,
        }
    }

    /// Refuses a type below 1, which the kernel would not refuse but read as another
    /// selection (`Type(0)` as `Any`, `Type(-3)` as `LowestUpTo(3)`).
    #[inline]
    fn check(self, id: c_int) -> Result<()> {
        match self {
            Select::Type(t) | Select::LowestUpTo(t) | Select::Except(t)
                if t <= 0 || c_long::try_from(t).is_err() =>
            {
                Err(self.refusal(id, t))
            }
            _ => Ok(()),
        }
    }

    #[cold]
    #[inline(never)]
    fn refusal(self, id: c_int, t: i64) -> Error {
        Error::invalid(
            "msgrcv",
            format!("id={id}, {self:?}"),
            format!("the selected {}", type_range(t)),
        )
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

/// What a receive into a [`MessageBuffer`] got: the message's type and length. The
/// bytes are in the buffer, [`MessageBuffer::data`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// The type of the message.
    pub mtype: i64,
    /// Its length in bytes.
    pub len: usize,
}

/// How a receive waits and what it does with a message longer than the buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Receive {
    /// `IPC_NOWAIT`: fail with `ENOMSG` instead of waiting when no message matches.
    pub nowait: bool,
    /// `MSG_NOERROR`: cut a message longer than the buffer to fit, and drop the rest.
    /// Without it the receive fails with `E2BIG` and the message stays in the queue.
    pub truncate: bool,
}

impl Receive {
    fn flags(self) -> c_int {
        let mut flags = 0;
        if self.nowait {
            flags |= libc::IPC_NOWAIT;
        }
        if self.truncate {
            flags |= libc::MSG_NOERROR;
        }
        flags
    }
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

impl QueueStatus {
    fn from_libc(ds: &libc::msqid_ds) -> QueueStatus {
        let pid = |pid: libc::pid_t| (pid != 0).then_some(pid);
        QueueStatus {
            perm: IpcPerm::from_libc(&ds.msg_perm),
            bytes: glibc::msg_cbytes(ds),
            messages: ds.msg_qnum,
            max_bytes: ds.msg_qbytes,
            last_send_pid: pid(ds.msg_lspid),
            last_receive_pid: pid(ds.msg_lrpid),
            last_send: xsi::time_of(ds.msg_stime),
            last_receive: xsi::time_of(ds.msg_rtime),
            last_change: xsi::time_of(ds.msg_ctime),
        }
    }
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
    ///
    /// An existing queue is opened only if the caller has the
    /// [`Access`](crate::xsi::Access) that
    /// `options` ask for (read and write unless they say otherwise): `msgget` checks it
    /// against the queue's permission bits and refuses with `EACCES`, as in C.
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
    ///
    /// Attaching needs no permission, as an identifier in C needs none: a client that
    /// may only write (the classic server queue, mode `0o622`) attaches and sends, and
    /// each operation is checked when it is made. It fails now, with `EINVAL`, if no
    /// queue has the identifier (checked in `/proc/sysvipc/msg`, which every user may
    /// read).
    pub fn attach(id: c_int) -> Result<MessageQueue> {
        let id = Id::from_raw(Kind::MessageQueue, id);
        if !id.is_listed()? {
            return Err(Error::refused(
                "attach",
                format!("id={}", id.raw()),
                Errno::EINVAL,
                "no message queue has this identifier",
            ));
        }
        Ok(MessageQueue {
            object: Object::from_parts(id, false),
            max_message: message_size_limit()?,
        })
    }

    /// The identifier, which any process can use to reach the queue.
    #[inline]
    pub fn id(&self) -> Id {
        self.object.id()
    }

    /// `msgmax` when the handle was made: the longest message there can be.
    pub fn max_message(&self) -> usize {
        self.max_message
    }

    /// A buffer with room for the longest message there can be (`msgmax`), to receive
    /// into again and again.
    pub fn message_buffer(&self) -> Result<MessageBuffer> {
        MessageBuffer::new(self.max_message)
    }

    /// Sends `data` as a message of type `mtype`, waiting while the queue is full.
    ///
    /// The bytes are copied once, into a buffer that the calling thread keeps for its
    /// sends (allocated by its first send): nothing is allocated per message. A signal
    /// handler that runs while it waits ends the wait with `EINTR`.
    #[inline]
    pub fn send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_bytes(mtype, data, 0)
    }

    /// Sends without waiting: a full queue is the error `EAGAIN`.
    #[inline]
    pub fn try_send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_bytes(mtype, data, libc::IPC_NOWAIT)
    }

    /// Sends the message in `buffer` (its type and [`MessageBuffer::data`]), waiting
    /// while the queue is full: no copy at all, as a C program sends its `struct msgbuf`.
    #[inline]
    pub fn send_buffer(&self, buffer: &MessageBuffer) -> Result<()> {
        self.send_from(buffer, 0)
    }

    /// Sends the message in `buffer` without waiting: a full queue is `EAGAIN`.
    #[inline]
    pub fn try_send_buffer(&self, buffer: &MessageBuffer) -> Result<()> {
        self.send_from(buffer, libc::IPC_NOWAIT)
    }

    fn send_bytes(&self, mtype: i64, data: &[u8], flags: c_int) -> Result<()> {
        self.check_send(mtype, data.len())?;
        with_scratch(data.len(), |words| {
            words[0] = mtype as c_long; // checked: fits
            text_mut(words, data.len()).copy_from_slice(data);
            self.msgsnd(words.as_ptr().cast(), data.len(), mtype, flags)
        })
    }

    #[inline]
    fn send_from(&self, buffer: &MessageBuffer, flags: c_int) -> Result<()> {
        let mtype = buffer.mtype();
        self.check_send(mtype, buffer.len)?;
        self.msgsnd(buffer.words.as_ptr().cast(), buffer.len, mtype, flags)
    }

    /// Refuses what the kernel would refuse with `EINVAL`, with a message that says why.
    #[inline]
    fn check_send(&self, mtype: i64, len: usize) -> Result<()> {
        if mtype > 0
            && c_long::try_from(mtype).is_ok()
            && len <= self.max_message
        {
            Ok(())
        } else {
            self.refuse_send(mtype, len)
        }
    }

    #[cold]
    #[inline(never)]
    fn refuse_send(&self, mtype: i64, len: usize) -> Result<()> {
        let object = || format!("id={}, type={mtype}", self.id().raw());
        if mtype <= 0 || c_long::try_from(mtype).is_err() {
            return Err(Error::refused(
                "msgsnd",
                object(),
                Errno::EINVAL,
                format!("the message {}", type_range(mtype)),
            ));
        }
        let msgmax = message_size_limit()?; // in force now: root may have raised it
        if len > msgmax {
            return Err(Error::refused(
                "msgsnd",
                object(),
                Errno::EINVAL,
                format!(
                    "a message of {len} bytes is larger than msgmax, {msgmax} bytes"
                ),
            ));
        }
        Ok(())
    }

    /// One `msgsnd` of the `struct msgbuf` at `buffer`, whose type is `mtype`.
    #[inline]
    fn msgsnd(
        &self,
        buffer: *const libc::c_void,
        len: usize,
        mtype: i64,
        flags: c_int,
    ) -> Result<()> {
        // SAFETY: `buffer` points to a `long` type followed by at least `len` bytes
        // (struct msgbuf's layout, aligned as a long), alive for the whole call: the
        // callers pass a thread's scratch buffer or a MessageBuffer, both sized for it.
        let ret = unsafe { libc::msgsnd(self.id().raw(), buffer, len, flags) };
        if ret == -1 {
            return Err(self.send_error(mtype, Errno::last()));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn send_error(&self, mtype: i64, errno: Errno) -> Error {
        Error::os(
            "msgsnd",
            format!("id={}, type={mtype}", self.id().raw()),
            errno,
        )
    }

    /// Receives the message `select` chooses into `buffer`, waiting until one arrives,
    /// and returns its type and length; its bytes are [`MessageBuffer::data`]. Nothing
    /// is allocated and nothing is copied but by the kernel.
    ///
    /// A message longer than the buffer's capacity is the error `E2BIG` and stays in the
    /// queue; a queue removed while waiting is `EIDRM`; a signal handler that runs while
    /// it waits ends the wait with `EINTR`.
    #[inline]
    pub fn receive_into(
        &self,
        select: Select,
        buffer: &mut MessageBuffer,
    ) -> Result<Received> {
        self.receive_into_with(select, buffer, Receive::default())
    }

    /// Receives into `buffer` without waiting: no matching message is `ENOMSG`.
    #[inline]
    pub fn try_receive_into(
        &self,
        select: Select,
        buffer: &mut MessageBuffer,
    ) -> Result<Received> {
        let how = Receive {
            nowait: true,
            truncate: false,
        };
        self.receive_into_with(select, buffer, how)
    }

    /// Receives into `buffer` with explicit [`Receive`] flags.
    #[inline]
    pub fn receive_into_with(
        &self,
        select: Select,
        buffer: &mut MessageBuffer,
        how: Receive,
    ) -> Result<Received> {
        select.check(self.id().raw())?;
        let capacity = buffer.capacity;
        let len = self.msgrcv(
            buffer.words.as_mut_ptr().cast(),
            capacity,
            select.msgtyp(),
            how.flags() | select.flags(),
        )?;
        buffer.len = len;
        Ok(Received {
            mtype: buffer.mtype(),
            len,
        })
    }

    /// Receives the message `select` chooses, of at most `max_len` bytes, waiting until
    /// one arrives, into a new [`Message`] whose data is allocated at the message's
    /// length. A longer message is the error `E2BIG` and stays in the queue; a queue
    /// removed while waiting is `EIDRM`; a signal handler that runs while it waits ends
    /// the wait with `EINTR`.
    ///
    /// `max_len` above `msgmax` is refused before anything is allocated: no message can
    /// be that long. A program that receives many messages reuses a buffer with
    /// [`MessageQueue::receive_into`] instead.
    pub fn receive(&self, select: Select, max_len: usize) -> Result<Message> {
        self.receive_with(select, max_len, Receive::default())
    }

    /// Receives without waiting: no matching message is the error `ENOMSG`.
    pub fn try_receive(
        &self,
        select: Select,
        max_len: usize,
    ) -> Result<Message> {
        let how = Receive {
            nowait: true,
            truncate: false,
        };
        self.receive_with(select, max_len, how)
    }

    /// Receives with explicit [`Receive`] flags.
    pub fn receive_with(
        &self,
        select: Select,
        max_len: usize,
        how: Receive,
    ) -> Result<Message> {
        select.check(self.id().raw())?;
        self.check_receive_size("msgrcv", max_len)?;
        with_scratch(max_len, |words| {
            let len = self.msgrcv(
                words.as_mut_ptr().cast(),
                max_len,
                select.msgtyp(),
                how.flags() | select.flags(),
            )?;
            Ok(Message {
                mtype: long(words[0]),
                data: text_mut(words, len).to_vec(),
            })
        })
    }

    /// `MSG_COPY`: a copy of the message at `position` in the queue (0 is the oldest),
    /// into `buffer`, leaving it in the queue. Never waits: a queue with fewer messages
    /// is `ENOMSG`. Needs read permission, as a receive does.
    ///
    /// Linux only, and only in kernels built with `CONFIG_CHECKPOINT_RESTORE` (for which
    /// it was added, in Linux 3.8; most distributions' kernels have it); other kernels
    /// fail with `ENOSYS`. Another process may take messages between two peeks, so the
    /// positions are a snapshot only while no one else receives.
    pub fn peek_into(
        &self,
        position: usize,
        buffer: &mut MessageBuffer,
    ) -> Result<Received> {
        let msgtyp = self.copy_position(position)?;
        let capacity = buffer.capacity;
        let len = self.msgrcv(
            buffer.words.as_mut_ptr().cast(),
            capacity,
            msgtyp,
            libc::MSG_COPY | libc::IPC_NOWAIT,
        )?;
        buffer.len = len;
        Ok(Received {
            mtype: buffer.mtype(),
            len,
        })
    }

    /// `MSG_COPY` into a new [`Message`] of at most `max_len` bytes: see
    /// [`MessageQueue::peek_into`].
    pub fn peek(&self, position: usize, max_len: usize) -> Result<Message> {
        let msgtyp = self.copy_position(position)?;
        self.check_receive_size("msgrcv", max_len)?;
        with_scratch(max_len, |words| {
            let len = self.msgrcv(
                words.as_mut_ptr().cast(),
                max_len,
                msgtyp,
                libc::MSG_COPY | libc::IPC_NOWAIT,
            )?;
            Ok(Message {
                mtype: long(words[0]),
                data: text_mut(words, len).to_vec(),
            })
        })
    }

    /// The position as msgrcv's `msgtyp`; one that does not fit a `long` names no
    /// message, as the kernel would say (`ENOMSG`).
    fn copy_position(&self, position: usize) -> Result<i64> {
        match c_long::try_from(position) {
            Ok(n) => Ok(long(n)),
            Err(_) => Err(Error::refused(
                "msgrcv",
                format!("id={}, MSG_COPY {position}", self.id().raw()),
                Errno::ENOMSG,
                "no queue holds that many messages",
            )),
        }
    }

    /// Refuses a buffer larger than any message can be, before allocating it.
    fn check_receive_size(
        &self,
        call: &'static str,
        max_len: usize,
    ) -> Result<()> {
        if max_len <= self.max_message {
            return Ok(());
        }
        let msgmax = message_size_limit()?; // in force now: root may have raised it
        if max_len <= msgmax {
            return Ok(());
        }
        let object = format!("id={}", self.id().raw());
        let reason = format!(
            "a buffer of {max_len} bytes is larger than msgmax, {msgmax} bytes: \
             no message can be that long"
        );
        // The kernel reads the size as a signed long: above LONG_MAX it says EINVAL.
        // Below, it would have accepted the size; only the allocation would have failed.
        Err(if c_long::try_from(max_len).is_err() {
            Error::refused(call, object, Errno::EINVAL, reason)
        } else {
            Error::invalid(call, object, reason)
        })
    }

    /// One `msgrcv` into the `struct msgbuf` at `buffer`, with room for `capacity` bytes
    /// of text; returns the length received.
    #[inline]
    fn msgrcv(
        &self,
        buffer: *mut libc::c_void,
        capacity: usize,
        msgtyp: i64,
        flags: c_int,
    ) -> Result<usize> {
        // SAFETY: `buffer` points to room for a `long` type followed by `capacity` bytes,
        // aligned as a long, alive and writable for the whole call: the callers pass a
        // thread's scratch buffer or a MessageBuffer, both sized for it. The kernel
        // writes at most that much. `msgtyp` fits a long (checked by the callers).
        let received = unsafe {
            libc::msgrcv(
                self.id().raw(),
                buffer,
                capacity,
                msgtyp as c_long,
                flags,
            )
        };
        match usize::try_from(received) {
            Ok(len) => Ok(len),
            Err(_) => Err(self.receive_error(msgtyp, flags, Errno::last())),
        }
    }

    #[cold]
    #[inline(never)]
    fn receive_error(&self, msgtyp: i64, flags: c_int, errno: Errno) -> Error {
        let id = self.id().raw();
        let object = if flags & libc::MSG_COPY != 0 {
            format!("id={id}, MSG_COPY {msgtyp}")
        } else if flags & libc::MSG_EXCEPT != 0 {
            format!("id={id}, type={msgtyp}, MSG_EXCEPT")
        } else {
            format!("id={id}, type={msgtyp}")
        };
        Error::os("msgrcv", object, errno)
    }

    /// `IPC_STAT`: the queue's counters, limits, last users and times. Needs read
    /// permission.
    pub fn stat(&self) -> Result<QueueStatus> {
        let ds = libc::msqid_ds::stat(self.id().raw())?;
        Ok(QueueStatus::from_libc(&ds))
    }

    /// `IPC_SET` of `msg_qbytes`, the queue's capacity in bytes. Lowering it is allowed to
    /// the owner; raising it above `msgmnb` needs privilege (`CAP_SYS_RESOURCE`), else
    /// `EPERM`. The other values `IPC_SET` takes are read first with `IPC_STAT`.
    pub fn set_max_bytes(&self, max_bytes: u64) -> Result<()> {
        let mut ds: libc::msqid_ds = stat_before_set(self.id().raw())?;
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

/// What `msgctl(0, MSG_INFO)` reports: the message queues of the whole system (this IPC
/// namespace) and what they hold, as `ipcs -q -u` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// The number of queues (`msgpool` in `struct msginfo`, for this command).
    pub queues: u64,
    /// The number of messages in all queues (`msgmap`).
    pub messages: u64,
    /// The bytes of all messages in all queues (`msgtql`).
    pub bytes: u64,
    /// The highest slot in use in the kernel's table of queues (the call's result): the
    /// last index worth asking [`stat_slot`] about.
    pub highest_slot: usize,
}

/// `msgctl(0, MSG_INFO)`: how many queues, messages and bytes the system holds. Linux
/// only; needs no permission.
pub fn usage() -> Result<Usage> {
    let (highest, info) = msginfo(libc::MSG_INFO, "MSG_INFO")?;
    let count = |value: c_int| value as u64;
    Ok(Usage {
        queues: count(info.msgpool),
        messages: count(info.msgmap),
        bytes: count(info.msgtql),
        highest_slot: highest as usize, // a call that succeeded returned it: not negative
    })
}

/// `MSG_STAT_ANY` (include/uapi/linux/msg.h), which the libc crate does not define.
const MSG_STAT_ANY: c_int = 13;

/// `msgctl(slot, MSG_STAT_ANY)`: the identifier and status of the queue in `slot` of the
/// kernel's table (from 0 to [`Usage::highest_slot`]), or `None` if the slot is empty.
/// Unlike [`MessageQueue::stat`] it needs no read permission: it is how `ipcs` lists
/// every queue. Linux 4.17 and later; older kernels fail with `EINVAL` on every slot.
pub fn stat_slot(slot: usize) -> Result<Option<(Id, QueueStatus)>> {
    let Ok(index) = c_int::try_from(slot) else {
        return Ok(None);
    };
    // SAFETY: `msqid_ds` is plain integers; all zeroes is a valid value.
    let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: MSG_STAT_ANY writes one `msqid_ds` into `ds`, valid for the call.
    let ret = unsafe { libc::msgctl(index, MSG_STAT_ANY, &mut ds) };
    match ret {
        -1 if Errno::last() == Errno::EINVAL => Ok(None),
        _ => {
            let raw =
                control::check(ret, Kind::MessageQueue, "MSG_STAT_ANY", index)?;
            Ok(Some((
                Id::from_raw(Kind::MessageQueue, raw),
                QueueStatus::from_libc(&ds),
            )))
        }
    }
}

/// Every queue in the system, with its status, as `ipcs -q` lists them: [`usage`] for the
/// highest slot, then [`stat_slot`] on each slot up to it. Needs no permission.
pub fn queues() -> Result<Vec<(Id, QueueStatus)>> {
    let highest = usage()?.highest_slot;
    let mut found = Vec::new();
    for slot in 0..=highest {
        found.extend(stat_slot(slot)?);
    }
    Ok(found)
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
        Error::unexpected(
            "read",
            "/proc/sys/kernel/msgmax",
            "a number that does not fit usize",
        )
    })
}

const WORD: usize = std::mem::size_of::<c_long>();

/// Why a message type is refused: it is not positive, or (on 32-bit targets) it does
/// not fit a C `long`.
fn type_range(mtype: i64) -> String {
    if mtype <= 0 {
        format!("type must be greater than 0, not {mtype}")
    } else {
        format!("type {mtype} does not fit a C long")
    }
}

/// A C `long` as an `i64`.
// c_long is 32 bits on 32-bit targets, where the conversion is needed.
#[allow(clippy::useless_conversion)]
fn long(value: c_long) -> i64 {
    i64::from(value)
}

/// The words of a `struct msgbuf` with room for `len` bytes of text.
fn words_for(len: usize) -> usize {
    1 + len.div_ceil(WORD)
}

/// The first `len` bytes of text of the `struct msgbuf` in `words` (after the type).
fn text_mut(words: &mut [c_long], len: usize) -> &mut [u8] {
    let room = (words.len() - 1) * WORD;
    assert!(
        len <= room,
        "a message of {len} bytes in a buffer of {room}"
    );
    // SAFETY: the words after the first are initialised integers, `room` bytes of them,
    // and any byte of an integer is a valid `u8`; the slice borrows `words` mutably, so
    // nothing else reads or writes them meanwhile. `len <= room` is asserted above.
    unsafe {
        std::slice::from_raw_parts_mut(words[1..].as_mut_ptr().cast(), len)
    }
}

thread_local! {
    /// A `struct msgbuf` that a thread keeps for its sends and its allocating receives,
    /// so that they allocate nothing per message: sized on first use for the default
    /// `msgmax`, grown for a longer message, given back when it grew past 64 KiB.
    static SCRATCH: RefCell<Vec<c_long>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a scratch `struct msgbuf` of exactly [`words_for`]`(len)` words.
fn with_scratch<T>(len: usize, f: impl FnOnce(&mut [c_long]) -> T) -> T {
    scratch::with_scratch(
        &SCRATCH,
        words_for(len),
        words_for(8192),
        words_for(scratch::KEPT_BYTES),
        f,
    )
}

/// A `struct msgbuf` that the caller owns and reuses: a type, and room for `capacity`
/// bytes of text, aligned as the kernel expects. Receive into it with
/// [`MessageQueue::receive_into`], send from it with [`MessageQueue::send_buffer`]:
/// neither allocates nor copies.
///
/// It holds one message at a time: the last one received, or the one set with
/// [`MessageBuffer::set`].
pub struct MessageBuffer {
    /// The type, then the text, as `long`s so that the type is aligned.
    words: Vec<c_long>,
    /// The room for text, in bytes.
    capacity: usize,
    /// The length of the message it holds.
    len: usize,
}

impl MessageBuffer {
    /// A buffer with room for `capacity` bytes of text, holding an empty message of
    /// type 1. A capacity that cannot be allocated is an error (`ENOMEM`), not an abort.
    /// [`MessageQueue::message_buffer`] gives one with room for any message.
    pub fn new(capacity: usize) -> Result<MessageBuffer> {
        let words = words_for(capacity);
        let mut buffer = Vec::new();
        buffer.try_reserve_exact(words).map_err(|_| {
            Error::os(
                "allocate",
                format!("a message buffer of {capacity} bytes"),
                Errno::ENOMEM,
            )
        })?;
        buffer.resize(words, 0);
        buffer[0] = 1;
        Ok(MessageBuffer {
            words: buffer,
            capacity,
            len: 0,
        })
    }

    /// The room for text, in bytes: the longest message it can receive.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The type of the message it holds.
    #[inline]
    pub fn mtype(&self) -> i64 {
        long(self.words[0])
    }

    /// The bytes of the message it holds.
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: as in `text_mut`: initialised integers viewed as bytes, `len <=
        // capacity <= (words.len() - 1) * WORD`, borrowed from `self`.
        unsafe {
            std::slice::from_raw_parts(
                self.words[1..].as_ptr().cast(),
                self.len,
            )
        }
    }

    /// The bytes of the message it holds, to change in place before sending it on.
    pub fn data_mut(&mut self) -> &mut [u8] {
        text_mut(&mut self.words, self.len)
    }

    /// Makes it hold a message of type `mtype` with the bytes of `data`, copied in.
    /// Refused if `data` is longer than the capacity.
    pub fn set(&mut self, mtype: i64, data: &[u8]) -> Result<()> {
        if data.len() > self.capacity {
            return Err(Error::invalid(
                "MessageBuffer::set",
                format!("a message of {} bytes", data.len()),
                format!("the buffer has room for {} bytes", self.capacity),
            ));
        }
        self.set_mtype(mtype)?;
        self.len = data.len();
        self.data_mut().copy_from_slice(data);
        Ok(())
    }

    /// Changes the type of the message it holds: a server that answers each request
    /// with the request's own bytes sets the reply's type and sends the buffer on.
    pub fn set_mtype(&mut self, mtype: i64) -> Result<()> {
        self.words[0] = c_long::try_from(mtype).map_err(|_| {
            Error::invalid(
                "MessageBuffer::set_mtype",
                format!("type {mtype}"),
                "does not fit a C long",
            )
        })?;
        Ok(())
    }
}

impl fmt::Debug for MessageBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageBuffer")
            .field("mtype", &self.mtype())
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .finish()
    }
}

/// `msgsnd` and `msgrcv` as a C program calls them: a `struct msgbuf` of a fixed size,
/// no check but the buffer's bounds, no copy, and C's return values (`-1` with `errno`
/// set on failure). This is the baseline that the measurement chapter compares the
/// safe API against; programs use [`MessageQueue`].
pub mod raw {
    use libc::{c_int, c_long, ssize_t};

    /// `struct msgbuf` with room for `N` bytes: `mtype`, then `mtext`.
    #[repr(C)]
    #[derive(Clone, Debug)]
    pub struct MsgBuf<const N: usize> {
        /// The message type, greater than 0.
        pub mtype: c_long,
        /// The text.
        pub mtext: [u8; N],
    }

    impl<const N: usize> MsgBuf<N> {
        /// A buffer holding `N` zero bytes of type `mtype`.
        pub fn new(mtype: c_long) -> Self {
            MsgBuf {
                mtype,
                mtext: [0; N],
            }
        }
    }

    /// `msgsnd(id, buf, len, flags)`, with `len` cut to the buffer's `N` bytes.
    pub fn msgsnd<const N: usize>(
        id: c_int,
        buf: &MsgBuf<N>,
        len: usize,
        flags: c_int,
    ) -> c_int {
        // SAFETY: `buf` is a struct msgbuf with `N` bytes of text, and at most `N` are
        // read; the kernel only reads it, during the call.
        unsafe {
            libc::msgsnd(
                id,
                (buf as *const MsgBuf<N>).cast(),
                len.min(N),
                flags,
            )
        }
    }

    /// `msgrcv(id, buf, N, msgtyp, flags)`: at most the buffer's `N` bytes.
    pub fn msgrcv<const N: usize>(
        id: c_int,
        buf: &mut MsgBuf<N>,
        msgtyp: c_long,
        flags: c_int,
    ) -> ssize_t {
        // SAFETY: `buf` is a writable struct msgbuf with `N` bytes of text; the kernel
        // writes a long and at most `N` bytes into it, during the call.
        unsafe {
            libc::msgrcv(id, (buf as *mut MsgBuf<N>).cast(), N, msgtyp, flags)
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
    fn a_buffer_is_received_into_and_sent_from() {
        let queue = MessageQueue::new().unwrap();
        let mut buffer = queue.message_buffer().unwrap();
        assert_eq!(buffer.capacity(), queue.max_message());
        queue.send(3, b"hello").unwrap();
        let got = queue.receive_into(Select::Any, &mut buffer).unwrap();
        assert_eq!(got, Received { mtype: 3, len: 5 });
        assert_eq!(buffer.data(), b"hello");
        // An answer made in place, sent on without a copy.
        buffer.data_mut().make_ascii_uppercase();
        buffer.set_mtype(4).unwrap();
        queue.send_buffer(&buffer).unwrap();
        let mut small = MessageBuffer::new(2).unwrap();
        let err = queue.try_receive_into(Select::Any, &mut small).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::E2BIG));
        let cut = Receive {
            nowait: true,
            truncate: true,
        };
        let got = queue
            .receive_into_with(Select::Type(4), &mut small, cut)
            .unwrap();
        assert_eq!((got.mtype, small.data()), (4, &b"HE"[..]));
        let err = small.set(1, b"too long").unwrap_err();
        assert_eq!(err.errno(), None);
        small.set(9, b"ok").unwrap();
        queue.try_send_buffer(&small).unwrap();
        assert_eq!(queue.try_receive(Select::Any, 2).unwrap().data, b"ok");
    }

    #[test]
    fn refuses_bad_types_and_sizes_before_any_call() {
        let queue = MessageQueue::new().unwrap();
        let id = queue.id().raw();
        let err = queue.send(0, b"x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("msgsnd(id={id}, type=0): the message type must be greater than 0, not 0 (EINVAL)")
        );
        // The errno the kernel gives for the same arguments.
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let msgmax = xsi::Limits::read().unwrap().msgmax as usize;
        let err = queue.send(1, &vec![0; msgmax + 1]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        assert!(err.to_string().contains("larger than msgmax"), "{err}");
        assert!(queue.send(1, &vec![0; msgmax]).is_ok());
        // A negative type is not an error to the kernel, which reads it as another
        // selection: refused, with no errno to pretend.
        let err = queue.try_receive(Select::Type(-1), 8).unwrap_err();
        assert_eq!(err.errno(), None);
        let err = queue.try_receive(Select::Except(0), 8).unwrap_err();
        assert_eq!(err.errno(), None);
        assert_eq!(queue.stat().unwrap().messages, 1);
    }

    /// Before, `receive` allocated `max_len` bytes first: `usize::MAX` panicked with
    /// "capacity overflow", and 1 GiB under an address-space limit aborted.
    #[test]
    fn a_huge_receive_size_is_refused_before_allocating() {
        let queue = MessageQueue::new().unwrap();
        queue.send(1, b"x").unwrap();
        let err = queue.try_receive(Select::Any, usize::MAX).unwrap_err();
        // The kernel reads the size as a long: -1, EINVAL.
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        assert!(err.to_string().contains("larger than msgmax"), "{err}");
        let err = queue.try_receive(Select::Any, 1 << 30).unwrap_err();
        assert_eq!(err.errno(), None); // the kernel would have taken it
        assert!(matches!(err.cause(), crate::error::Cause::Invalid(_)));
        let err = queue.peek(0, usize::MAX).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let err = MessageBuffer::new(usize::MAX).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOMEM));
        // Nothing was taken, and the largest size there can be works.
        let msgmax = queue.max_message();
        assert_eq!(queue.try_receive(Select::Any, msgmax).unwrap().data, b"x");
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
    fn except_takes_any_type_but_one() {
        let queue = MessageQueue::new().unwrap();
        for (mtype, text) in [(1, "reply"), (2, "request a"), (3, "request b")]
        {
            queue.send(mtype, text.as_bytes()).unwrap();
        }
        let take = |select| queue.try_receive(select, 16).unwrap().data;
        assert_eq!(take(Select::Except(1)), b"request a");
        assert_eq!(take(Select::Except(1)), b"request b");
        let err = queue.try_receive(Select::Except(1), 16).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOMSG));
        assert!(err.to_string().contains("type=1, MSG_EXCEPT"), "{err}");
        assert_eq!(take(Select::Any), b"reply");
    }

    #[test]
    fn peek_copies_by_position_and_takes_nothing() {
        let queue = MessageQueue::new().unwrap();
        for (mtype, text) in [(5, "first"), (7, "second"), (5, "third")] {
            queue.send(mtype, text.as_bytes()).unwrap();
        }
        let mut buffer = queue.message_buffer().unwrap();
        let got = queue.peek_into(1, &mut buffer).unwrap();
        assert_eq!((got.mtype, buffer.data()), (7, &b"second"[..]));
        assert_eq!(queue.peek(2, 16).unwrap().data, b"third");
        let past = queue.peek(3, 16).unwrap_err();
        assert_eq!(past.errno(), Some(Errno::ENOMSG));
        assert_eq!(
            queue.peek(usize::MAX, 16).unwrap_err().errno(),
            Some(Errno::ENOMSG)
        );
        assert_eq!(queue.stat().unwrap().messages, 3);
        assert_eq!(queue.receive(Select::Any, 16).unwrap().data, b"first");
    }

    #[test]
    fn usage_and_slots_list_every_queue() {
        let queue = MessageQueue::new().unwrap();
        queue.send(1, b"12345").unwrap();
        let usage = usage().unwrap();
        assert!(usage.queues >= 1 && usage.messages >= 1 && usage.bytes >= 5);
        let all = queues().unwrap();
        let (_, status) = all
            .iter()
            .find(|(id, _)| *id == queue.id())
            .expect("our queue is listed");
        assert_eq!((status.messages, status.bytes), (1, 5));
        assert!(all.len() as u64 >= usage.queues.min(1));
        assert!(stat_slot(usage.highest_slot + 1).unwrap().is_none());
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
        assert_eq!(
            err.to_string(),
            format!(
                "attach(id={}): no message queue has this identifier (EINVAL)",
                id.raw()
            )
        );
    }

    /// Before, the error named the `IPC_STAT` that `set_max_bytes` makes first.
    #[test]
    fn a_removed_queue_on_set_is_reported_as_the_set() {
        let queue = MessageQueue::new().unwrap();
        let same = MessageQueue::attach(queue.id().raw()).unwrap();
        let id = queue.id().raw();
        queue.remove().unwrap();
        let err = same.set_max_bytes(100).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("msgctl(id={id}, IPC_SET): Invalid argument (EINVAL)")
        );
    }

    #[test]
    fn the_raw_calls_are_the_c_calls() {
        let queue = MessageQueue::new().unwrap();
        let id = queue.id().raw();
        let mut buf = raw::MsgBuf::<8>::new(6);
        buf.mtext[..3].copy_from_slice(b"abc");
        assert_eq!(raw::msgsnd(id, &buf, 3, 0), 0);
        assert_eq!(raw::msgsnd(id, &buf, 100, 0), 0); // cut to 8
        let mut into = raw::MsgBuf::<8>::new(0);
        assert_eq!(raw::msgrcv(id, &mut into, 0, 0), 3);
        assert_eq!((into.mtype, &into.mtext[..3]), (6, &b"abc"[..]));
        assert_eq!(raw::msgrcv(id, &mut into, 0, 0), 8);
        assert_eq!(raw::msgrcv(id, &mut into, 0, libc::IPC_NOWAIT), -1);
        assert_eq!(Errno::last(), Errno::ENOMSG);
    }
}
