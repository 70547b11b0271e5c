//! Pipes: `pipe(2)`, and the properties of either end that the C API exposes.
//!
//! The standard library already creates pipes well: [`std::io::pipe`] (Rust 1.87) returns a
//! [`PipeReader`] and a [`PipeWriter`] that own their descriptors, implement `Read` and
//! `Write`, are close-on-exec, and can become a child's stdin or stdout. This module does not
//! wrap them again. It adds what the C chapter relies on and std does not offer:
//!
//! | C                                  | here                                   |
//! |------------------------------------|----------------------------------------|
//! | `pipe(fd)`                         | [`Pipe::new`]                          |
//! | `fpathconf(fd, _PC_PIPE_BUF)`      | [`PipeEnd::pipe_buf`]                  |
//! | `fstat(fd, &st); S_ISFIFO(st.st_mode)` | [`PipeEnd::is_fifo`]               |
//! | `fcntl(fd, F_GETPIPE_SZ)` (Linux)  | [`PipeEnd::capacity`]                  |
//! | `fcntl(fd, F_SETPIPE_SZ, n)` (Linux) | [`PipeEnd::set_capacity`]            |
//! | `fcntl(fd, F_SETFL, O_NONBLOCK)`   | [`PipeEnd::set_nonblocking`]           |
//! | one `write(fd, buf, n)`            | [`PipeEnd::write_once`]                |
//! | one `write` of at most `PIPE_BUF`  | [`PipeEnd::write_atomic`]              |
//! | bare `read(fd, ...)`, `write(fd, ...)` | [`raw`], for measuring against     |
//!
//! [`PipeEnd`] is implemented for every [`AsFd`] type, so it applies equally to a FIFO opened
//! as a [`std::fs::File`].
//!
//! Man pages: pipe(2), pipe(7), fpathconf(3), fstat(2), fcntl(2), write(2).

use std::io::{PipeReader, PipeWriter};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::stat::{fstat, SFlag};
use nix::unistd::{fpathconf, PathconfVar};

use crate::error::{Error, Result};

/// Both ends of a new pipe: bytes written to `writer` come out of `reader`, in order.
///
/// Each end closes its descriptor when dropped. Dropping the last `writer` gives the reader
/// end-of-file; dropping the last `reader` makes writes fail with `EPIPE`.
#[derive(Debug)]
pub struct Pipe {
    /// The read end, `fd[0]` in C.
    pub reader: PipeReader,
    /// The write end, `fd[1]` in C.
    pub writer: PipeWriter,
}

impl Pipe {
    /// Creates a pipe with `pipe2(O_CLOEXEC)`, through [`std::io::pipe`].
    ///
    /// Close-on-exec means a child started with [`std::process::Command`] inherits only the
    /// ends it is explicitly given (as its stdin or stdout), never a stray copy of the write
    /// end that would keep its reads from ever seeing end-of-file.
    pub fn new() -> Result<Pipe> {
        let (reader, writer) =
            std::io::pipe().map_err(|e| Error::from_io("pipe", "pipe", e))?;
        Ok(Pipe { reader, writer })
    }
}

/// What C asks of a pipe's (or FIFO's) descriptor, for any type that owns or borrows one.
pub trait PipeEnd: AsFd {
    /// `fpathconf(fd, _PC_PIPE_BUF)`: the largest write the kernel promises not to interleave
    /// with other writers' data. POSIX requires at least 512; Linux reports 4096.
    fn pipe_buf(&self) -> Result<usize> {
        match fpathconf(self.as_fd(), PathconfVar::PIPE_BUF) {
            Ok(Some(limit)) => usize::try_from(limit).map_err(|_| {
                Error::unexpected(
                    "fpathconf",
                    name_of(self.as_fd()),
                    "negative PIPE_BUF",
                )
            }),
            Ok(None) => Err(Error::unexpected(
                "fpathconf",
                name_of(self.as_fd()),
                "the system reports no PIPE_BUF limit",
            )),
            Err(errno) => {
                Err(Error::os("fpathconf", name_of(self.as_fd()), errno))
            }
        }
    }

    /// `fstat` then `S_ISFIFO`: true for both ends of a pipe and for an opened FIFO, which
    /// is the kernel's way of saying that a pipe is an unnamed FIFO.
    fn is_fifo(&self) -> Result<bool> {
        let stat = fstat(self.as_fd())
            .map_err(|e| Error::os("fstat", name_of(self.as_fd()), e))?;
        Ok(SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT
            == SFlag::S_IFIFO)
    }

    /// `fcntl(fd, F_GETPIPE_SZ)`: how many bytes the pipe holds before a writer blocks.
    /// Linux only; 65536 by default (sixteen 4 KiB pages).
    fn capacity(&self) -> Result<usize> {
        let size =
            fcntl(self.as_fd(), FcntlArg::F_GETPIPE_SZ).map_err(|e| {
                Error::os("fcntl(F_GETPIPE_SZ)", name_of(self.as_fd()), e)
            })?;
        usize::try_from(size).map_err(|_| {
            Error::unexpected("fcntl", name_of(self.as_fd()), "negative size")
        })
    }

    /// `fcntl(fd, F_SETPIPE_SZ, bytes)`: lets the pipe hold at least `bytes` before a
    /// writer blocks, and returns what the kernel chose (`bytes` rounded up to a power
    /// of two pages). Linux only. An unprivileged process may ask for up to
    /// `/proc/sys/fs/pipe-max-size` (1 MiB by default), else `EPERM`; a size below
    /// what the pipe holds now is `EBUSY`.
    fn set_capacity(&self, bytes: usize) -> Result<usize> {
        let asked = libc::c_int::try_from(bytes).map_err(|_| {
            Error::refused(
                "fcntl(F_SETPIPE_SZ)",
                name_of(self.as_fd()),
                nix::errno::Errno::EINVAL,
                format!("{bytes} bytes do not fit an int"),
            )
        })?;
        let size = fcntl(self.as_fd(), FcntlArg::F_SETPIPE_SZ(asked)).map_err(
            |e| Error::os("fcntl(F_SETPIPE_SZ)", name_of(self.as_fd()), e),
        )?;
        usize::try_from(size).map_err(|_| {
            Error::unexpected("fcntl", name_of(self.as_fd()), "negative size")
        })
    }

    /// Sets or clears `O_NONBLOCK`. A non-blocking read of an empty pipe, or write to a full
    /// one, fails with `EAGAIN` instead of waiting.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        let flags = fcntl(self.as_fd(), FcntlArg::F_GETFL).map_err(|e| {
            Error::os("fcntl(F_GETFL)", name_of(self.as_fd()), e)
        })?;
        let mut flags = OFlag::from_bits_truncate(flags);
        flags.set(OFlag::O_NONBLOCK, nonblocking);
        fcntl(self.as_fd(), FcntlArg::F_SETFL(flags)).map_err(|e| {
            Error::os("fcntl(F_SETFL)", name_of(self.as_fd()), e)
        })?;
        Ok(())
    }

    /// Exactly one `write(2)`, returning how many bytes the kernel took.
    ///
    /// Unlike [`std::io::Write::write_all`], which loops until everything is written, this
    /// shows what a single call does: on a non-blocking pipe, a write larger than `PIPE_BUF`
    /// may be *short*, and the rest, written later, may land after other writers' bytes.
    fn write_once(&self, bytes: &[u8]) -> Result<usize> {
        nix::unistd::write(self.as_fd(), bytes)
            .map_err(|e| Error::os("write", name_of(self.as_fd()), e))
    }

    /// Writes `message` as one record that no other writer's bytes can split: one
    /// `write(2)` of at most `PIPE_BUF` bytes.
    ///
    /// Longer messages are refused before any call, because the kernel would not keep them
    /// whole. A blocking write of at most `PIPE_BUF` bytes is never short; if the kernel
    /// ever returned a short count anyway, that is reported as an error rather than hidden.
    fn write_atomic(&self, message: &[u8]) -> Result<()> {
        let limit = self.pipe_buf()?;
        if message.len() > limit {
            return Err(Error::invalid(
                "write",
                name_of(self.as_fd()),
                format!(
                    "{} bytes cannot be written atomically: PIPE_BUF is {limit}",
                    message.len()
                ),
            ));
        }
        let written = self.write_once(message)?;
        if written != message.len() {
            return Err(Error::unexpected(
                "write",
                name_of(self.as_fd()),
                format!("short write of {written} of {} bytes", message.len()),
            ));
        }
        Ok(())
    }
}

impl<T: AsFd + ?Sized> PipeEnd for T {}

/// What an error on `fd` names as its object: `pipe` for an end of a pipe, the path
/// for a FIFO (or anything else with a name), as `/proc/self/fd/N` shows them. Only
/// called on the error path, so the success path formats nothing.
fn name_of(fd: BorrowedFd<'_>) -> String {
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    match std::fs::read_link(&link) {
        Ok(target) if target.to_string_lossy().starts_with("pipe:") => {
            "pipe".to_string()
        }
        Ok(target) => target.display().to_string(),
        Err(_) => format!("fd {}", fd.as_raw_fd()),
    }
}

/// `read(2)` and `write(2)` as a C program calls them: one call, C's return value (the
/// byte count, or `-1` with `errno` set), no check and no retry. This is the baseline
/// that the measurement chapter compares `std`'s pipe ends, FIFOs and stream sockets
/// against (they make these same calls); programs use [`Pipe`] and the std types.
pub mod raw {
    use std::os::fd::RawFd;

    use libc::ssize_t;

    /// `read(fd, buf, buf.len())`.
    pub fn read(fd: RawFd, buf: &mut [u8]) -> ssize_t {
        // SAFETY: `buf` is writable for `buf.len()` bytes during the call, which is
        // all the kernel writes. A bad descriptor is the error EBADF, not undefined
        // behaviour.
        unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }
    }

    /// `write(fd, buf, buf.len())`.
    pub fn write(fd: RawFd, buf: &[u8]) -> ssize_t {
        // SAFETY: `buf` is readable for `buf.len()` bytes during the call, which is
        // all the kernel reads.
        unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn bytes_come_out_in_order_then_eof() {
        let Pipe {
            mut reader,
            mut writer,
        } = Pipe::new().unwrap();
        writer.write_all(b"hello,world").unwrap();
        drop(writer);
        let mut got = String::new();
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hello,world");
    }

    #[test]
    fn both_ends_are_fifos() {
        let pipe = Pipe::new().unwrap();
        assert!(pipe.reader.is_fifo().unwrap());
        assert!(pipe.writer.is_fifo().unwrap());
        let file = std::fs::File::open("Cargo.toml").unwrap();
        assert!(!file.is_fifo().unwrap());
    }

    #[test]
    fn errors_name_a_pipe_as_pipe_and_anything_else_by_its_path() {
        let pipe = Pipe::new().unwrap();
        assert_eq!(name_of(pipe.writer.as_fd()), "pipe");
        let file = std::fs::File::open("Cargo.toml").unwrap();
        let path = std::fs::canonicalize("Cargo.toml").unwrap();
        let err = file.capacity().unwrap_err(); // not a pipe: EBADF
        assert_eq!(
            err.to_string(),
            format!(
                "fcntl(F_GETPIPE_SZ)({}): Bad file descriptor (EBADF)",
                path.display()
            )
        );
    }

    #[test]
    fn capacity_can_be_raised_and_raw_calls_move_bytes() {
        let pipe = Pipe::new().unwrap();
        let got = pipe.writer.set_capacity(256 * 1024).unwrap();
        assert_eq!(got, 256 * 1024);
        assert_eq!(pipe.reader.capacity().unwrap(), got);
        assert_eq!(raw::write(pipe.writer.as_raw_fd(), b"hello"), 5);
        let mut buf = [0u8; 8];
        assert_eq!(raw::read(pipe.reader.as_raw_fd(), &mut buf), 5);
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(raw::write(-1, b"x"), -1);
        assert_eq!(nix::errno::Errno::last(), nix::errno::Errno::EBADF);
    }

    #[test]
    fn write_atomic_refuses_more_than_pipe_buf_without_writing() {
        let pipe = Pipe::new().unwrap();
        let limit = pipe.writer.pipe_buf().unwrap();
        let err = pipe.writer.write_atomic(&vec![0; limit + 1]).unwrap_err();
        assert_eq!(err.errno(), None);
        assert_eq!(
            err.to_string(),
            format!(
                "write(pipe): {} bytes cannot be written atomically: PIPE_BUF is {limit}",
                limit + 1
            )
        );
        pipe.reader.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1];
        let nothing = (&pipe.reader).read(&mut buf).unwrap_err();
        assert_eq!(nothing.kind(), std::io::ErrorKind::WouldBlock);
    }
}
