//! Shared memory with `mmap(2)`: pages that several processes see at once,
//! reached by inheriting them through `fork`, or by mapping the same file.
//!
//! | C                                                              | here                          |
//! |----------------------------------------------------------------|-------------------------------|
//! | `fd = open("/dev/zero", O_RDWR); mmap(0, n, RW, MAP_SHARED, fd, 0); close(fd)` | [`Mapping::dev_zero`] |
//! | `mmap(0, n, RW, MAP_SHARED \| MAP_ANONYMOUS, -1, 0)`            | [`Mapping::anonymous`]        |
//! | `mmap(0, n, RW, MAP_PRIVATE \| MAP_ANONYMOUS, -1, 0)`           | [`Mapping::private_anonymous`] |
//! | `mmap(0, n, RW, MAP_SHARED, fd, 0)` of a file                   | [`Mapping::file`]             |
//! | `memfd_create(name, MFD_CLOEXEC)`, `ftruncate(fd, n)`           | [`memfd`]                     |
//! | `strcpy(addr + off, s)`, `memcpy(buf, addr + off, n)`           | [`Mapping::write`], [`Mapping::read`] |
//! | `addr[i]`                                                      | [`Mapping::bytes`]            |
//! | `msync(addr, n, MS_SYNC)`                                      | [`Mapping::sync`]             |
//! | `munmap(addr, n)`                                              | dropping the [`Mapping`]      |
//! | a ring signalled with `futex(2)`, or spinning; a futex ping-pong | [`raw`], for measuring against |
//!
//! # Safe access to memory other processes write
//!
//! Other processes may write a shared mapping at any moment, which Rust's
//! rules do not allow for memory behind a `&[u8]` or `&mut [u8]`: two
//! unsynchronised accesses to one place, one of them a write, are a data race,
//! and a data race is undefined behaviour. So a [`Mapping`] shows its bytes as
//! [`AtomicU8`]s, which may be read and written by several parties at once,
//! exactly as if the other processes were threads: [`Mapping::bytes`] gives
//! them all, [`Mapping::write`] and [`Mapping::read`] copy a range in or out,
//! byte by byte, with no allocation. On x86-64 a relaxed atomic byte access is
//! an ordinary `mov`.
//!
//! Atomic bytes make concurrent access *defined*, not *ordered*: a reader
//! that runs before the writer sees the old bytes. The order comes from a
//! synchronisation between the processes: a pipe, `waitpid`, a process-shared
//! mutex ([`crate::pshared`]). [`Mapping::write`] ends with a release fence
//! and [`Mapping::read`] begins with an acquire fence, so a copy written
//! before the writer's side of such a synchronisation is seen whole by a
//! reader after its side.
//!
//! # Who can share a mapping
//!
//! An anonymous mapping, or one of `/dev/zero`, has no name: only a child made
//! by `fork` (see [`crate::fork`]) shares it, at the same address; `exec`
//! drops it. A mapping of a file, or of a [`memfd`], is shared by every
//! process that maps the same file, related or not: by its path, or by its
//! descriptor, which a process started with `exec` can inherit.
//!
//! Access past the end of a *file* raises `SIGBUS`, which kills the process.
//! [`Mapping::file`] refuses to map beyond the end of the file; a file that
//! someone truncates later still faults, which is why [`memfd`] seals its file
//! against shrinking.
//!
//! Man pages: [mmap(2)](https://man7.org/linux/man-pages/man2/mmap.2.html),
//! [munmap(2)](https://man7.org/linux/man-pages/man2/munmap.2.html),
//! [msync(2)](https://man7.org/linux/man-pages/man2/msync.2.html),
//! [memfd_create(2)](https://man7.org/linux/man-pages/man2/memfd_create.2.html),
//! [zero(4)](https://man7.org/linux/man-pages/man4/zero.4.html).

use std::ffi::CStr;
use std::fs::OpenOptions;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU8, Ordering};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, SealFlag};
use nix::sys::memfd::{memfd_create, MFdFlags};
use nix::sys::mman::{self, MapFlags, MsFlags, ProtFlags};
use nix::sys::stat::fstat;

use crate::error::{Error, Result};

pub mod raw;

/// Pages mapped into this process, readable and writable, unmapped on drop.
///
/// Which other processes see them depends on how the mapping was made: see
/// the constructors and the [module documentation](self).
#[derive(Debug)]
pub struct Mapping {
    start: NonNull<AtomicU8>,
    len: usize,
}

// SAFETY: a `Mapping` only hands out `&[AtomicU8]`, which any number of
// threads may use at once; the pages stay mapped until the `Mapping` is
// dropped, which needs it owned.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// `MAP_SHARED | MAP_ANONYMOUS`: `len` bytes of zeroes, shared with the
    /// children this process forks afterwards, and with no one else.
    pub fn anonymous(len: usize) -> Result<Mapping> {
        Mapping::map(
            "anonymous shared mapping",
            len,
            MapFlags::MAP_SHARED,
            None,
        )
    }

    /// `MAP_SHARED` of `/dev/zero`, the way before `MAP_ANONYMOUS`: `len`
    /// bytes of zeroes, shared with the children this process forks
    /// afterwards. Linux makes the same kind of mapping as
    /// [`Mapping::anonymous`] (`/proc/self/maps` names both
    /// `/dev/zero (deleted)`); every such `mmap` makes new pages, so two
    /// mappings of `/dev/zero` do not share with each other.
    pub fn dev_zero(len: usize) -> Result<Mapping> {
        let zero = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/zero")
            .map_err(|e| Error::from_io("open", "/dev/zero", e))?;
        // The mapping keeps what it needs: the descriptor closes on return,
        // as the note's program closes it right after mmap.
        Mapping::map("/dev/zero", len, MapFlags::MAP_SHARED, Some(zero.as_fd()))
    }

    /// `MAP_PRIVATE | MAP_ANONYMOUS`: `len` bytes of zeroes that are this
    /// process's own. A child forked afterwards gets a copy: each process's
    /// writes change its own copy only (copy-on-write).
    pub fn private_anonymous(len: usize) -> Result<Mapping> {
        let what = "anonymous private mapping";
        Mapping::map(what, len, MapFlags::MAP_PRIVATE, None)
    }

    /// `MAP_SHARED` of the first `len` bytes of the file open on `file` (read
    /// and write): shared with every process that maps the same file, and
    /// written to the file by the kernel.
    ///
    /// Refuses a file shorter than `len` bytes: access to a page past the end
    /// of a file raises `SIGBUS`.
    pub fn file(file: impl AsFd, len: usize) -> Result<Mapping> {
        let fd = file.as_fd();
        let size = fstat(fd)
            .map_err(|e| Error::os("fstat", "file to map", e))?
            .st_size;
        if u64::try_from(size).map_or(true, |size| size < len as u64) {
            return Err(Error::invalid(
                "mmap",
                format!("file of {size} bytes"),
                format!(
                    "mapping {len} bytes would go past the end of the file, \
                     where access raises SIGBUS"
                ),
            ));
        }
        Mapping::map("file", len, MapFlags::MAP_SHARED, Some(fd))
    }

    /// `mmap` of `len` bytes, readable and writable, of `file` from its
    /// start, or anonymous. `what` names the mapping in errors.
    fn map(
        what: &'static str,
        len: usize,
        flags: MapFlags,
        file: Option<BorrowedFd<'_>>,
    ) -> Result<Mapping> {
        let len = NonZeroUsize::new(len).ok_or_else(|| {
            let refusal = format!(
                "a length of 0, which the kernel refuses with {:?}",
                Errno::EINVAL
            );
            Error::invalid("mmap", what, refusal)
        })?;
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a new mapping, at an address the kernel chooses, overlaps
        // nothing that Rust code refers to.
        let start = unsafe {
            match file {
                Some(fd) => mman::mmap(None, len, prot, flags, fd, 0),
                None => mman::mmap_anonymous(None, len, prot, flags),
            }
        }
        .map_err(|e| Error::os("mmap", what, e))?;
        Ok(Mapping {
            start: start.cast(),
            len: len.get(),
        })
    }

    /// The number of bytes mapped.
    pub fn size(&self) -> usize {
        self.len
    }

    /// Where the mapping starts in this process's address space. A child
    /// made by `fork` finds it at the same address.
    pub fn address(&self) -> usize {
        self.start.as_ptr() as usize
    }

    /// The first byte, for the types of [`crate::pshared`] that live in a
    /// mapping of their own.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.start.as_ptr().cast()
    }

    /// Every byte of the mapping.
    pub fn bytes(&self) -> &[AtomicU8] {
        // SAFETY: `len` bytes from `start` are mapped, readable and writable,
        // until `self` is dropped; `AtomicU8` has the size and alignment of a
        // byte, and atomics may be shared by concurrent readers and writers.
        unsafe { std::slice::from_raw_parts(self.start.as_ptr(), self.len) }
    }

    /// Copies `data` into the mapping at `offset`, then a release fence:
    /// what a synchronisation that follows publishes, a reader sees whole.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<()> {
        let target = self.range("write", offset, data.len())?;
        for (byte, value) in target.iter().zip(data) {
            byte.store(*value, Ordering::Relaxed);
        }
        fence(Ordering::Release);
        Ok(())
    }

    /// An acquire fence, then copies `buf.len()` bytes from `offset` in the
    /// mapping into `buf`.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        let source = self.range("read", offset, buf.len())?;
        fence(Ordering::Acquire);
        for (value, byte) in buf.iter_mut().zip(source) {
            *value = byte.load(Ordering::Relaxed);
        }
        Ok(())
    }

    fn range(
        &self,
        call: &'static str,
        offset: usize,
        len: usize,
    ) -> Result<&[AtomicU8]> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(&self.bytes()[offset..end]),
            _ => Err(Error::invalid(
                call,
                format!("mapping of {} bytes", self.len),
                format!("{len} bytes at offset {offset} do not fit"),
            )),
        }
    }

    /// `msync(MS_SYNC)`: writes the mapping's changed pages to the file it
    /// maps and waits until they are written, as `fsync` does for `write`.
    ///
    /// Not needed for other processes to see the changes: a process that
    /// maps the file, or `read`s it, sees them at once, because they share
    /// the same pages of the page cache. For an anonymous mapping it does
    /// nothing.
    pub fn sync(&self) -> Result<()> {
        // SAFETY: `start` and `len` describe exactly this mapping.
        unsafe { mman::msync(self.start.cast(), self.len, MsFlags::MS_SYNC) }
            .map_err(|e| Error::os("msync", format!("{} bytes", self.len), e))
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `start` and `len` describe exactly this mapping, and no
        // reference into it outlives `self` (`bytes` borrows `self`).
        // Unmapping affects this process only; a process that shares the
        // pages keeps its own mapping of them.
        let _ = unsafe { mman::munmap(self.start.cast(), self.len) };
    }
}

/// `memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)` and `ftruncate` to
/// `len` bytes: a file that lives in memory only, with no path, until its
/// last descriptor and mapping are gone. Map it with [`Mapping::file`].
///
/// Its descriptor can be handed to a process started with `exec` (as its
/// standard input, say), or sent over a Unix domain socket; an unrelated
/// process of the same user can also open it as `/proc/PID/fd/N`. The file is
/// sealed against shrinking, so no one can make the mappings fault.
/// `name` is only a label, shown in `/proc/PID/fd` as `/memfd:NAME`.
pub fn memfd(name: &CStr, len: usize) -> Result<OwnedFd> {
    let label = || format!("memfd:{}", name.to_string_lossy());
    let fd =
        memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)
            .map_err(|e| Error::os("memfd_create", label(), e))?;
    let size = libc::off_t::try_from(len).map_err(|_| {
        Error::invalid("ftruncate", label(), "length too large: EFBIG")
    })?;
    nix::unistd::ftruncate(&fd, size)
        .map_err(|e| Error::os("ftruncate", label(), e))?;
    fcntl(
        fd.as_fd(),
        FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_SEAL),
    )
    .map_err(|e| Error::os("fcntl(F_ADD_SEALS)", label(), e))?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    #[test]
    fn a_new_mapping_is_zeroes_and_keeps_what_is_written() {
        for mapping in [
            Mapping::anonymous(1024).unwrap(),
            Mapping::dev_zero(1024).unwrap(),
            Mapping::private_anonymous(1024).unwrap(),
        ] {
            assert_eq!(mapping.size(), 1024);
            let mut buf = [1u8; 1024];
            mapping.read(0, &mut buf).unwrap();
            assert_eq!(buf, [0u8; 1024]);
            mapping.write(1019, b"hello").unwrap();
            let mut hello = [0u8; 5];
            mapping.read(1019, &mut hello).unwrap();
            assert_eq!(&hello, b"hello");
            assert_eq!(mapping.bytes()[1023].load(Ordering::Relaxed), b'o');
        }
    }

    #[test]
    fn access_outside_is_refused() {
        let mapping = Mapping::anonymous(16).unwrap();
        let err = mapping.write(12, b"hello").unwrap_err();
        assert_eq!(
            err.to_string(),
            "write(mapping of 16 bytes): 5 bytes at offset 12 do not fit"
        );
        let err = mapping.read(usize::MAX, &mut [0u8; 2]).unwrap_err();
        assert_eq!(err.errno(), None);
        let err = Mapping::anonymous(0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mmap(anonymous shared mapping): a length of 0, which the kernel \
             refuses with EINVAL"
        );
    }

    #[test]
    fn a_file_mapping_writes_the_file_and_refuses_to_go_past_its_end() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[0u8; 100]).unwrap();
        let err = Mapping::file(&file, 101).unwrap_err();
        assert_eq!(err.errno(), None);
        assert!(err.to_string().contains("SIGBUS"), "{err}");
        let mapping = Mapping::file(&file, 100).unwrap();
        mapping.write(0, b"mapped").unwrap();
        let mut text = [0u8; 6];
        file.rewind().unwrap();
        file.read_exact(&mut text).unwrap();
        assert_eq!(&text, b"mapped");
        mapping.sync().unwrap();
    }

    #[test]
    fn a_memfd_cannot_shrink_under_its_mappings() {
        let fd = memfd(c"test", 4096).unwrap();
        let mapping = Mapping::file(&fd, 4096).unwrap();
        let err = nix::unistd::ftruncate(&fd, 0).unwrap_err();
        assert_eq!(err, Errno::EPERM);
        mapping.write(4095, b"!").unwrap();
        assert!(nix::unistd::ftruncate(&fd, 8192).is_ok());
    }
}
