//! FIFOs (named pipes): `mkfifo(3)`, and opening one for reading or writing.
//!
//! A FIFO is a pipe with a name in the file system, so processes that share no ancestor
//! can find it. Opened, it is a pipe in every respect: the ends are the std types
//! [`PipeReader`] and [`PipeWriter`], and [`PipeEnd`](crate::pipe::PipeEnd) gives them
//! `PIPE_BUF`, `S_ISFIFO`, `O_NONBLOCK` and atomic writes, as for a pipe.
//!
//! | C                                          | here                                  |
//! |--------------------------------------------|---------------------------------------|
//! | `mkfifo(path, 0600)`                       | [`Fifo::create`]                      |
//! | `unlink(path)` at the end                  | dropping the [`Fifo`]                 |
//! | `open(path, O_RDONLY)`                     | [`open_reader`]`(path, Open::Blocking)` |
//! | `open(path, O_RDONLY \| O_NONBLOCK)`       | [`open_reader`]`(path, Open::NonBlocking)` |
//! | `open(path, O_WRONLY)`, with `O_NONBLOCK`  | [`open_writer`]                       |
//! | `stat(path, &st); S_ISFIFO(st.st_mode)`    | [`is_fifo`]                           |
//!
//! The open rules, which pipe(7) and fifo(7) describe and the book demonstrates:
//!
//! - A blocking open for reading waits until some process opens the FIFO for writing, and
//!   a blocking open for writing waits for a reader.
//! - A non-blocking open for reading succeeds at once; a non-blocking open for writing
//!   fails with `ENXIO` while no process has the FIFO open for reading.
//!
//! A descriptor opened with `O_NONBLOCK` stays non-blocking for reads and writes; clear the
//! flag with [`PipeEnd::set_nonblocking`](crate::pipe::PipeEnd::set_nonblocking).
//!
//! Man pages: mkfifo(3), fifo(7), pipe(7), open(2), stat(2), unlink(2).

use std::fs::OpenOptions;
use std::io::{PipeReader, PipeWriter};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::sys::stat::Mode;

use crate::error::{Context, Error, Result};

/// Whether an open may wait for the other side to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Wait until the FIFO has a process at the other end.
    Blocking,
    /// `O_NONBLOCK`: never wait, in `open` or in any later read or write.
    NonBlocking,
}

/// A FIFO this process created; dropping it removes the name from the file system.
///
/// Removing the name does not disturb processes that have the FIFO open: like any file,
/// it lives on, nameless, until the last descriptor is closed.
#[derive(Debug)]
pub struct Fifo {
    /// Empty once the caller has taken the path with [`Fifo::keep`].
    path: PathBuf,
}

impl Fifo {
    /// `mkfifo(path, 0600)`: a FIFO that only its owner can open. Fails with `EEXIST` if
    /// anything already has that name, so a stale FIFO is never silently reused.
    pub fn create(path: impl Into<PathBuf>) -> Result<Fifo> {
        Fifo::create_with_mode(path, 0o600)
    }

    /// `mkfifo(path, mode)`. The process umask still clears bits of `mode`, as for any
    /// newly created file.
    fn create_with_mode(path: impl Into<PathBuf>, mode: u32) -> Result<Fifo> {
        let path = path.into();
        let bits = Mode::from_bits(mode as libc::mode_t).ok_or_else(|| {
            Error::invalid(
                "mkfifo",
                path.display().to_string(),
                format!("{mode:#o} is not a set of permission bits"),
            )
        })?;
        nix::unistd::mkfifo(&path, bits).map_err(|errno| {
            Error::os("mkfifo", path.display().to_string(), errno)
        })?;
        Ok(Fifo { path })
    }

    /// The FIFO's path, as given to [`Fifo::create`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the read end: [`open_reader`] on this FIFO's path.
    pub fn open_reader(&self, open: Open) -> Result<PipeReader> {
        open_reader(&self.path, open)
    }

    /// Opens the write end: [`open_writer`] on this FIFO's path.
    pub fn open_writer(&self, open: Open) -> Result<PipeWriter> {
        open_writer(&self.path, open)
    }

    /// Leaves the FIFO in the file system and returns its path: the caller now removes it.
    pub fn keep(mut self) -> PathBuf {
        std::mem::take(&mut self.path)
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            // A destructor cannot report; the name is gone either way unless someone
            // replaced it, and then it is not ours to remove.
            let _ = nix::unistd::unlink(&self.path);
        }
    }
}

/// `open(path, O_RDONLY)`, plus `O_NONBLOCK` for [`Open::NonBlocking`].
///
/// Blocking, it returns once a process has opened the FIFO for writing. Non-blocking, it
/// returns at once; until a writer arrives, a read then reports end-of-file (0), not
/// `EAGAIN`.
pub fn open_reader(path: &Path, open: Open) -> Result<PipeReader> {
    let fd = open_fd(path, open, OpenOptions::new().read(true))?;
    Ok(PipeReader::from(fd))
}

/// `open(path, O_WRONLY)`, plus `O_NONBLOCK` for [`Open::NonBlocking`].
///
/// Blocking, it returns once a process has opened the FIFO for reading. Non-blocking, it
/// fails with `ENXIO` if no process has.
pub fn open_writer(path: &Path, open: Open) -> Result<PipeWriter> {
    let fd = open_fd(path, open, OpenOptions::new().write(true))?;
    Ok(PipeWriter::from(fd))
}

fn open_fd(
    path: &Path,
    open: Open,
    options: &mut OpenOptions,
) -> Result<OwnedFd> {
    if open == Open::NonBlocking {
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .context("open", path.display().to_string())?;
    // Opening a regular file by mistake would succeed and then behave nothing like a pipe.
    let kind = file
        .metadata()
        .context("fstat", path.display().to_string())?
        .file_type();
    if !kind.is_fifo() {
        return Err(Error::unexpected(
            "open",
            path.display().to_string(),
            "not a FIFO",
        ));
    }
    Ok(OwnedFd::from(file))
}

/// `stat(path)` and `S_ISFIFO`: whether `path` names a FIFO. Unlike opening it, this
/// never waits for another process.
pub fn is_fifo(path: &Path) -> Result<bool> {
    let metadata =
        std::fs::metadata(path).context("stat", path.display().to_string())?;
    Ok(metadata.file_type().is_fifo())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::PipeEnd;
    use nix::errno::Errno;
    use std::io::{Read, Write};

    #[test]
    fn create_open_both_ends_and_unlink_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
        assert!(is_fifo(fifo.path()).unwrap());

        let mut reader = fifo.open_reader(Open::NonBlocking).unwrap();
        let mut writer = fifo.open_writer(Open::NonBlocking).unwrap();
        assert!(reader.is_fifo().unwrap() && writer.is_fifo().unwrap());
        writer.write_all(b"hello,world").unwrap();
        drop(writer);
        let mut got = String::new();
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hello,world");

        let path = fifo.path().to_path_buf();
        drop(fifo);
        assert!(!path.exists());
    }

    #[test]
    fn create_refuses_an_existing_name_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken");
        std::fs::write(&path, b"data").unwrap();
        let err = Fifo::create(&path).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EEXIST));
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
    }

    #[test]
    fn permissions_default_to_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
        let mode = std::fs::metadata(fifo.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn opening_a_regular_file_as_a_fifo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain");
        std::fs::write(&path, b"").unwrap();
        let err = open_reader(&path, Open::Blocking).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("open({}): not a FIFO", path.display())
        );
        assert!(!is_fifo(&path).unwrap());
    }

    #[test]
    fn keep_leaves_the_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let path = Fifo::create(dir.path().join("fifo")).unwrap().keep();
        assert!(is_fifo(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
    }
}
