//! Unix domain sockets: sockets whose two ends are on one machine, found by a path, by
//! an abstract name, or by nothing at all (`socketpair`), and the typed messages over
//! `SOCK_SEQPACKET` that replace an XSI message queue.
//!
//! | C                                                       | here                                  |
//! |---------------------------------------------------------|---------------------------------------|
//! | `socketpair(AF_UNIX, type, 0, sv)`                      | [`pair`] with [`Kind`]                |
//! | `socket` + `bind` + `listen` on a path or abstract name | [`Listener::bind`] with [`Address`]   |
//! | `unlink(path)` when the server is done                  | dropping the [`Listener`]             |
//! | `accept(fd, NULL, NULL)`                                | [`Listener::accept`]                  |
//! | `socket` + `connect`                                    | [`connect`]                           |
//! | one `send(fd, buf, n, MSG_NOSIGNAL)`                    | [`UnixSocket::send_once`]             |
//! | one `recvmsg(fd, ...)`, `MSG_TRUNC` in `msg_flags`      | [`UnixSocket::receive_once`] → [`Packet`] |
//! | `sendmsg` with `SCM_RIGHTS`                             | [`UnixSocket::send_fds`]              |
//! | `recvmsg` with `SCM_RIGHTS`                             | [`UnixSocket::receive_fds`]           |
//! | `getsockopt(fd, SOL_SOCKET, SO_PEERCRED)`               | [`UnixSocket::peer_credentials`] → [`Credentials`] |
//! | `getsockopt` / `setsockopt` of `SO_SNDBUF`              | [`UnixSocket::send_buffer_size`], [`UnixSocket::set_send_buffer_size`] |
//! | `msgsnd` / `msgrcv` by type, over a socket              | [`MessageSocket`]                     |
//! | `send` / `recv` of a `struct { long type; char text[]; }` | [`MessageSocket::send_buffer`], [`MessageSocket::receive_buffer`] with a [`PacketBuffer`] |
//! | bare `send(fd, buf, n, 0)`, `recv(fd, buf, n, 0)`       | [`raw`], for measuring against        |
//!
//! [`UnixSocket`] is implemented for every [`AsFd`] type, so it applies to std's
//! [`UnixStream`](std::os::unix::net::UnixStream) and
//! [`UnixDatagram`](std::os::unix::net::UnixDatagram) as to the descriptors [`pair`],
//! [`connect`] and [`Listener::accept`] return. Every socket is created close-on-exec,
//! and so is every descriptor received with `SCM_RIGHTS`.
//!
//! Man pages: [unix(7)](https://man7.org/linux/man-pages/man7/unix.7.html),
//! [socketpair(2)](https://man7.org/linux/man-pages/man2/socketpair.2.html),
//! [bind(2)](https://man7.org/linux/man-pages/man2/bind.2.html),
//! [listen(2)](https://man7.org/linux/man-pages/man2/listen.2.html),
//! [accept(2)](https://man7.org/linux/man-pages/man2/accept.2.html),
//! [connect(2)](https://man7.org/linux/man-pages/man2/connect.2.html),
//! [sendmsg(2)](https://man7.org/linux/man-pages/man2/sendmsg.2.html),
//! [recvmsg(2)](https://man7.org/linux/man-pages/man2/recvmsg.2.html),
//! [socket(7)](https://man7.org/linux/man-pages/man7/socket.7.html) (`SO_SNDBUF`),
//! [cmsg(3)](https://man7.org/linux/man-pages/man3/cmsg.3.html).

use std::collections::VecDeque;
use std::fmt;
use std::fs::Permissions;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use nix::errno::Errno;
use nix::sys::socket::{
    self, sockopt, AddressFamily, Backlog, ControlMessage, ControlMessageOwned,
    MsgFlags, SockFlag, SockType, UnixAddr,
};

use crate::error::{Context, Error, Result};
use crate::msg::{Message, Select};
use crate::posix::name::{unique_suffix, PREFIX};

/// The three kinds of Unix domain socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SOCK_STREAM`: a connection carrying bytes, like a pipe in both directions; no
    /// message boundaries.
    Stream,
    /// `SOCK_SEQPACKET`: a connection carrying messages, each received whole and in
    /// order; end-of-file when the peer closes.
    SeqPacket,
    /// `SOCK_DGRAM`: messages, without a connection; each may go to another address.
    Datagram,
}

impl Kind {
    fn sock_type(self) -> SockType {
        match self {
            Kind::Stream => SockType::Stream,
            Kind::SeqPacket => SockType::SeqPacket,
            Kind::Datagram => SockType::Datagram,
        }
    }
}

/// `socketpair(AF_UNIX, kind | SOCK_CLOEXEC)`: two connected sockets and no name, for a
/// process and the children it gives one end to. Std's types take a stream or datagram
/// end as they are: `UnixStream::from(fd)`, `UnixDatagram::from(fd)`.
pub fn pair(kind: Kind) -> Result<(OwnedFd, OwnedFd)> {
    socket::socketpair(
        AddressFamily::Unix,
        kind.sock_type(),
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|e| Error::os("socketpair", "AF_UNIX", e))
}

/// Where a socket is found: a path in the file system, or a name in Linux's abstract
/// namespace, which has no file, no permissions, and disappears with the last socket
/// bound to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// A path; `bind` creates a socket file there, which stays until unlinked.
    Path(PathBuf),
    /// An abstract name (Linux): the bytes after the leading NUL of `sun_path`.
    Abstract(Vec<u8>),
}

impl Address {
    /// An abstract name that no other process uses at the same time:
    /// `apue-ipc-LABEL-PID-N`, as [`Name::unique`](crate::posix::Name::unique) makes.
    pub fn unique_abstract(label: &str) -> Address {
        Address::Abstract(
            format!("{PREFIX}{label}-{}", unique_suffix()).into_bytes(),
        )
    }

    /// The `sockaddr_un` of the address, for `call` (`bind` or `connect`).
    fn to_unix_addr(&self, call: &'static str) -> Result<UnixAddr> {
        if path_bytes(self).is_empty() {
            // An empty sun_path asks bind(2) to pick an abstract name itself.
            return Err(Error::refused(
                call,
                self.to_string(),
                Errno::EINVAL,
                "an empty name names no socket",
            ));
        }
        let made = match self {
            Address::Path(path) => UnixAddr::new(path.as_path()),
            Address::Abstract(name) => UnixAddr::new_abstract(name),
        };
        // sun_path holds 108 bytes: a longer path or name is refused.
        made.map_err(|e| Error::os(call, self.to_string(), e))
    }
}

/// The bytes of an address's name: a path's, or an abstract name's.
fn path_bytes(address: &Address) -> &[u8] {
    match address {
        Address::Path(path) => path.as_os_str().as_bytes(),
        Address::Abstract(name) => name,
    }
}

impl fmt::Display for Address {
    /// A path as it is; an abstract name with `@` for its leading NUL, as `ss` and
    /// `/proc/net/unix` show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Path(path) => write!(f, "{}", path.display()),
            Address::Abstract(name) => {
                write!(f, "@{}", String::from_utf8_lossy(name))
            }
        }
    }
}

/// A listening socket. Dropping it closes the socket and, for a path, unlinks the
/// socket file, which would otherwise stay and make the next `bind` fail with
/// `EADDRINUSE`.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
    address: Address,
}

impl Listener {
    /// `socket`, `bind`, `chmod(path, 0600)`, `listen`: a socket only its owner can
    /// connect to, if it has a path. `EADDRINUSE` if the address is taken, also by a
    /// socket file left behind. `kind` is [`Kind::Stream`] or [`Kind::SeqPacket`].
    pub fn bind(address: Address, kind: Kind) -> Result<Listener> {
        Listener::bind_with_mode(address, kind, 0o600)
    }

    /// [`Listener::bind`] with the socket file's permission bits `mode`: connecting
    /// needs write permission on it. An abstract name has no permissions: any process
    /// of the machine (of its network namespace) may connect.
    pub fn bind_with_mode(
        address: Address,
        kind: Kind,
        mode: u32,
    ) -> Result<Listener> {
        if kind == Kind::Datagram {
            return Err(Error::refused(
                "listen",
                address.to_string(),
                Errno::EOPNOTSUPP,
                "a datagram socket has no connections to accept",
            ));
        }
        if mode > 0o777 {
            return Err(Error::refused(
                "chmod",
                address.to_string(),
                Errno::EINVAL,
                format!("{mode:#o} is not a set of permission bits"),
            ));
        }
        let unix_addr = address.to_unix_addr("bind")?;
        let fd = socket::socket(
            AddressFamily::Unix,
            kind.sock_type(),
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(|e| Error::os("socket", address.to_string(), e))?;
        socket::bind(fd.as_raw_fd(), &unix_addr)
            .map_err(|e| Error::os("bind", address.to_string(), e))?;
        // The socket file is ours from here: an error below unlinks it.
        let listener = Listener { fd, address };
        if let Address::Path(path) = &listener.address {
            // Between bind and this call the file has the umask's mode.
            std::fs::set_permissions(path, Permissions::from_mode(mode))
                .context("chmod", listener.address.to_string())?;
        }
        let backlog = Backlog::new(libc::SOMAXCONN).map_err(|e| {
            Error::os("listen", listener.address.to_string(), e)
        })?;
        socket::listen(&listener.fd, backlog).map_err(|e| {
            Error::os("listen", listener.address.to_string(), e)
        })?;
        Ok(listener)
    }

    /// Where the listener is bound.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// `accept4(fd, NULL, NULL, SOCK_CLOEXEC)`: the next connection, waiting for one.
    pub fn accept(&self) -> Result<OwnedFd> {
        socket::accept4(self.fd.as_fd(), SockFlag::SOCK_CLOEXEC)
            .map_err(|e| Error::os("accept", self.address.to_string(), e))
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Address::Path(path) = &self.address {
            // A destructor cannot report; a file someone else removed is not ours.
            let _ = nix::unistd::unlink(path.as_path());
        }
    }
}

/// `socket` + `connect`: a connection to the listener at `address`. `ENOENT` if no
/// socket file exists there, `ECONNREFUSED` if one does but nobody listens on it (a
/// file left behind by a server that is gone), `EACCES` without write permission.
pub fn connect(address: &Address, kind: Kind) -> Result<OwnedFd> {
    let unix_addr = address.to_unix_addr("connect")?;
    let fd = socket::socket(
        AddressFamily::Unix,
        kind.sock_type(),
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(|e| Error::os("socket", address.to_string(), e))?;
    socket::connect(fd.as_raw_fd(), &unix_addr)
        .map_err(|e| Error::os("connect", address.to_string(), e))?;
    Ok(fd)
}

/// Who is at the other end of a connected socket, as the kernel recorded it when the
/// connection was made (`struct ucred`): not what the peer says, so it cannot lie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The peer's process id.
    pub pid: i32,
    /// Its effective user id.
    pub uid: u32,
    /// Its effective group id.
    pub gid: u32,
}

/// What one receive got: how many bytes, and whether the message was longer than the
/// buffer (`MSG_TRUNC`): a datagram or packet is then cut, and the rest is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    /// The bytes copied into the buffer.
    pub len: usize,
    /// The message did not fit, and its end was dropped.
    pub truncated: bool,
}

/// The most descriptors [`UnixSocket::receive_fds`] takes from one message.
pub const MAX_FDS: usize = 16;

/// What C does with a Unix domain socket's descriptor and std does not offer, for any
/// type that has one.
pub trait UnixSocket: AsFd {
    /// `getsockopt(SO_PEERCRED)`: the pid, uid and gid of the process that made the
    /// connection (for a [`pair`], the process that created it).
    fn peer_credentials(&self) -> Result<Credentials> {
        let cred = socket::getsockopt(&self.as_fd(), sockopt::PeerCredentials)
            .map_err(|e| Error::os("getsockopt(SO_PEERCRED)", name(self), e))?;
        Ok(Credentials {
            pid: cred.pid(),
            uid: cred.uid(),
            gid: cred.gid(),
        })
    }

    /// Exactly one `send(2)`, with `MSG_NOSIGNAL` (a closed peer is the error `EPIPE`,
    /// never the signal): a whole message on a datagram or packet socket, or as many
    /// bytes as fit on a stream.
    fn send_once(&self, bytes: &[u8]) -> Result<usize> {
        socket::send(self.as_fd().as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL)
            .map_err(|e| Error::os("send", name(self), e))
    }

    /// Exactly one `recvmsg(2)` into `buf`: one message on a datagram or packet socket
    /// (cut to fit, and then marked [`Packet::truncated`]), or the bytes waiting on a
    /// stream. A length of 0 on a connection is end-of-file.
    fn receive_once(&self, buf: &mut [u8]) -> Result<Packet> {
        let mut iov = [IoSliceMut::new(buf)];
        let received = socket::recvmsg::<()>(
            self.as_fd().as_raw_fd(),
            &mut iov,
            None,
            MsgFlags::empty(),
        )
        .map_err(|e| Error::os("recvmsg", name(self), e))?;
        Ok(Packet {
            len: received.bytes,
            truncated: received.flags.contains(MsgFlags::MSG_TRUNC),
        })
    }

    /// `sendmsg` of `bytes` with `fds` attached (`SCM_RIGHTS`): the receiver gets new
    /// descriptors for the same open files, as a child does when it inherits them.
    /// `bytes` may not be empty: a stream socket sends no descriptor without data.
    fn send_fds(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<usize> {
        if bytes.is_empty() || fds.len() > MAX_FDS {
            return Err(Error::refused(
                "sendmsg",
                name(self),
                Errno::EINVAL,
                format!(
                    "descriptors travel with at least one byte, at most {MAX_FDS} at a time"
                ),
            ));
        }
        let mut raw = [0 as RawFd; MAX_FDS];
        for (slot, fd) in raw.iter_mut().zip(fds) {
            *slot = fd.as_raw_fd();
        }
        let rights = [ControlMessage::ScmRights(&raw[..fds.len()])];
        socket::sendmsg::<()>(
            self.as_fd().as_raw_fd(),
            &[IoSlice::new(bytes)],
            &rights,
            MsgFlags::MSG_NOSIGNAL,
            None,
        )
        .map_err(|e| Error::os("sendmsg(SCM_RIGHTS)", name(self), e))
    }

    /// `recvmsg` with room for [`MAX_FDS`] descriptors (`SCM_RIGHTS`), received
    /// close-on-exec (`MSG_CMSG_CLOEXEC`). Returns the data received and the
    /// descriptors, which the caller now owns. More descriptors than there was room for
    /// is an error (the kernel closed the rest).
    fn receive_fds(&self, buf: &mut [u8]) -> Result<(Packet, Vec<OwnedFd>)> {
        let mut space = nix::cmsg_space!([RawFd; MAX_FDS]);
        let mut iov = [IoSliceMut::new(buf)];
        let received = socket::recvmsg::<()>(
            self.as_fd().as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )
        .map_err(|e| Error::os("recvmsg(SCM_RIGHTS)", name(self), e))?;
        let mut fds = Vec::new();
        let messages = received
            .cmsgs()
            .map_err(|e| Error::os("recvmsg(SCM_RIGHTS)", name(self), e))?;
        for message in messages {
            if let ControlMessageOwned::ScmRights(raw) = message {
                // SAFETY: the kernel installed these descriptors in this process for
                // this message; nothing else owns them.
                fds.extend(
                    raw.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        let packet = Packet {
            len: received.bytes,
            truncated: received.flags.contains(MsgFlags::MSG_TRUNC),
        };
        Ok((packet, fds))
    }

    /// `getsockopt(SO_SNDBUF)`: how many bytes of kernel memory this end's messages in
    /// flight may take before a sender waits; each message costs its bytes and a few
    /// hundred bytes of bookkeeping.
    fn send_buffer_size(&self) -> Result<usize> {
        socket::getsockopt(&self.as_fd(), sockopt::SndBuf)
            .map_err(|e| Error::os("getsockopt(SO_SNDBUF)", name(self), e))
    }

    /// `setsockopt(SO_SNDBUF, size)`. The kernel stores twice `size`, "to allow space
    /// for bookkeeping overhead" (socket(7)), and that doubled value is what
    /// [`UnixSocket::send_buffer_size`] then reports.
    fn set_send_buffer_size(&self, size: usize) -> Result<()> {
        socket::setsockopt(&self.as_fd(), sockopt::SndBuf, &size)
            .map_err(|e| Error::os("setsockopt(SO_SNDBUF)", name(self), e))
    }
}

impl<T: AsFd + ?Sized> UnixSocket for T {}

/// What an error names as the object: `socket fd N`. Only called on error paths.
fn name<T: AsFd + ?Sized>(socket: &T) -> String {
    format!("socket fd {}", socket.as_fd().as_raw_fd())
}

/// The size of the type that starts every message of a [`MessageSocket`].
const HEADER: usize = std::mem::size_of::<i64>();

/// Where [`MessageSocket::receive_into`] put a message: its type and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// The type it was sent with.
    pub mtype: i64,
    /// Its length, at the start of the buffer.
    pub len: usize,
}

/// A typed message that the caller owns and reuses, laid out as it travels
/// over a [`MessageSocket`]: the type (8 bytes), then the bytes, in one
/// buffer, as a C program's `struct` holds them. Sending it is one `send`,
/// receiving into it one `recv`: no gather, no scatter, no copy but the
/// kernel's ([`MessageSocket::send_buffer`], [`MessageSocket::receive_buffer`]).
#[derive(Clone)]
pub struct PacketBuffer {
    /// The type, then room for `capacity` bytes.
    bytes: Vec<u8>,
    /// The length of the message it holds.
    len: usize,
}

impl PacketBuffer {
    /// A buffer with room for a message of `capacity` bytes, holding an empty
    /// message of type 1. A capacity that cannot be allocated is the error
    /// `ENOMEM`, not an abort.
    pub fn new(capacity: usize) -> Result<PacketBuffer> {
        let mut bytes = Vec::new();
        let total = capacity.checked_add(HEADER).ok_or(Errno::ENOMEM);
        total
            .and_then(|total| {
                bytes.try_reserve_exact(total).map_err(|_| Errno::ENOMEM)?;
                bytes.resize(total, 0);
                Ok(())
            })
            .map_err(|e| {
                Error::os(
                    "allocate",
                    format!("a buffer of {capacity} bytes"),
                    e,
                )
            })?;
        bytes[..HEADER].copy_from_slice(&1i64.to_ne_bytes());
        Ok(PacketBuffer { bytes, len: 0 })
    }

    /// The room for a message, in bytes: the longest it can receive.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.bytes.len() - HEADER
    }

    /// The type of the message it holds.
    #[inline]
    pub fn mtype(&self) -> i64 {
        let mut header = [0u8; HEADER];
        header.copy_from_slice(&self.bytes[..HEADER]);
        i64::from_ne_bytes(header)
    }

    /// Changes the type of the message it holds (greater than 0 to be sent).
    #[inline]
    pub fn set_mtype(&mut self, mtype: i64) {
        self.bytes[..HEADER].copy_from_slice(&mtype.to_ne_bytes());
    }

    /// The bytes of the message it holds.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.bytes[HEADER..HEADER + self.len]
    }

    /// The bytes of the message it holds, to change in place.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[HEADER..HEADER + self.len]
    }

    /// Makes the message it holds `len` bytes long (what was there before
    /// stays; new room is zeroes or an earlier message's bytes), to be
    /// written in place with [`PacketBuffer::data_mut`]. `EMSGSIZE` beyond
    /// the capacity.
    pub fn set_len(&mut self, len: usize) -> Result<()> {
        if len > self.capacity() {
            return Err(Error::refused(
                "PacketBuffer::set_len",
                format!("a message of {len} bytes"),
                Errno::EMSGSIZE,
                format!("the buffer has room for {} bytes", self.capacity()),
            ));
        }
        self.len = len;
        Ok(())
    }

    /// Makes it hold a message of type `mtype` with the bytes of `data`,
    /// copied in; `EMSGSIZE` beyond the capacity.
    pub fn set(&mut self, mtype: i64, data: &[u8]) -> Result<()> {
        self.set_len(data.len())?;
        self.set_mtype(mtype);
        self.data_mut().copy_from_slice(data);
        Ok(())
    }
}

impl fmt::Debug for PacketBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketBuffer")
            .field("mtype", &self.mtype())
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// What [`MessageSocket::waiting`] counts: the messages sent to this end and not yet
/// received, and their bytes (without the types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// How many messages.
    pub messages: usize,
    /// How many bytes they hold.
    pub bytes: usize,
}

/// One end of a `SOCK_SEQPACKET` connection that carries typed messages and receives
/// them by type, as an XSI message queue does: the replacement for `msgsnd` and
/// `msgrcv` that the note recommends.
///
/// A message travels as one packet: its type (8 bytes) then its bytes. The selection
/// happens on the receiving side: a message that a type selection passes over is taken
/// off the socket (to reach the ones behind it) and kept, in order, in a *stash* this
/// handle owns, where later receives find it first. So:
///
/// - a receive that takes the next message ([`Select::Any`] with nothing stashed) is
///   one `recvmsg` into the caller's buffer, as in C: no allocation, no extra copy;
/// - a type selection first peeks at the next message's type and length, then takes
///   it into the caller's buffer if it is chosen, or into the stash if not (one more
///   copy for that message later); the stash reuses its buffers, so once it has held
///   as many messages as it will need, it allocates nothing more;
/// - `poll` on the descriptor sees only the socket: check [`MessageSocket::stashed`]
///   before waiting on it.
#[derive(Debug)]
pub struct MessageSocket {
    fd: OwnedFd,
    stash: VecDeque<(i64, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
}

/// What a peek at the socket found.
enum Peeked {
    /// A message of this type and length, next in line.
    Message { mtype: i64, len: usize },
    /// End-of-file: the peer closed the connection.
    Closed,
    /// Nothing yet (a peek that does not wait).
    Nothing,
}

/// Where the message a selection chooses is.
enum Chosen {
    /// In the stash, at this index.
    Stashed(usize),
    /// Next on the socket, with this type and length.
    Next { mtype: i64, len: usize },
    /// The peer closed the connection, and nothing waiting matches.
    Closed,
}

impl MessageSocket {
    /// `socketpair(AF_UNIX, SOCK_SEQPACKET)`: two connected ends.
    pub fn pair() -> Result<(MessageSocket, MessageSocket)> {
        let (a, b) = pair(Kind::SeqPacket)?;
        Ok((MessageSocket::wrap(a), MessageSocket::wrap(b)))
    }

    /// A connection to the [`Listener`] of kind [`Kind::SeqPacket`] at `address`.
    pub fn connect(address: &Address) -> Result<MessageSocket> {
        Ok(MessageSocket::wrap(connect(address, Kind::SeqPacket)?))
    }

    /// Takes a connected socket (from [`Listener::accept`], or inherited), which must
    /// be a `SOCK_SEQPACKET` socket: anything else is refused with `ESOCKTNOSUPPORT`.
    pub fn from_fd(fd: OwnedFd) -> Result<MessageSocket> {
        let kind = socket::getsockopt(&fd, sockopt::SockType)
            .map_err(|e| Error::os("getsockopt(SO_TYPE)", name(&fd), e))?;
        if kind != SockType::SeqPacket {
            return Err(Error::refused(
                "getsockopt(SO_TYPE)",
                name(&fd),
                Errno::ESOCKTNOSUPPORT,
                format!("a message socket is SOCK_SEQPACKET, not {kind:?}"),
            ));
        }
        Ok(MessageSocket::wrap(fd))
    }

    fn wrap(fd: OwnedFd) -> MessageSocket {
        MessageSocket {
            fd,
            stash: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// Sends `data` as a message of type `mtype` (greater than 0, as for `msgsnd`),
    /// waiting while the socket's send buffer is full. One `sendmsg` that gathers the
    /// type and `data` where they are: no allocation, no copy but the kernel's.
    pub fn send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_flags(mtype, data, MsgFlags::MSG_NOSIGNAL)
    }

    /// Sends the message in `buffer`, waiting while the socket's send buffer
    /// is full: one `send` of the type and the bytes where they lie, as a C
    /// program sends its `struct`. Cheaper than [`MessageSocket::send`] by
    /// the kernel's gathering of two pieces (a `sendmsg`).
    #[inline]
    pub fn send_buffer(&self, buffer: &PacketBuffer) -> Result<()> {
        let mtype = buffer.mtype();
        if mtype <= 0 {
            return Err(self.bad_type(mtype));
        }
        let packet = &buffer.bytes[..HEADER + buffer.len];
        match socket::send(self.fd.as_raw_fd(), packet, MsgFlags::MSG_NOSIGNAL)
        {
            Ok(sent) if sent == packet.len() => Ok(()),
            Ok(sent) => Err(self.short_send(mtype, sent, packet.len())),
            Err(e) => Err(Error::os("send", self.object(mtype), e)),
        }
    }

    /// Sends without waiting: a full send buffer is the error `EAGAIN`.
    pub fn try_send(&self, mtype: i64, data: &[u8]) -> Result<()> {
        self.send_flags(
            mtype,
            data,
            MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT,
        )
    }

    fn send_flags(
        &self,
        mtype: i64,
        data: &[u8],
        flags: MsgFlags,
    ) -> Result<()> {
        if mtype <= 0 {
            return Err(self.bad_type(mtype));
        }
        let header = mtype.to_ne_bytes();
        let iov = [IoSlice::new(&header), IoSlice::new(data)];
        let sent =
            socket::sendmsg::<()>(self.fd.as_raw_fd(), &iov, &[], flags, None)
                .map_err(|e| Error::os("sendmsg", self.object(mtype), e))?;
        if sent != HEADER + data.len() {
            return Err(self.short_send(mtype, sent, HEADER + data.len()));
        }
        Ok(())
    }

    #[cold]
    fn bad_type(&self, mtype: i64) -> Error {
        Error::refused(
            "sendmsg",
            self.object(mtype),
            Errno::EINVAL,
            format!("the message type must be greater than 0, not {mtype}"),
        )
    }

    #[cold]
    fn short_send(&self, mtype: i64, sent: usize, len: usize) -> Error {
        Error::unexpected(
            "sendmsg",
            self.object(mtype),
            format!("sent {sent} of {len} bytes"),
        )
    }

    /// Receives the message `select` chooses into `buffer`, waiting until
    /// one arrives; `None` once the peer has closed the connection and
    /// nothing waiting matches. The next message ([`Select::Any`] with
    /// nothing stashed) is one `recv` of the type and the bytes together, as
    /// in C; a selection by type peeks first, as
    /// [`MessageSocket::receive_into`] does. A message longer than the buffer
    /// is handled as there: `E2BIG` if it stays, an error that says so if a
    /// single `recv` cut it.
    #[inline]
    pub fn receive_buffer(
        &mut self,
        select: Select,
        buffer: &mut PacketBuffer,
    ) -> Result<Option<Received>> {
        if select != Select::Any || !self.stash.is_empty() {
            return self.receive_buffer_selected(select, buffer);
        }
        let capacity = buffer.capacity();
        let result = socket::recv(
            self.fd.as_raw_fd(),
            &mut buffer.bytes,
            MsgFlags::MSG_TRUNC,
        );
        // With MSG_TRUNC, a packet socket returns the packet's whole length.
        match result {
            Ok(0) => Ok(None),
            Ok(total) if total < HEADER => Err(self.malformed(total)),
            Ok(total) if total - HEADER > capacity => {
                Err(self.cut(buffer.mtype(), total - HEADER, capacity))
            }
            Ok(total) => {
                buffer.len = total - HEADER;
                Ok(Some(Received {
                    mtype: buffer.mtype(),
                    len: buffer.len,
                }))
            }
            Err(e) => Err(Error::os("recv", self.object(0), e)),
        }
    }

    /// [`MessageSocket::receive_buffer`] of anything but the next message.
    fn receive_buffer_selected(
        &mut self,
        select: Select,
        buffer: &mut PacketBuffer,
    ) -> Result<Option<Received>> {
        let capacity = buffer.capacity();
        let received =
            self.receive_into(select, &mut buffer.bytes[HEADER..])?;
        if let Some(got) = received {
            debug_assert!(got.len <= capacity);
            buffer.len = got.len;
            buffer.set_mtype(got.mtype);
        }
        Ok(received)
    }

    /// Receives the message `select` chooses into `buf`, waiting until one arrives;
    /// `None` once the peer has closed the connection and nothing waiting matches.
    ///
    /// A chosen message longer than `buf` is the error `E2BIG`, as for `msgrcv`, and
    /// stays where it was, except with [`Select::Any`] and an empty stash: that receive
    /// is a single `recvmsg`, which cuts a packet to fit, so the message is lost, and
    /// the error says so.
    pub fn receive_into(
        &mut self,
        select: Select,
        buf: &mut [u8],
    ) -> Result<Option<Received>> {
        self.receive_into_flags(select, buf, true)
    }

    /// Receives without waiting: when nothing waiting matches, the error `ENOMSG`, as
    /// `msgrcv` with `IPC_NOWAIT` gives.
    pub fn try_receive_into(
        &mut self,
        select: Select,
        buf: &mut [u8],
    ) -> Result<Option<Received>> {
        self.receive_into_flags(select, buf, false)
    }

    /// [`MessageSocket::receive_into`] a buffer it allocates, of the chosen message's
    /// length (at most `max_len`, else `E2BIG` and the message stays): convenient
    /// where a message's cost does not matter.
    pub fn receive(
        &mut self,
        select: Select,
        max_len: usize,
    ) -> Result<Option<Message>> {
        self.receive_flags(select, max_len, true)
    }

    /// [`MessageSocket::receive`] without waiting: `ENOMSG` when nothing matches.
    pub fn try_receive(
        &mut self,
        select: Select,
        max_len: usize,
    ) -> Result<Option<Message>> {
        self.receive_flags(select, max_len, false)
    }

    /// The messages sent to this end and not received yet. Moves every message waiting
    /// on the socket into the stash to count it (the order stays; they are received
    /// from there).
    pub fn waiting(&mut self) -> Result<Waiting> {
        self.stash_all_waiting()?;
        Ok(Waiting {
            messages: self.stash.len(),
            bytes: self.stash.iter().map(|(_, data)| data.len()).sum(),
        })
    }

    /// How many messages are in the stash: received from the socket and not yet taken.
    /// While there are any, `poll` on the descriptor may say nothing is waiting.
    pub fn stashed(&self) -> usize {
        self.stash.len()
    }

    fn receive_into_flags(
        &mut self,
        select: Select,
        buf: &mut [u8],
        wait: bool,
    ) -> Result<Option<Received>> {
        if select == Select::Any && self.stash.is_empty() {
            return self.receive_next_into(buf, wait);
        }
        match self.choose(select, wait)? {
            Chosen::Closed => Ok(None),
            Chosen::Stashed(index) => {
                let len = self.stash[index].1.len();
                if len > buf.len() {
                    return Err(self.too_big(select, len, buf.len()));
                }
                let (mtype, data) =
                    self.stash.remove(index).expect("index from the stash");
                buf[..len].copy_from_slice(&data);
                self.spare.push(data);
                Ok(Some(Received { mtype, len }))
            }
            Chosen::Next { len, .. } if len > buf.len() => {
                Err(self.too_big(select, len, buf.len()))
            }
            Chosen::Next { .. } => self.receive_next_into(buf, false),
        }
    }

    fn receive_flags(
        &mut self,
        select: Select,
        max_len: usize,
        wait: bool,
    ) -> Result<Option<Message>> {
        let (mtype, data) = match self.choose(select, wait)? {
            Chosen::Closed => return Ok(None),
            Chosen::Stashed(index) => {
                let len = self.stash[index].1.len();
                if len > max_len {
                    return Err(self.too_big(select, len, max_len));
                }
                self.stash.remove(index).expect("index from the stash")
            }
            Chosen::Next { mtype, len } => {
                if len > max_len {
                    return Err(self.too_big(select, len, max_len));
                }
                let mut data = vec![0; len];
                match self.receive_next_into(&mut data, false)? {
                    Some(_) => (mtype, data),
                    None => return Err(self.gone(mtype)),
                }
            }
        };
        Ok(Some(Message { mtype, data }))
    }

    /// Finds the message `select` chooses: in the stash, or next on the socket, moving
    /// the messages it passes over into the stash.
    fn choose(&mut self, select: Select, wait: bool) -> Result<Chosen> {
        if let Select::Type(t) | Select::LowestUpTo(t) | Select::Except(t) =
            select
        {
            if t <= 0 {
                return Err(Error::refused(
                    "recvmsg",
                    self.object(select.msgtyp()),
                    Errno::EINVAL,
                    format!(
                        "the selected type must be greater than 0, not {t}"
                    ),
                ));
            }
        }
        if let Select::LowestUpTo(_) = select {
            // The lowest type among *all* the messages waiting now.
            self.stash_all_waiting()?;
        }
        if let Some(index) = find(&self.stash, select) {
            return Ok(Chosen::Stashed(index));
        }
        loop {
            match self.peek(wait)? {
                Peeked::Closed => return Ok(Chosen::Closed),
                Peeked::Nothing => return Err(self.none_waiting()),
                Peeked::Message { mtype, len } if matches(select, mtype) => {
                    return Ok(Chosen::Next { mtype, len })
                }
                Peeked::Message { mtype, len } => {
                    self.stash_next(mtype, len)?
                }
            }
        }
    }

    /// One `recvmsg` of the next message, its type into a header and its bytes into
    /// `buf`.
    fn receive_next_into(
        &mut self,
        buf: &mut [u8],
        wait: bool,
    ) -> Result<Option<Received>> {
        let capacity = buf.len();
        let mut header = [0u8; HEADER];
        let mut flags = MsgFlags::MSG_TRUNC;
        if !wait {
            flags |= MsgFlags::MSG_DONTWAIT;
        }
        let result = {
            let mut iov = [IoSliceMut::new(&mut header), IoSliceMut::new(buf)];
            socket::recvmsg::<()>(self.fd.as_raw_fd(), &mut iov, None, flags)
                .map(|received| received.bytes)
        };
        // With MSG_TRUNC, a packet socket returns the packet's whole length.
        let total = match result {
            Ok(0) => return Ok(None),
            Ok(total) => total,
            Err(Errno::EAGAIN) if !wait => return Err(self.none_waiting()),
            Err(e) => return Err(Error::os("recvmsg", self.object(0), e)),
        };
        let mtype = i64::from_ne_bytes(header);
        if total < HEADER {
            return Err(self.malformed(total));
        }
        let len = total - HEADER;
        if len > capacity {
            return Err(self.cut(mtype, len, capacity));
        }
        Ok(Some(Received { mtype, len }))
    }

    /// `recvmsg(MSG_PEEK | MSG_TRUNC)` of the next message's type: its type and length,
    /// left on the socket. Builds no error for "nothing waiting", which is no error
    /// to [`MessageSocket::waiting`].
    fn peek(&self, wait: bool) -> Result<Peeked> {
        let mut header = [0u8; HEADER];
        let mut flags = MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC;
        if !wait {
            flags |= MsgFlags::MSG_DONTWAIT;
        }
        let result = {
            let mut iov = [IoSliceMut::new(&mut header)];
            socket::recvmsg::<()>(self.fd.as_raw_fd(), &mut iov, None, flags)
                .map(|received| received.bytes)
        };
        match result {
            Ok(0) => Ok(Peeked::Closed),
            Ok(total) if total < HEADER => Err(self.malformed(total)),
            Ok(total) => Ok(Peeked::Message {
                mtype: i64::from_ne_bytes(header),
                len: total - HEADER,
            }),
            Err(Errno::EAGAIN) if !wait => Ok(Peeked::Nothing),
            Err(e) => Err(Error::os("recvmsg", self.object(0), e)),
        }
    }

    /// Moves the next message, of type `mtype` and `len` bytes, into the stash.
    fn stash_next(&mut self, mtype: i64, len: usize) -> Result<()> {
        let mut data = self.spare.pop().unwrap_or_default();
        data.resize(len, 0);
        match self.receive_next_into(&mut data, false)? {
            Some(received) if received.mtype == mtype => {
                self.stash.push_back((mtype, data));
                Ok(())
            }
            _ => Err(self.gone(mtype)),
        }
    }

    /// A message seen by a peek and not there when taken: someone else took it.
    fn gone(&self, mtype: i64) -> Error {
        Error::unexpected(
            "recvmsg",
            self.object(mtype),
            "the message peeked at was gone: another reader shares the socket",
        )
    }

    /// Moves every message waiting on the socket now into the stash.
    fn stash_all_waiting(&mut self) -> Result<()> {
        loop {
            match self.peek(false)? {
                Peeked::Message { mtype, len } => {
                    self.stash_next(mtype, len)?
                }
                Peeked::Closed | Peeked::Nothing => return Ok(()),
            }
        }
    }

    fn object(&self, msgtyp: i64) -> String {
        format!("fd={}, type={msgtyp}", self.fd.as_raw_fd())
    }

    fn none_waiting(&self) -> Error {
        Error::refused(
            "recvmsg",
            self.object(0),
            Errno::ENOMSG,
            "no message of the selected type is waiting",
        )
    }

    fn too_big(&self, select: Select, len: usize, capacity: usize) -> Error {
        Error::refused(
            "recvmsg",
            self.object(select.msgtyp()),
            Errno::E2BIG,
            format!(
                "the message has {len} bytes, the buffer {capacity}; it stays"
            ),
        )
    }

    #[cold]
    fn cut(&self, mtype: i64, len: usize, capacity: usize) -> Error {
        Error::unexpected(
            "recvmsg",
            self.object(mtype),
            format!(
                "a message of {len} bytes was cut to the buffer's {capacity}: \
                 the rest is lost"
            ),
        )
    }

    #[cold]
    fn malformed(&self, total: usize) -> Error {
        Error::unexpected(
            "recvmsg",
            self.object(0),
            format!("a packet of {total} bytes is too short to hold a type"),
        )
    }
}

/// The index of the message `select` chooses among `stash`, as `msgrcv` would choose
/// among a queue's messages: the oldest, the oldest of type t, the oldest of any type
/// but t, or the oldest of the lowest type up to t.
fn find(stash: &VecDeque<(i64, Vec<u8>)>, select: Select) -> Option<usize> {
    match select {
        Select::Any => (!stash.is_empty()).then_some(0),
        Select::Type(t) => stash.iter().position(|(mtype, _)| *mtype == t),
        Select::Except(t) => stash.iter().position(|(mtype, _)| *mtype != t),
        Select::LowestUpTo(t) => stash
            .iter()
            .enumerate()
            .filter(|(_, (mtype, _))| *mtype <= t)
            // min_by_key keeps the first of equal keys: the oldest.
            .min_by_key(|(_, (mtype, _))| *mtype)
            .map(|(index, _)| index),
    }
}

/// Whether a message of type `mtype` arriving now is the one `select` takes, given that
/// nothing in the stash was.
fn matches(select: Select, mtype: i64) -> bool {
    match select {
        Select::Any => true,
        Select::Type(t) => mtype == t,
        Select::Except(t) => mtype != t,
        Select::LowestUpTo(t) => mtype <= t,
    }
}

impl AsFd for MessageSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl From<MessageSocket> for OwnedFd {
    /// The descriptor, to hand to a child process; the stash must be empty, since its
    /// messages would be lost.
    fn from(socket: MessageSocket) -> OwnedFd {
        debug_assert!(socket.stash.is_empty(), "stashed messages dropped");
        socket.fd
    }
}

/// `send(2)` and `recv(2)` as a C program calls them: one call, C's return value, no
/// check. This is the baseline that the measurement chapter compares
/// [`MessageSocket`] against: a C program sends a typed message over a
/// `SOCK_SEQPACKET` socket as one struct (the type, then the bytes) with `send`, and
/// receives it with `recv` into the same struct. Programs use [`MessageSocket`].
pub mod raw {
    use std::os::fd::RawFd;

    use libc::{c_int, ssize_t};

    /// `send(fd, buf, buf.len(), flags)`.
    pub fn send(fd: RawFd, buf: &[u8], flags: c_int) -> ssize_t {
        // SAFETY: `buf` is readable for `buf.len()` bytes during the call, which is
        // all the kernel reads.
        unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), flags) }
    }

    /// `recv(fd, buf, buf.len(), flags)`.
    pub fn recv(fd: RawFd, buf: &mut [u8], flags: c_int) -> ssize_t {
        // SAFETY: `buf` is writable for `buf.len()` bytes during the call, which is
        // all the kernel writes.
        unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw calls carry what a message socket carries: the type, then the
    /// bytes, in one packet.
    #[test]
    fn raw_packets_are_typed_messages() {
        let (a, b) = MessageSocket::pair().unwrap();
        let mut packet = 7i64.to_ne_bytes().to_vec();
        packet.extend_from_slice(b"hello");
        let sent = raw::send(a.as_fd().as_raw_fd(), &packet, 0);
        assert_eq!(sent, 13);
        let mut b = b;
        let mut buf = [0u8; 16];
        let got = b.receive_into(Select::Any, &mut buf).unwrap().unwrap();
        assert_eq!((got.mtype, &buf[..got.len]), (7, &b"hello"[..]));
        a.send(9, b"bye").unwrap();
        let mut raw_buf = [0u8; 16];
        let n = raw::recv(b.as_fd().as_raw_fd(), &mut raw_buf, 0);
        assert_eq!(n, 11);
        assert_eq!(i64::from_ne_bytes(raw_buf[..8].try_into().unwrap()), 9);
        assert_eq!(&raw_buf[8..11], b"bye");
    }

    /// The buffer forms carry what the other forms carry, and select alike.
    #[test]
    fn a_packet_buffer_travels_as_one_struct() {
        let (mut a, mut b) = MessageSocket::pair().unwrap();
        let mut out = PacketBuffer::new(16).unwrap();
        out.set(7, b"hello").unwrap();
        a.send_buffer(&out).unwrap();
        let mut raw_buf = [0u8; 32];
        assert_eq!(raw::recv(b.as_fd().as_raw_fd(), &mut raw_buf, 0), 13);
        assert_eq!(&raw_buf[..8], &7i64.to_ne_bytes());
        assert_eq!(&raw_buf[8..13], b"hello");

        let mut inn = PacketBuffer::new(16).unwrap();
        a.send(3, b"three").unwrap();
        a.send_buffer(&out).unwrap();
        let got = b.receive_buffer(Select::Type(7), &mut inn).unwrap();
        assert_eq!(got, Some(Received { mtype: 7, len: 5 }));
        assert_eq!((inn.mtype(), inn.data()), (7, &b"hello"[..]));
        let got = b.receive_buffer(Select::Any, &mut inn).unwrap();
        assert_eq!(got, Some(Received { mtype: 3, len: 5 }));
        assert_eq!(inn.data(), b"three");

        inn.data_mut().copy_from_slice(b"again");
        inn.set_mtype(4);
        b.send_buffer(&inn).unwrap();
        let message = a.receive(Select::Any, 16).unwrap().unwrap();
        assert_eq!((message.mtype, message.data), (4, b"again".to_vec()));
    }

    #[test]
    fn a_packet_buffer_refuses_what_does_not_fit() {
        let (a, mut b) = MessageSocket::pair().unwrap();
        let mut small = PacketBuffer::new(4).unwrap();
        let err = small.set(1, b"too long").unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EMSGSIZE));
        small.set_mtype(0);
        let err = a.send_buffer(&small).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        a.send(1, b"too long").unwrap();
        let err = b.receive_buffer(Select::Any, &mut small).unwrap_err();
        assert!(err.to_string().contains("the rest is lost"), "{err}");
        a.send(2, b"also too long").unwrap();
        let err = b.receive_buffer(Select::Type(2), &mut small).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::E2BIG));
        drop(a);
        let mut big = PacketBuffer::new(64).unwrap();
        let got = b.receive_buffer(Select::Any, &mut big).unwrap().unwrap();
        assert_eq!(big.data(), &b"also too long"[..got.len]);
        assert_eq!(b.receive_buffer(Select::Any, &mut big).unwrap(), None);
        let err = PacketBuffer::new(usize::MAX).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOMEM));
    }

    #[test]
    fn typed_messages_are_selected_as_msgrcv_selects() {
        let (sender, mut receiver) = MessageSocket::pair().unwrap();
        for (mtype, text) in [(3, "c1"), (1, "a1"), (2, "b1"), (1, "a2")] {
            sender.send(mtype, text.as_bytes()).unwrap();
        }
        let mut take = |select| {
            let message = receiver.receive(select, 16).unwrap().unwrap();
            String::from_utf8(message.data).unwrap()
        };
        assert_eq!(take(Select::Type(2)), "b1");
        assert_eq!(take(Select::LowestUpTo(3)), "a1");
        assert_eq!(take(Select::Except(3)), "a2");
        assert_eq!(take(Select::Any), "c1");
    }

    #[test]
    fn nothing_matching_is_enomsg_and_a_closed_peer_is_none() {
        let (sender, mut receiver) = MessageSocket::pair().unwrap();
        let err = receiver.try_receive(Select::Any, 8).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOMSG));
        sender.send(5, b"x").unwrap();
        let err = receiver.try_receive(Select::Type(4), 8).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOMSG));
        assert_eq!(receiver.stashed(), 1);
        drop(sender);
        assert_eq!(receiver.receive(Select::Type(4), 8).unwrap(), None);
        let message = receiver.receive(Select::Any, 8).unwrap().unwrap();
        assert_eq!((message.mtype, message.data), (5, b"x".to_vec()));
        assert_eq!(receiver.receive(Select::Any, 8).unwrap(), None);
    }

    #[test]
    fn bad_types_are_refused_with_einval() {
        let (sender, mut receiver) = MessageSocket::pair().unwrap();
        assert_eq!(
            sender.send(0, b"x").unwrap_err().errno(),
            Some(Errno::EINVAL)
        );
        let err = receiver.try_receive(Select::Type(-1), 8).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }

    #[test]
    fn a_selected_message_too_long_stays_and_an_any_message_is_cut() {
        let (sender, mut receiver) = MessageSocket::pair().unwrap();
        sender.send(1, b"0123456789").unwrap();
        let mut small = [0u8; 4];
        let err = receiver
            .receive_into(Select::Type(1), &mut small)
            .unwrap_err();
        assert_eq!(err.errno(), Some(Errno::E2BIG));
        let err = receiver.receive_into(Select::Any, &mut small).unwrap_err();
        assert_eq!(err.errno(), None);
        assert!(err.to_string().contains("the rest is lost"), "{err}");
        assert!(receiver.try_receive(Select::Any, 64).is_err());
    }

    #[test]
    fn waiting_counts_bytes_and_messages_without_losing_order() {
        let (sender, mut receiver) = MessageSocket::pair().unwrap();
        sender.send(2, b"abc").unwrap();
        sender.send(1, b"de").unwrap();
        let waiting = receiver.waiting().unwrap();
        assert_eq!(
            waiting,
            Waiting {
                messages: 2,
                bytes: 5
            }
        );
        let first = receiver.receive(Select::Any, 8).unwrap().unwrap();
        assert_eq!(first.data, b"abc");
    }

    #[test]
    fn only_seqpacket_sockets_carry_typed_messages() {
        let (stream, _) = pair(Kind::Stream).unwrap();
        let err = MessageSocket::from_fd(stream).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ESOCKTNOSUPPORT));
    }

    /// Why `send_fds` refuses to send no data: a stream socket would send
    /// nothing, and the descriptor would never arrive.
    #[test]
    fn a_stream_drops_descriptors_sent_without_data() {
        let (a, b) = pair(Kind::Stream).unwrap();
        let (pipe, _) = nix::unistd::pipe().unwrap();
        let fds = [pipe.as_raw_fd()];
        let rights = [ControlMessage::ScmRights(&fds)];
        let sent = socket::sendmsg::<()>(
            a.as_raw_fd(),
            &[IoSlice::new(b"")],
            &rights,
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        assert_eq!(sent, 0);
        crate::pipe::PipeEnd::set_nonblocking(&b, true).unwrap();
        let err = b.receive_fds(&mut [0u8; 1]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN)); // nothing came
        let err = a.send_fds(b"", &[pipe.as_fd()]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }

    fn close_on_exec(fd: BorrowedFd<'_>) -> bool {
        let flags =
            nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).unwrap();
        nix::fcntl::FdFlag::from_bits_truncate(flags)
            .contains(nix::fcntl::FdFlag::FD_CLOEXEC)
    }

    /// A child started with exec inherits no socket and no received descriptor
    /// by accident.
    #[test]
    fn sockets_and_received_descriptors_are_close_on_exec() {
        let (a, b) = pair(Kind::SeqPacket).unwrap();
        assert!(close_on_exec(a.as_fd()) && close_on_exec(b.as_fd()));
        let address = Address::unique_abstract("test");
        let listener = Listener::bind(address.clone(), Kind::Stream).unwrap();
        let client = connect(&address, Kind::Stream).unwrap();
        let accepted = listener.accept().unwrap();
        assert!(
            close_on_exec(client.as_fd()) && close_on_exec(accepted.as_fd())
        );
        let (pipe, _) = nix::unistd::pipe().unwrap();
        nix::fcntl::fcntl(
            pipe.as_fd(),
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        )
        .unwrap();
        assert!(!close_on_exec(pipe.as_fd()));
        a.send_fds(b"x", &[pipe.as_fd()]).unwrap();
        let (_, fds) = b.receive_fds(&mut [0u8; 1]).unwrap();
        assert!(close_on_exec(fds[0].as_fd()));
    }

    #[test]
    fn an_empty_name_is_refused() {
        for address in
            [Address::Path(PathBuf::new()), Address::Abstract(vec![])]
        {
            let err =
                Listener::bind(address.clone(), Kind::Stream).unwrap_err();
            assert_eq!(err.errno(), Some(Errno::EINVAL));
            let err = connect(&address, Kind::Stream).unwrap_err();
            assert_eq!(err.errno(), Some(Errno::EINVAL));
        }
    }

    #[test]
    fn the_peer_of_a_pair_is_this_process() {
        let (a, _b) = pair(Kind::Stream).unwrap();
        let cred = a.peer_credentials().unwrap();
        assert_eq!(cred.pid, std::process::id() as i32);
        assert_eq!(cred.uid, nix::unistd::geteuid().as_raw());
    }
}
