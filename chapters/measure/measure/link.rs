//! Every way of moving a message between the two processes that the program
//! measures: each mechanism through the safe API of `apue_ipc` and through
//! the raw calls of C (`apue_ipc::*::raw`), the references, the crates a Rust
//! user would pick instead, and the levers.
//!
//! The variants of one mechanism (its safe API, its raw calls, the control,
//! the message queue's other forms) share one pair of processes and one set
//! of objects and buffers: what differs between them is the calls, and
//! nothing else (not the pages a buffer landed on, not the process). Each
//! mechanism makes an [`Endpoint`] in the parent ([`prepare`], then its
//! finish) and one in the peer ([`connect`]), from what the parent sends the
//! peer: words (identifiers, paths, names) and descriptors. An endpoint sends
//! and receives messages the way a variant says: the sender writes each
//! one's payload ([`payload::fill`]), the receiver checks it
//! ([`payload::check`]), where the mechanism puts it (a buffer the kernel
//! copies from, or the shared memory itself).

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use apue_ipc::mmap::raw as futex;
use apue_ipc::msg::{self, MessageBuffer, MessageQueue, Select};
use apue_ipc::pipe::{self, Pipe, PipeEnd};
use apue_ipc::posix::{self, Name, Queue, QueueOptions};
use apue_ipc::pshared::{self, SharedCondvar, SharedMutex};
use apue_ipc::sem::{self, Op, SemaphoreSet};
use apue_ipc::shm::{Attachment, SharedMemory};
use apue_ipc::uds::{self, Kind, MessageSocket, PacketBuffer, UnixSocket};
use apue_ipc::{fifo, Error};
use harness::cli::Failure;
use nix::errno::Errno;
use std::io::{PipeReader, PipeWriter};

use crate::payload::{self, REPLY};

/// The largest message: 64 KiB.
pub const MAX: usize = 64 * 1024;
/// The slots of the rings that this program builds in shared memory: as many
/// messages as a writer may be ahead of its reader.
pub const SLOTS: usize = 8;
/// How many 64-byte messages the batching lever puts in one `write`.
pub const BATCH: usize = 64;

/// Whose calls a variant makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Calls {
    /// `apue_ipc`'s safe API.
    Safe,
    /// The raw calls a C program makes (`apue_ipc::*::raw`).
    Raw,
}

/// One way of moving messages between the two processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    Pipe(Calls),
    /// The pipe's raw calls again, by another pair of processes: the
    /// control, whose ratio to the raw calls is the method's own noise.
    Control,
    Fifo(Calls),
    Stream(Calls),
    SeqPacket(Calls),
    Msg(Calls),
    ShmSem(Calls),
    PosixMq(Calls),
    Pthread(Calls),
    /// References: the limits of the machine.
    FutexRing,
    SpinRing,
    PingPong,
    /// What a Rust user would pick instead.
    IpcChannel,
    Interprocess,
    /// Levers: the pipe's capacity raised, the stream socket's send buffer
    /// raised, 64 messages per `write`.
    PipeCapacity,
    StreamBuffer,
    PipeBatch,
    /// The other forms of the message queue's safe API: `send` (one copy),
    /// and `send` with the allocating `receive`.
    MsgCopy,
    MsgAlloc,
    /// The other hot-path form of `MessageSocket`: `send` and
    /// `receive_into`, a `sendmsg` and a `recvmsg` of two pieces each.
    SeqPacketGather,
}

use Calls::{Raw, Safe};

impl Variant {
    /// Every variant, in the order of the tables.
    pub const ALL: [Variant; 28] = [
        Variant::Pipe(Safe),
        Variant::Pipe(Raw),
        Variant::Control,
        Variant::Fifo(Safe),
        Variant::Fifo(Raw),
        Variant::Stream(Safe),
        Variant::Stream(Raw),
        Variant::SeqPacket(Safe),
        Variant::SeqPacket(Raw),
        Variant::Msg(Safe),
        Variant::Msg(Raw),
        Variant::ShmSem(Safe),
        Variant::ShmSem(Raw),
        Variant::PosixMq(Safe),
        Variant::PosixMq(Raw),
        Variant::Pthread(Safe),
        Variant::Pthread(Raw),
        Variant::FutexRing,
        Variant::SpinRing,
        Variant::PingPong,
        Variant::IpcChannel,
        Variant::Interprocess,
        Variant::PipeCapacity,
        Variant::StreamBuffer,
        Variant::PipeBatch,
        Variant::MsgCopy,
        Variant::MsgAlloc,
        Variant::SeqPacketGather,
    ];

    /// The peer's role argument, and the variant's name in the JSON file.
    pub fn role(self) -> &'static str {
        match self {
            Variant::Pipe(Safe) => "pipe",
            Variant::Pipe(Raw) => "pipe-raw",
            Variant::Control => "pipe-raw-again",
            Variant::Fifo(Safe) => "fifo",
            Variant::Fifo(Raw) => "fifo-raw",
            Variant::Stream(Safe) => "stream",
            Variant::Stream(Raw) => "stream-raw",
            Variant::SeqPacket(Safe) => "seqpacket",
            Variant::SeqPacket(Raw) => "seqpacket-raw",
            Variant::Msg(Safe) => "msg",
            Variant::Msg(Raw) => "msg-raw",
            Variant::ShmSem(Safe) => "shm",
            Variant::ShmSem(Raw) => "shm-raw",
            Variant::PosixMq(Safe) => "mq",
            Variant::PosixMq(Raw) => "mq-raw",
            Variant::Pthread(Safe) => "pthread",
            Variant::Pthread(Raw) => "pthread-raw",
            Variant::FutexRing => "futex-ring",
            Variant::SpinRing => "spin-ring",
            Variant::PingPong => "futex-ping-pong",
            Variant::IpcChannel => "ipc-channel",
            Variant::Interprocess => "interprocess",
            Variant::PipeCapacity => "pipe-capacity",
            Variant::StreamBuffer => "stream-sndbuf",
            Variant::PipeBatch => "pipe-batch",
            Variant::MsgCopy => "msg-send",
            Variant::MsgAlloc => "msg-receive",
            Variant::SeqPacketGather => "seqpacket-send",
        }
    }

    pub fn parse(role: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.role() == role)
    }

    /// Whether its peer spins while it waits: it must never share the
    /// parent's CPU.
    pub fn spins(self) -> bool {
        self == Variant::SpinRing
    }

    /// The variant whose processes and objects this one uses: one per
    /// mechanism.
    pub fn peer(self) -> Variant {
        match self {
            Variant::Pipe(_) | Variant::Control => Variant::Pipe(Safe),
            Variant::Fifo(_) => Variant::Fifo(Safe),
            Variant::Stream(_) => Variant::Stream(Safe),
            Variant::SeqPacket(_) | Variant::SeqPacketGather => {
                Variant::SeqPacket(Safe)
            }
            Variant::Msg(_) | Variant::MsgCopy | Variant::MsgAlloc => {
                Variant::Msg(Safe)
            }
            Variant::ShmSem(_) => Variant::ShmSem(Safe),
            Variant::PosixMq(_) => Variant::PosixMq(Safe),
            Variant::Pthread(_) => Variant::Pthread(Safe),
            other => other,
        }
    }

    /// Whose calls it makes: the raw calls (and the control, which makes
    /// them again), or anything else.
    fn calls(self) -> Calls {
        match self {
            Variant::Pipe(Raw)
            | Variant::Control
            | Variant::Fifo(Raw)
            | Variant::Stream(Raw)
            | Variant::SeqPacket(Raw)
            | Variant::Msg(Raw)
            | Variant::ShmSem(Raw)
            | Variant::PosixMq(Raw)
            | Variant::Pthread(Raw) => Raw,
            _ => Safe,
        }
    }
}

/// One side of a mechanism: sends and receives message after message, the
/// way a variant says.
pub trait Endpoint {
    /// Sends message `seq` of `size` bytes, writing its payload.
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure>;
    /// Receives the next message, which must be message `seq` of `size`
    /// bytes, and checks its payload.
    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure>;
    /// After an error, on the way out: makes the other side's wait end with
    /// an error rather than last for ever, where leaving does not do it
    /// already (a closed descriptor does).
    fn abort(&mut self) {}
}

/// What the parent sends its peer to set a variant up: words and
/// descriptors.
#[derive(Default)]
pub struct Setup {
    pub words: Vec<String>,
    pub fds: Vec<OwnedFd>,
}

/// The parent's endpoint, once the peer has its side: some mechanisms
/// connect only when both sides are there (a FIFO's open, an accept).
pub type Finish = Box<dyn FnOnce() -> Result<Box<dyn Endpoint>, Failure>>;

/// The limits that decide which sizes a mechanism takes.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `msgmax`: the largest System V message.
    pub msgmax: usize,
    /// `/proc/sys/fs/mqueue/msgsize_max`: the largest POSIX message an
    /// unprivileged process may ask a queue for.
    pub mq_msgsize: usize,
}

impl Limits {
    pub fn read() -> Result<Limits, Failure> {
        let msg = apue_ipc::xsi::Limits::read()?;
        let mq = posix::QueueLimits::read()?;
        Ok(Limits {
            msgmax: msg.msgmax as usize,
            mq_msgsize: (mq.msgsize_max as usize).min(MAX),
        })
    }

    /// Why `variant` cannot carry messages of `size` bytes, if it cannot.
    pub fn refusal(&self, variant: Variant, size: usize) -> Option<String> {
        match variant {
            Variant::Msg(_) | Variant::MsgCopy | Variant::MsgAlloc
                if size > self.msgmax =>
            {
                Some(format!(
                    "a System V message holds at most msgmax bytes, {} here \
                     (/proc/sys/kernel/msgmax)",
                    self.msgmax
                ))
            }
            Variant::PosixMq(_) if size > self.mq_msgsize => Some(format!(
                "a POSIX queue's messages are at most msgsize_max bytes for \
                 an unprivileged process, {} here \
                 (/proc/sys/fs/mqueue/msgsize_max)",
                self.mq_msgsize
            )),
            _ => None,
        }
    }
}

fn corrupt(what: &str, seq: u64) -> Failure {
    let message = if seq & REPLY == 0 {
        format!("message {seq}")
    } else {
        format!("the reply to message {}", seq & !REPLY)
    };
    Failure::Runtime(
        format!("{message}: {what}: the payload is not what was sent").into(),
    )
}

fn short(call: &str, got: usize, size: usize) -> Failure {
    Failure::Runtime(
        format!("{call}: {got} bytes where {size} were sent").into(),
    )
}

/// The error of a raw call that returned -1 (`errno`) or an error number.
fn os(call: &'static str, what: &'static str) -> Failure {
    Error::os(call, what, Errno::last()).into()
}

fn code(call: &'static str, what: &'static str, code: libc::c_int) -> Failure {
    Error::os(call, what, Errno::from_raw(code)).into()
}

/// Which end of a two-way link this process holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Parent,
    Peer,
}

/// The parent's setup and endpoint of the mechanism `kind` (a
/// [`Variant::peer`]).
pub fn prepare(
    kind: Variant,
    limits: &Limits,
) -> Result<(Setup, Finish), Failure> {
    match kind {
        Variant::PipeCapacity => pipes(Some(1024 * 1024)),
        Variant::PipeBatch => {
            let (down, up) = (Pipe::new()?, Pipe::new()?);
            let setup = Setup {
                words: Vec::new(),
                fds: vec![down.reader.into(), up.writer.into()],
            };
            Ok((setup, ready(Batched::new(down.writer, up.reader))))
        }
        Variant::Fifo(_) => fifos(),
        Variant::Stream(_) | Variant::StreamBuffer => {
            streams(kind == Variant::StreamBuffer)
        }
        Variant::SeqPacket(_) => {
            let (mine, theirs) = MessageSocket::pair()?;
            let setup = Setup {
                words: Vec::new(),
                fds: vec![OwnedFd::from(theirs)],
            };
            Ok((setup, ready(Packets::new(mine)?)))
        }
        Variant::Msg(_) | Variant::MsgCopy | Variant::MsgAlloc => {
            let queue = MessageQueue::new()?;
            let setup = Setup {
                words: vec![queue.id().raw().to_string()],
                fds: Vec::new(),
            };
            Ok((setup, ready(Msg::new(queue, Side::Parent)?)))
        }
        Variant::ShmSem(_) => {
            let set =
                SemaphoreSet::with_values(&[SLOTS as u16, 0, SLOTS as u16, 0])?;
            let segment = SharedMemory::new(2 * SLOTS * SLOT_BYTES)?;
            let setup = Setup {
                words: vec![
                    set.id().raw().to_string(),
                    segment.id().raw().to_string(),
                ],
                fds: Vec::new(),
            };
            let attachment = segment.attach()?;
            let endpoint =
                ShmSem::new(set, Some(segment), attachment, Side::Parent);
            Ok((setup, ready(endpoint)))
        }
        Variant::PosixMq(_) => {
            let options = QueueOptions {
                max_messages: None,
                message_size: Some(limits.mq_msgsize),
                ..QueueOptions::default()
            };
            let down = Queue::create(&Name::unique("measure-down")?, &options)?;
            let up = Queue::create(&Name::unique("measure-up")?, &options)?;
            let setup = Setup {
                words: vec![
                    down.name().as_str().to_string(),
                    up.name().as_str().to_string(),
                ],
                fds: Vec::new(),
            };
            Ok((setup, ready(Mq::new(down, up, limits.mq_msgsize))))
        }
        Variant::Pthread(_) => {
            let (out, inn) = (SafeRing::create()?, SafeRing::create()?);
            let mut fds = out.memfds()?;
            fds.extend(inn.memfds()?);
            let endpoint = Rings { out, inn };
            Ok((
                Setup {
                    words: Vec::new(),
                    fds,
                },
                ready(endpoint),
            ))
        }
        Variant::FutexRing | Variant::SpinRing => {
            let wait = futex_wait(kind);
            let down = FutexRing::create(wait)?;
            let up = FutexRing::create(wait)?;
            let fds = vec![
                down.memfd().try_clone_to_owned()?,
                up.memfd().try_clone_to_owned()?,
            ];
            let endpoint = FutexRings { out: down, inn: up };
            Ok((
                Setup {
                    words: Vec::new(),
                    fds,
                },
                ready(endpoint),
            ))
        }
        Variant::PingPong => {
            let word = futex::PingPong::create()?;
            let fds = vec![word.memfd().try_clone_to_owned()?];
            let endpoint = PingPong {
                word,
                side: Side::Parent,
            };
            Ok((
                Setup {
                    words: Vec::new(),
                    fds,
                },
                ready(endpoint),
            ))
        }
        Variant::IpcChannel => {
            let (server, name) = ipc_channel::ipc::IpcOneShotServer::<(
                ipc_channel::ipc::IpcBytesSender,
                ipc_channel::ipc::IpcBytesReceiver,
            )>::new()?;
            let setup = Setup {
                words: vec![name],
                fds: Vec::new(),
            };
            let finish: Finish = Box::new(move || {
                let (_, (out, inn)) = server.accept().map_err(ipc_failure)?;
                Ok(Box::new(IpcChannel::new(out, inn)) as Box<dyn Endpoint>)
            });
            Ok((setup, finish))
        }
        Variant::Interprocess => {
            use interprocess::local_socket::prelude::*;
            use interprocess::local_socket::{
                GenericNamespaced, ListenerOptions,
            };
            let name = format!(
                "apue-ipc-measure-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |t| t.as_nanos())
            );
            let listener = ListenerOptions::new()
                .name(name.clone().to_ns_name::<GenericNamespaced>()?)
                .create_sync()?;
            let setup = Setup {
                words: vec![name],
                fds: Vec::new(),
            };
            let finish: Finish = Box::new(move || {
                let stream = listener.accept()?;
                Ok(Box::new(Interprocess::new(stream)) as Box<dyn Endpoint>)
            });
            Ok((setup, finish))
        }
        // Every other variant is a pipe's.
        _ => pipes(None),
    }
}

/// The peer's endpoint of the mechanism `kind`, from what the parent sent.
pub fn connect(
    kind: Variant,
    words: &[String],
    mut fds: Vec<OwnedFd>,
) -> Result<Box<dyn Endpoint>, Failure> {
    let word = |i: usize| -> Result<&str, Failure> {
        words.get(i).map(String::as_str).ok_or_else(|| {
            Failure::Runtime(format!("setup: word {i} is missing").into())
        })
    };
    let id = |i: usize| -> Result<libc::c_int, Failure> {
        word(i)?.parse().map_err(|_| {
            Failure::Runtime(
                format!("setup: bad identifier {:?}", word(i)).into(),
            )
        })
    };
    let mut fd = |what: &str| -> Result<OwnedFd, Failure> {
        if fds.is_empty() {
            return Err(Failure::Runtime(
                format!("setup: the descriptor of {what} is missing").into(),
            ));
        }
        Ok(fds.remove(0))
    };
    Ok(match kind {
        Variant::Fifo(_) => {
            // The parent opens its ends in the same order: down's writer
            // waits for this reader, then up's reader for this writer.
            let down = std::path::Path::new(word(0)?);
            let up = std::path::Path::new(word(1)?);
            let inn = fifo::open_reader(down, fifo::Open::Blocking)?;
            let out = fifo::open_writer(up, fifo::Open::Blocking)?;
            Box::new(Bytes::new(out, inn))
        }
        Variant::PipeBatch => {
            let inn = PipeReader::from(fd("the pipe down")?);
            let out = PipeWriter::from(fd("the pipe up")?);
            Box::new(Batched::new(out, inn))
        }
        Variant::Stream(_) | Variant::StreamBuffer => {
            let socket = UnixStream::from(fd("the socket")?);
            Box::new(Bytes::new(socket.try_clone()?, socket))
        }
        Variant::SeqPacket(_) => {
            Box::new(Packets::new(MessageSocket::from_fd(fd("the socket")?)?)?)
        }
        Variant::Msg(_) | Variant::MsgCopy | Variant::MsgAlloc => {
            let queue = MessageQueue::attach(id(0)?)?;
            Box::new(Msg::new(queue, Side::Peer)?)
        }
        Variant::ShmSem(_) => {
            let set = SemaphoreSet::attach(id(0)?)?;
            let attachment = SharedMemory::from_id(id(1)?)?.attach()?;
            Box::new(ShmSem::new(set, None, attachment, Side::Peer))
        }
        Variant::PosixMq(_) => {
            let access = posix::Access::ReadWrite;
            let down = Queue::open(&Name::new(word(0)?)?, access)?;
            let up = Queue::open(&Name::new(word(1)?)?, access)?;
            let capacity = down.attributes()?.message_size;
            Box::new(Mq::new(up, down, capacity))
        }
        Variant::Pthread(_) => {
            let inn = SafeRing::open(&mut fd)?;
            let out = SafeRing::open(&mut fd)?;
            Box::new(Rings { out, inn })
        }
        Variant::FutexRing | Variant::SpinRing => {
            let wait = futex_wait(kind);
            let inn = FutexRing::open(fd("the ring down")?, wait)?;
            let out = FutexRing::open(fd("the ring up")?, wait)?;
            Box::new(FutexRings { out, inn })
        }
        Variant::PingPong => Box::new(PingPong {
            word: futex::PingPong::open(fd("the futex word")?)?,
            side: Side::Peer,
        }),
        Variant::IpcChannel => {
            use ipc_channel::ipc::{self, IpcSender};
            let boot = IpcSender::connect(word(0)?.to_string())?;
            let (down_tx, down_rx) = ipc::bytes_channel()?;
            let (up_tx, up_rx) = ipc::bytes_channel()?;
            boot.send((down_tx, up_rx)).map_err(ipc_failure)?;
            Box::new(IpcChannel::new(up_tx, down_rx))
        }
        Variant::Interprocess => {
            use interprocess::local_socket::prelude::*;
            use interprocess::local_socket::{GenericNamespaced, Stream};
            let name = word(0)?.to_string();
            let stream =
                Stream::connect(name.to_ns_name::<GenericNamespaced>()?)?;
            Box::new(Interprocess::new(stream))
        }
        // Every other variant is a pipe's.
        _ => {
            let inn = PipeReader::from(fd("the pipe down")?);
            let out = PipeWriter::from(fd("the pipe up")?);
            Box::new(Bytes::new(out, inn))
        }
    })
}

/// An endpoint that needs no more than the parent has made.
fn ready(endpoint: impl Endpoint + 'static) -> Finish {
    Box::new(move || Ok(Box::new(endpoint) as Box<dyn Endpoint>))
}

fn ipc_failure(err: ipc_channel::IpcError) -> Failure {
    Failure::Runtime(format!("ipc-channel: {err:?}").into())
}

fn futex_wait(variant: Variant) -> futex::Wait {
    if variant == Variant::SpinRing {
        futex::Wait::Spin
    } else {
        futex::Wait::Futex
    }
}

/// Two pipes, down and up, with the peer's ends sent as descriptors;
/// `capacity` raises each pipe's with `F_SETPIPE_SZ`.
fn pipes(capacity: Option<usize>) -> Result<(Setup, Finish), Failure> {
    let down = Pipe::new()?;
    let up = Pipe::new()?;
    if let Some(bytes) = capacity {
        down.writer.set_capacity(bytes)?;
        up.writer.set_capacity(bytes)?;
    }
    let setup = Setup {
        words: Vec::new(),
        fds: vec![OwnedFd::from(down.reader), OwnedFd::from(up.writer)],
    };
    Ok((setup, ready(Bytes::new(down.writer, up.reader))))
}

/// Two FIFOs in a private directory, which the peer opens by their paths.
fn fifos() -> Result<(Setup, Finish), Failure> {
    let dir = harness::temp::dir("measure")?;
    let down = fifo::Fifo::create(dir.path().join("down"))?;
    let up = fifo::Fifo::create(dir.path().join("up"))?;
    let setup = Setup {
        words: vec![
            down.path().display().to_string(),
            up.path().display().to_string(),
        ],
        fds: Vec::new(),
    };
    let finish: Finish = Box::new(move || {
        let out = down.open_writer(fifo::Open::Blocking)?;
        let inn = up.open_reader(fifo::Open::Blocking)?;
        // Both are open: the names can go (and the directory with them).
        drop((down, up, dir));
        Ok(Box::new(Bytes::new(out, inn)) as Box<dyn Endpoint>)
    });
    Ok((setup, finish))
}

/// A stream socket pair; `big` raises both ends' `SO_SNDBUF` as far as an
/// unprivileged process may (`/proc/sys/net/core/wmem_max`).
fn streams(big: bool) -> Result<(Setup, Finish), Failure> {
    let (mine, theirs) = uds::pair(Kind::Stream)?;
    if big {
        let max = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(212_992);
        mine.set_send_buffer_size(max)?;
        theirs.set_send_buffer_size(max)?;
    }
    let setup = Setup {
        words: Vec::new(),
        fds: vec![theirs],
    };
    let socket = UnixStream::from(mine);
    Ok((setup, ready(Bytes::new(socket.try_clone()?, socket))))
}

// ---------------------------------------------------------------- streams

/// A byte stream (a pipe, a FIFO, a stream socket): std's
/// `Write::write_all` and `Read::read_exact` (the safe API: std's pipe ends
/// and sockets are what `apue_ipc` hands out), or bare `write` and `read` in
/// loops on the same descriptors, as APUE's `writen` and `readn` do (a
/// stream may take or give fewer bytes per call).
struct Bytes<W, R> {
    out: W,
    inn: R,
    buf: Box<[u8]>,
}

impl<W, R> Bytes<W, R> {
    fn new(out: W, inn: R) -> Bytes<W, R> {
        Bytes {
            out,
            inn,
            buf: vec![0; MAX].into_boxed_slice(),
        }
    }
}

// ANCHOR: bytes
impl<W: Write + AsRawFd, R: Read + AsRawFd> Endpoint for Bytes<W, R> {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        payload::fill(message, seq);
        match way.calls() {
            Safe => Ok(self.out.write_all(message)?),
            Raw => writen(self.out.as_raw_fd(), message),
        }
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        match way.calls() {
            Safe => self.inn.read_exact(message)?,
            Raw => readn(self.inn.as_raw_fd(), message)?,
        }
        if !payload::check(message, seq) {
            return Err(corrupt("read", seq));
        }
        Ok(())
    }
}
// ANCHOR_END: bytes

/// `writen`: `write` until every byte is written.
fn writen(fd: RawFd, mut bytes: &[u8]) -> Result<(), Failure> {
    while !bytes.is_empty() {
        let n = pipe::raw::write(fd, bytes);
        if n < 0 {
            return Err(os("write", "descriptor"));
        }
        bytes = &bytes[n as usize..];
    }
    Ok(())
}

/// `readn`: `read` until `buf` is full; end-of-file before is an error.
fn readn(fd: RawFd, buf: &mut [u8]) -> Result<(), Failure> {
    let size = buf.len();
    let mut got = 0;
    while got < size {
        let n = pipe::raw::read(fd, &mut buf[got..]);
        if n < 0 {
            return Err(os("read", "descriptor"));
        }
        if n == 0 {
            return Err(short("read (end of file)", got, size));
        }
        got += n as usize;
    }
    Ok(())
}

/// `interprocess`'s local socket: one stream for both directions, as the
/// crate recommends (`&Stream` reads and writes).
struct Interprocess {
    stream: interprocess::local_socket::Stream,
    buf: Box<[u8]>,
}

impl Interprocess {
    fn new(stream: interprocess::local_socket::Stream) -> Interprocess {
        Interprocess {
            stream,
            buf: vec![0; MAX].into_boxed_slice(),
        }
    }
}

impl Endpoint for Interprocess {
    fn send(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        payload::fill(message, seq);
        (&self.stream).write_all(message)?;
        Ok(())
    }

    fn receive(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        (&self.stream).read_exact(message)?;
        if !payload::check(message, seq) {
            return Err(corrupt("read", seq));
        }
        Ok(())
    }
}

/// The batching lever: `BATCH` messages gathered and written at once, and
/// read at once, through std's pipe ends (the throughput counts are
/// multiples of `BATCH`).
struct Batched {
    out: PipeWriter,
    inn: PipeReader,
    buf: Box<[u8]>,
    /// Messages in `buf`: gathered, not yet written (sender), or read, not
    /// yet checked (receiver, counting down).
    held: usize,
}

impl Batched {
    fn new(out: PipeWriter, inn: PipeReader) -> Batched {
        Batched {
            out,
            inn,
            buf: vec![0; MAX].into_boxed_slice(),
            held: 0,
        }
    }
}

impl Endpoint for Batched {
    fn send(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let at = self.held * size;
        payload::fill(&mut self.buf[at..at + size], seq);
        self.held += 1;
        if self.held == BATCH {
            self.out.write_all(&self.buf[..BATCH * size])?;
            self.held = 0;
        }
        Ok(())
    }

    fn receive(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        if self.held == 0 {
            self.inn.read_exact(&mut self.buf[..BATCH * size])?;
            self.held = BATCH;
        }
        let at = (BATCH - self.held) * size;
        self.held -= 1;
        if !payload::check(&self.buf[at..at + size], seq) {
            return Err(corrupt("read", seq));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- packets

/// The type that starts a typed message on a `SOCK_SEQPACKET` socket.
const HEADER: usize = 8;

/// Typed messages over a `SOCK_SEQPACKET` socket: `MessageSocket`'s
/// `send_buffer` and `receive_buffer`, or bare `send` and `recv` of the type
/// and the bytes as one struct, as in C, on the same socket; or (the socket
/// forms) `MessageSocket`'s `send` and `receive_into`, which gather and
/// scatter the type and the bytes (`sendmsg`, `recvmsg`), with the bytes in
/// the raw calls' buffer, after its type.
struct Packets {
    socket: MessageSocket,
    out: PacketBuffer,
    inn: PacketBuffer,
    /// The raw calls' struct: the type, then the bytes.
    raw: Box<[u8]>,
}

impl Packets {
    fn new(socket: MessageSocket) -> Result<Packets, Failure> {
        Ok(Packets {
            socket,
            out: PacketBuffer::new(MAX)?,
            inn: PacketBuffer::new(MAX)?,
            raw: vec![0; HEADER + MAX].into_boxed_slice(),
        })
    }
}

impl Endpoint for Packets {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        match way {
            Variant::SeqPacketGather => {
                let bytes = &mut self.raw[HEADER..HEADER + size];
                payload::fill(bytes, seq);
                self.socket.send(1, bytes)?;
            }
            Variant::SeqPacket(Safe) => {
                self.out.set_len(size)?;
                payload::fill(self.out.data_mut(), seq);
                self.socket.send_buffer(&self.out)?;
            }
            _ => {
                let buf = &mut self.raw[..HEADER + size];
                buf[..HEADER].copy_from_slice(&1i64.to_ne_bytes());
                payload::fill(&mut buf[HEADER..], seq);
                let fd = self.socket.as_fd().as_raw_fd();
                if uds::raw::send(fd, buf, 0) < 0 {
                    return Err(os("send", "socket"));
                }
            }
        }
        Ok(())
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let (mtype, data) = match way {
            Variant::SeqPacketGather => {
                let buf = &mut self.raw[HEADER..];
                match self.socket.receive_into(Select::Any, buf)? {
                    Some(got) => {
                        (got.mtype, &self.raw[HEADER..HEADER + got.len])
                    }
                    None => return Err(short("recvmsg (closed)", 0, size)),
                }
            }
            Variant::SeqPacket(Safe) => {
                match self.socket.receive_buffer(Select::Any, &mut self.inn)? {
                    Some(_) => (self.inn.mtype(), self.inn.data()),
                    None => return Err(short("recv (closed)", 0, size)),
                }
            }
            _ => {
                let fd = self.socket.as_fd().as_raw_fd();
                let n = uds::raw::recv(fd, &mut self.raw, 0);
                if n < HEADER as isize {
                    return Err(os("recv", "socket"));
                }
                let mut header = [0u8; HEADER];
                header.copy_from_slice(&self.raw[..HEADER]);
                (i64::from_ne_bytes(header), &self.raw[HEADER..n as usize])
            }
        };
        if mtype != 1 || data.len() != size || !payload::check(data, seq) {
            return Err(corrupt("recv", seq));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- System V

/// The message types of the two directions on one queue.
const DOWN: i64 = 1;
const UP: i64 = 2;

/// A System V message queue, both directions by type: the parent sends
/// type 1 and receives type 2, the peer the other way round. Four ways:
/// `send_buffer` and `receive_into` (the safe API without a copy), raw
/// `msgsnd` and `msgrcv`, `send` (one copy) and `receive_into`, `send` and
/// the allocating `receive`.
struct Msg {
    queue: MessageQueue,
    out_type: i64,
    in_type: i64,
    out: MessageBuffer,
    inn: MessageBuffer,
    raw_out: Box<msg::raw::MsgBuf<MAX>>,
    raw_in: Box<msg::raw::MsgBuf<MAX>>,
    bytes: Box<[u8]>,
}

impl Msg {
    fn new(queue: MessageQueue, side: Side) -> Result<Msg, Failure> {
        let (out_type, in_type) = match side {
            Side::Parent => (DOWN, UP),
            Side::Peer => (UP, DOWN),
        };
        Ok(Msg {
            out: queue.message_buffer()?,
            inn: queue.message_buffer()?,
            queue,
            out_type,
            in_type,
            raw_out: Box::new(msg::raw::MsgBuf::new(out_type as libc::c_long)),
            raw_in: Box::new(msg::raw::MsgBuf::new(0)),
            bytes: vec![0; MAX].into_boxed_slice(),
        })
    }
}

impl Endpoint for Msg {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        match way {
            Variant::Msg(Safe) => {
                // `set` once per size, then the payload written in place.
                if self.out.data().len() != size {
                    self.out.set(self.out_type, &self.bytes[..size])?;
                }
                payload::fill(self.out.data_mut(), seq);
                self.queue.send_buffer(&self.out)?;
            }
            Variant::Msg(Raw) => {
                payload::fill(&mut self.raw_out.mtext[..size], seq);
                let id = self.queue.id().raw();
                if msg::raw::msgsnd(id, &self.raw_out, size, 0) == -1 {
                    return Err(os("msgsnd", "queue"));
                }
            }
            _ => {
                let bytes = &mut self.bytes[..size];
                payload::fill(bytes, seq);
                self.queue.send(self.out_type, bytes)?;
            }
        }
        Ok(())
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let select = Select::Type(self.in_type);
        let ok = match way {
            Variant::Msg(Raw) => {
                let id = self.queue.id().raw();
                let n = msg::raw::msgrcv(
                    id,
                    &mut self.raw_in,
                    self.in_type as libc::c_long,
                    0,
                );
                if n < 0 {
                    return Err(os("msgrcv", "queue"));
                }
                let got = &self.raw_in.mtext[..n as usize];
                got.len() == size && payload::check(got, seq)
            }
            Variant::MsgAlloc => {
                let message = self.queue.receive(select, size)?;
                message.data.len() == size && payload::check(&message.data, seq)
            }
            _ => {
                let got = self.queue.receive_into(select, &mut self.inn)?;
                got.len == size && payload::check(self.inn.data(), seq)
            }
        };
        if !ok {
            return Err(corrupt("msgrcv", seq));
        }
        Ok(())
    }

    fn abort(&mut self) {
        // The other side waits in msgrcv: removing the queue wakes it
        // (EIDRM).
        let _ = self.queue.id().remove();
    }
}

/// The bytes of one slot of a ring in a System V segment: the length, then
/// the message.
const SLOT_BYTES: usize = 8 + MAX;

/// System V shared memory, signalled by System V semaphores: per direction,
/// `SLOTS` slots in the segment, a semaphore counting the free slots and one
/// counting the full ones (0 and 1 down, 2 and 3 up). The sender takes a
/// free slot, writes the message in place, and gives a full one; the
/// receiver the mirror image. The memory is the attachment's slice either
/// way (a slice is its address and length, nothing more); what the raw
/// calls change is `semop`.
struct ShmSem {
    set: SemaphoreSet,
    /// The parent's handle, which removes the segment at the end.
    _segment: Option<SharedMemory>,
    attachment: Attachment,
    out_base: usize,
    in_base: usize,
    /// The semaphores: free and full slots, out and in.
    out_sems: (u16, u16),
    in_sems: (u16, u16),
    sent: u64,
    received: u64,
}

impl ShmSem {
    fn new(
        set: SemaphoreSet,
        segment: Option<SharedMemory>,
        attachment: Attachment,
        side: Side,
    ) -> ShmSem {
        let half = SLOTS * SLOT_BYTES;
        let ((out_base, out_sems), (in_base, in_sems)) = match side {
            Side::Parent => ((0, (0, 1)), (half, (2, 3))),
            Side::Peer => ((half, (2, 3)), (0, (0, 1))),
        };
        ShmSem {
            set,
            _segment: segment,
            attachment,
            out_base,
            in_base,
            out_sems,
            in_sems,
            sent: 0,
            received: 0,
        }
    }

    /// `semop` of one operation, `op` on semaphore `num`.
    fn semop(&self, way: Variant, num: u16, op: i16) -> Result<(), Failure> {
        match way.calls() {
            Safe => {
                Ok(self.set.apply(&[Op::new(num, op, sem::Flags::NONE)])?)
            }
            Raw => {
                let mut ops = [libc::sembuf {
                    sem_num: num,
                    sem_op: op,
                    sem_flg: 0,
                }];
                if sem::raw::semop(self.set.id().raw(), &mut ops) == -1 {
                    return Err(os("semop", "semaphore set"));
                }
                Ok(())
            }
        }
    }
}

impl Endpoint for ShmSem {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let (free, full) = self.out_sems;
        self.semop(way, free, -1)?;
        let at = self.out_base + (self.sent as usize % SLOTS) * SLOT_BYTES;
        let slot = &mut self.attachment.as_mut_slice()[at..at + SLOT_BYTES];
        slot[..8].copy_from_slice(&(size as u64).to_ne_bytes());
        payload::fill(&mut slot[8..8 + size], seq);
        self.sent += 1;
        self.semop(way, full, 1)
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let (free, full) = self.in_sems;
        self.semop(way, full, -1)?;
        let at = self.in_base + (self.received as usize % SLOTS) * SLOT_BYTES;
        let slot = &self.attachment.as_slice()[at..at + SLOT_BYTES];
        let len = u64::from_ne_bytes(slot[..8].try_into().expect("8")) as usize;
        if len != size || !payload::check(&slot[8..8 + size], seq) {
            return Err(corrupt("shared memory", seq));
        }
        self.received += 1;
        self.semop(way, free, 1)
    }

    fn abort(&mut self) {
        // The other side waits in semop: removing the set wakes it (EIDRM).
        let _ = self.set.id().remove();
    }
}

// ---------------------------------------------------------------- POSIX

/// Two POSIX message queues, down and up.
struct Mq {
    out: Queue,
    inn: Queue,
    buf: Box<[u8]>,
    capacity: usize,
}

impl Mq {
    fn new(out: Queue, inn: Queue, capacity: usize) -> Mq {
        Mq {
            out,
            inn,
            buf: vec![0; MAX.max(capacity)].into_boxed_slice(),
            capacity,
        }
    }
}

impl Endpoint for Mq {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        payload::fill(message, seq);
        match way.calls() {
            Safe => self.out.send(message, 0)?,
            Raw => {
                let mqd = self.out.as_fd().as_raw_fd();
                if posix::mqueue::raw::mq_send(mqd, message, 0) == -1 {
                    return Err(os("mq_send", "queue"));
                }
            }
        }
        Ok(())
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let buf = &mut self.buf[..self.capacity];
        let len = match way.calls() {
            Safe => self.inn.receive_into(buf)?.len,
            Raw => {
                let mqd = self.inn.as_fd().as_raw_fd();
                let mut priority = 0;
                let n = posix::mqueue::raw::mq_receive(mqd, buf, &mut priority);
                if n < 0 {
                    return Err(os("mq_receive", "queue"));
                }
                n as usize
            }
        };
        if len != size || !payload::check(&buf[..size], seq) {
            return Err(corrupt("mq_receive", seq));
        }
        Ok(())
    }

    fn abort(&mut self) {
        // The other side waits in mq_receive: an empty message wakes it,
        // and fails its check.
        let _ = self.out.set_nonblocking(true);
        let _ = self.out.send(b"", 0);
    }
}

// ---------------------------------------------------------------- rings

/// The slots of a ring: `pshared::raw::RingSlots`, the ring that the raw
/// calls drive too.
type Slots = pshared::raw::RingSlots<SLOTS, MAX>;

/// One direction of a ring in `mmap` memory (a memfd's) guarded by
/// process-shared pthread objects: the slots under their mutex, and the two
/// condition variables. The safe API drives it with guards and
/// `wait_while`; the raw calls (`pshared::raw::Ring`) drive the same
/// objects with bare pthread calls.
struct SafeRing {
    slots: SharedMutex<Slots>,
    not_empty: SharedCondvar,
    not_full: SharedCondvar,
}

impl SafeRing {
    fn create() -> Result<SafeRing, Failure> {
        Ok(SafeRing {
            slots: SharedMutex::in_memfd(bytemuck::Zeroable::zeroed())?,
            not_empty: SharedCondvar::in_memfd()?,
            not_full: SharedCondvar::in_memfd()?,
        })
    }

    /// The three memfds, for the peer.
    fn memfds(&self) -> Result<Vec<OwnedFd>, Failure> {
        let mut fds = Vec::new();
        for fd in [
            self.slots.memfd(),
            self.not_empty.memfd(),
            self.not_full.memfd(),
        ] {
            let fd = fd.ok_or_else(|| Failure::Runtime("no memfd".into()))?;
            fds.push(fd.try_clone_to_owned()?);
        }
        Ok(fds)
    }

    fn open(
        fd: &mut impl FnMut(&str) -> Result<OwnedFd, Failure>,
    ) -> Result<SafeRing, Failure> {
        Ok(SafeRing {
            slots: SharedMutex::open_memfd(fd("the slots")?)?,
            not_empty: SharedCondvar::open_memfd(fd("not empty")?)?,
            not_full: SharedCondvar::open_memfd(fd("not full")?)?,
        })
    }

    // ANCHOR: safe_ring
    fn send(&self, size: usize, seq: u64) -> Result<(), Failure> {
        let guard = self.slots.lock()?;
        let mut slots = self.not_full.wait_while(guard, |s| {
            s.closed == 0 && s.head - s.tail == SLOTS as u64
        })?;
        if slots.closed != 0 {
            return Err(short("ring (closed)", 0, size));
        }
        let slot = (slots.head % SLOTS as u64) as usize;
        payload::fill(&mut slots.data[slot][..size], seq);
        slots.lens[slot] = size as u64;
        slots.head += 1;
        drop(slots);
        self.not_empty.notify_one();
        Ok(())
    }
    // ANCHOR_END: safe_ring

    fn receive(&self, size: usize, seq: u64) -> Result<(), Failure> {
        let guard = self.slots.lock()?;
        let mut slots = self
            .not_empty
            .wait_while(guard, |s| s.closed == 0 && s.head == s.tail)?;
        if slots.head == slots.tail {
            return Err(short("ring (closed)", 0, size));
        }
        let slot = (slots.tail % SLOTS as u64) as usize;
        let ok = slots.lens[slot] == size as u64
            && payload::check(&slots.data[slot][..size], seq);
        slots.tail += 1;
        drop(slots);
        self.not_full.notify_one();
        if !ok {
            return Err(corrupt("ring", seq));
        }
        Ok(())
    }

    /// The same ring, for the bare pthread calls.
    fn raw(&self) -> pshared::raw::Ring<'_, SLOTS, MAX> {
        pshared::raw::Ring {
            slots: &self.slots,
            not_empty: &self.not_empty,
            not_full: &self.not_full,
        }
    }
}

/// The two rings, out and in.
struct Rings {
    out: SafeRing,
    inn: SafeRing,
}

impl Endpoint for Rings {
    fn send(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        match way.calls() {
            Safe => self.out.send(size, seq),
            Raw => match self.out.raw().send(size, |s| payload::fill(s, seq)) {
                0 => Ok(()),
                err => {
                    Err(pshared::raw::error("pthread ring send", err).into())
                }
            },
        }
    }

    fn receive(
        &mut self,
        way: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        match way.calls() {
            Safe => self.inn.receive(size, seq),
            Raw => {
                let ok = self
                    .inn
                    .raw()
                    .receive(|s| s.len() == size && payload::check(s, seq))
                    .map_err(|err| {
                        pshared::raw::error("pthread ring receive", err)
                    })?;
                if !ok {
                    return Err(corrupt("ring", seq));
                }
                Ok(())
            }
        }
    }

    fn abort(&mut self) {
        // Closed through the raw calls: the safe API's lock would refuse
        // on a mutex whose holder died, and the point is to wake the peer.
        self.out.raw().close();
        self.inn.raw().close();
    }
}

type FutexRing = futex::Ring<SLOTS, MAX>;

/// The reference rings: futex or spinning.
struct FutexRings {
    out: FutexRing,
    inn: FutexRing,
}

impl Endpoint for FutexRings {
    fn send(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        match self.out.send(size, |slot| payload::fill(slot, seq)) {
            0 => Ok(()),
            err => Err(code("ring send", "futex ring", err)),
        }
    }

    fn receive(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let ok = self
            .inn
            .receive(|slot| slot.len() == size && payload::check(slot, seq))
            .map_err(|err| code("ring receive", "futex ring", err))?;
        if !ok {
            return Err(corrupt("ring", seq));
        }
        Ok(())
    }

    fn abort(&mut self) {
        self.out.close();
        self.inn.close();
    }
}

/// The bare futex ping-pong: the parent's send is the whole round trip,
/// the peer's receive its whole turn; no data.
struct PingPong {
    word: futex::PingPong,
    side: Side,
}

impl Endpoint for PingPong {
    fn send(&mut self, _: Variant, _: usize, _: u64) -> Result<(), Failure> {
        if self.side == Side::Parent && self.word.ping() != 0 {
            return Err(code("ping", "futex word", libc::EPIPE));
        }
        Ok(())
    }

    fn receive(&mut self, _: Variant, _: usize, _: u64) -> Result<(), Failure> {
        if self.side == Side::Peer && self.word.pong() != 0 {
            return Err(code("pong", "futex word", libc::EPIPE));
        }
        Ok(())
    }

    fn abort(&mut self) {
        self.word.close();
    }
}

// ---------------------------------------------------------------- crates

/// Servo's `ipc-channel`: byte channels, whose receive returns a new
/// `Vec<u8>` per message.
struct IpcChannel {
    out: ipc_channel::ipc::IpcBytesSender,
    inn: ipc_channel::ipc::IpcBytesReceiver,
    buf: Box<[u8]>,
}

impl IpcChannel {
    fn new(
        out: ipc_channel::ipc::IpcBytesSender,
        inn: ipc_channel::ipc::IpcBytesReceiver,
    ) -> IpcChannel {
        IpcChannel {
            out,
            inn,
            buf: vec![0; MAX].into_boxed_slice(),
        }
    }
}

impl Endpoint for IpcChannel {
    fn send(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = &mut self.buf[..size];
        payload::fill(message, seq);
        self.out.send(message)?;
        Ok(())
    }

    fn receive(
        &mut self,
        _: Variant,
        size: usize,
        seq: u64,
    ) -> Result<(), Failure> {
        let message = self.inn.recv().map_err(ipc_failure)?;
        if message.len() != size || !payload::check(&message, seq) {
            return Err(corrupt("ipc-channel", seq));
        }
        Ok(())
    }
}

/// The replies' sequence numbers, for the peer's echo.
pub fn reply(seq: u64) -> u64 {
    seq | REPLY
}
