//! POSIX shared memory: `shm_open(3)`, sized with `ftruncate(2)` and mapped with
//! `mmap(2)`, with an owning [`SharedMemory`] and the [`Mapping`] it gives.
//!
//! A shared memory object is a file in a memory file system (`/dev/shm` on Linux):
//! its descriptor is a file descriptor, and `fstat`, `ftruncate`, `fchmod` work on it.
//!
//! Man pages: [shm_overview(7)](https://man7.org/linux/man-pages/man7/shm_overview.7.html),
//! [shm_open(3)](https://man7.org/linux/man-pages/man3/shm_open.3.html),
//! [ftruncate(2)](https://man7.org/linux/man-pages/man2/ftruncate.2.html),
//! [mmap(2)](https://man7.org/linux/man-pages/man2/mmap.2.html),
//! [shm_unlink(3)](https://man7.org/linux/man-pages/man3/shm_unlink.3.html).

use std::num::NonZeroUsize;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::sys::stat::{fstat, Mode};

use super::{mode_bits, Access, Name};
use crate::error::{Error, Result};

/// An open shared memory object. Its descriptor is closed on drop, and, if this
/// handle created the object, its name is unlinked; mappings outlive both.
#[derive(Debug)]
pub struct SharedMemory {
    fd: OwnedFd,
    name: Name,
    access: Access,
    unlink_on_drop: bool,
}

impl SharedMemory {
    /// `shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600)`, then `ftruncate(fd, size)`: a
    /// new object of `size` zero bytes, or `EEXIST` if the name is taken. Unlinked
    /// when the handle is dropped.
    pub fn create(name: &Name, size: usize) -> Result<SharedMemory> {
        SharedMemory::create_with_mode(name, size, 0o600)
    }

    /// [`SharedMemory::create`] with permission bits `mode`, which the umask then clears.
    pub fn create_with_mode(
        name: &Name,
        size: usize,
        mode: u32,
    ) -> Result<SharedMemory> {
        let mode = mode_bits("shm_open", name, mode)?;
        let flags = OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR;
        let fd = mman::shm_open(name.as_c_str(), flags, mode)
            .map_err(|e| Error::os("shm_open", name.as_str(), e))?;
        // Owned from here: an error below unlinks it.
        let memory = SharedMemory {
            fd,
            name: name.clone(),
            access: Access::ReadWrite,
            unlink_on_drop: true,
        };
        memory.set_size(size)?;
        Ok(memory)
    }

    /// `shm_open(name, O_RDONLY or O_RDWR)` of an existing object: `ENOENT` if there
    /// is none, `EACCES` if its mode does not grant the access. Write-only access does
    /// not exist for shared memory ([`Access::Write`] is refused with `EINVAL`). Never
    /// unlinked on drop.
    pub fn open(name: &Name, access: Access) -> Result<SharedMemory> {
        let flags =
            match access {
                Access::Read => OFlag::O_RDONLY,
                Access::ReadWrite => OFlag::O_RDWR,
                Access::Write => return Err(Error::refused(
                    "shm_open",
                    name.as_str(),
                    Errno::EINVAL,
                    "shared memory opens for reading, or reading and writing",
                )),
            };
        let fd = mman::shm_open(name.as_c_str(), flags, Mode::empty())
            .map_err(|e| Error::os("shm_open", name.as_str(), e))?;
        Ok(SharedMemory {
            fd,
            name: name.clone(),
            access,
            unlink_on_drop: false,
        })
    }

    /// The object's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// `fstat(fd).st_size`: the object's size in bytes.
    pub fn size(&self) -> Result<usize> {
        let stat = fstat(self.fd.as_fd())
            .map_err(|e| Error::os("fstat", self.name.as_str(), e))?;
        Ok(stat.st_size as usize)
    }

    /// `ftruncate(fd, size)`: grows the object with zero bytes, or shrinks it.
    pub fn set_size(&self, size: usize) -> Result<()> {
        let len = i64::try_from(size).map_err(|_| {
            Error::refused(
                "ftruncate",
                self.name.as_str(),
                Errno::EINVAL,
                "the size does not fit off_t",
            )
        })?;
        nix::unistd::ftruncate(self.fd.as_fd(), len)
            .map_err(|e| Error::os("ftruncate", self.name.as_str(), e))
    }

    /// `mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)` of the whole
    /// object (`PROT_READ` alone if it was opened for reading only): every process
    /// that maps it sees the same bytes. An empty object cannot be mapped (`EINVAL`).
    pub fn map(&self) -> Result<Mapping> {
        let len = self.size()?;
        let len = NonZeroUsize::new(len).ok_or_else(|| {
            Error::refused(
                "mmap",
                self.name.as_str(),
                Errno::EINVAL,
                "an object of 0 bytes cannot be mapped",
            )
        })?;
        let (prot, writable) = match self.access {
            Access::Read => (ProtFlags::PROT_READ, false),
            _ => (ProtFlags::PROT_READ | ProtFlags::PROT_WRITE, true),
        };
        // SAFETY: a new mapping at an address the kernel chooses overlaps nothing that
        // Rust owns; `Mapping` unmaps it exactly once.
        let ptr = unsafe {
            mman::mmap(None, len, prot, MapFlags::MAP_SHARED, &self.fd, 0)
        }
        .map_err(|e| Error::os("mmap", self.name.as_str(), e))?;
        Ok(Mapping {
            ptr: ptr.cast(),
            len: len.get(),
            writable,
        })
    }

    /// `shm_unlink`: removes the name now. Descriptors and mappings stay valid; the
    /// memory goes when the last of them is gone.
    pub fn unlink(&mut self) -> Result<()> {
        mman::shm_unlink(self.name.as_c_str())
            .map_err(|e| Error::os("shm_unlink", self.name.as_str(), e))?;
        self.unlink_on_drop = false;
        Ok(())
    }
}

impl AsFd for SharedMemory {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        if self.unlink_on_drop {
            // ENOENT if someone else unlinked it: then it is not ours to remove.
            let _ = mman::shm_unlink(self.name.as_c_str());
        }
    }
}

/// A shared mapping of a [`SharedMemory`] object, unmapped on drop.
///
/// Other processes (and other mappings in this one) change these bytes at any time,
/// so the mapping hands out no `&[u8]`: bytes are copied in and out with
/// [`Mapping::write_at`] and [`Mapping::read_at`], one `memcpy` each, as C would, and
/// counters live in place as atomics ([`Mapping::atomic_u64`]). As in C, two processes
/// that write the same bytes at once must take turns, with a semaphore for example.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    writable: bool,
}

// SAFETY: the mapping is plain memory owned by this value until drop; access goes
// through copies that borrow `self` (exclusively for writes) and through atomics.
unsafe impl Send for Mapping {}
// SAFETY: as above: `&self` methods only read (copies out) or use atomics.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// The mapping's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (it never is: an empty object cannot be mapped).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check_range(
        &self,
        call: &'static str,
        offset: usize,
        len: usize,
    ) -> Result<()> {
        if offset.checked_add(len).is_some_and(|end| end <= self.len) {
            return Ok(());
        }
        Err(Error::refused(
            call,
            format!("mapping of {} bytes", self.len),
            Errno::EFAULT,
            format!("{len} bytes at offset {offset} reach past the end"),
        ))
    }

    /// Copies `bytes` into the mapping at `offset`: one `memcpy`.
    pub fn write_at(&mut self, offset: usize, bytes: &[u8]) -> Result<()> {
        self.check_range("write", offset, bytes.len())?;
        if !self.writable {
            return Err(Error::refused(
                "write",
                format!("mapping of {} bytes", self.len),
                Errno::EACCES,
                "the object was opened for reading only (PROT_READ)",
            ));
        }
        // SAFETY: the range is inside the mapping (checked above), which is writable,
        // and `bytes` cannot overlap it (it is borrowed from elsewhere while `self` is
        // borrowed mutably).
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.ptr.as_ptr().add(offset),
                bytes.len(),
            )
        };
        Ok(())
    }

    /// Copies `buf.len()` bytes of the mapping at `offset` into `buf`: one `memcpy`.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.check_range("read", offset, buf.len())?;
        // SAFETY: the range is inside the mapping (checked above), and `buf` is a
        // distinct, writable buffer of that length.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.ptr.as_ptr().add(offset),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        Ok(())
    }

    /// The 64-bit word `index` of the mapping, as an atomic: a counter that processes
    /// sharing the object update in place, without a lock.
    pub fn atomic_u64(&self, index: usize) -> Result<&AtomicU64> {
        let offset = index.saturating_mul(8);
        self.check_range("atomic", offset, 8)?;
        if !self.writable {
            return Err(Error::refused(
                "atomic",
                format!("mapping of {} bytes", self.len),
                Errno::EACCES,
                "atomics need a writable mapping",
            ));
        }
        // SAFETY: the word is inside the mapping and 8-aligned (a mapping starts on a
        // page boundary); it stays mapped as long as `self` is borrowed; an AtomicU64
        // has the size and alignment of a u64, and every bit pattern is valid.
        Ok(unsafe { &*self.ptr.as_ptr().add(offset).cast::<AtomicU64>() })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` describe the mapping `SharedMemory::map` made, which
        // is unmapped exactly once, here; no borrow of it outlives `self`.
        let _ = unsafe { mman::munmap(self.ptr.cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn two_mappings_see_the_same_bytes() {
        let name = Name::unique("test").unwrap();
        let memory = SharedMemory::create(&name, 4096).unwrap();
        let mut first = memory.map().unwrap();
        let other = SharedMemory::open(&name, Access::Read).unwrap();
        let second = other.map().unwrap();
        first.write_at(100, b"hello,world").unwrap();
        let mut buf = [0u8; 11];
        second.read_at(100, &mut buf).unwrap();
        assert_eq!(&buf, b"hello,world");
        first.atomic_u64(1).unwrap().fetch_add(3, Ordering::SeqCst);
        second.read_at(8, &mut buf[..8]).unwrap();
        assert_eq!(u64::from_ne_bytes(buf[..8].try_into().unwrap()), 3);
    }

    #[test]
    fn access_is_checked_and_ranges_are_bounded() {
        let name = Name::unique("test").unwrap();
        let memory = SharedMemory::create(&name, 16).unwrap();
        assert_eq!(memory.size().unwrap(), 16);
        let mut mapping = memory.map().unwrap();
        let err = mapping.write_at(10, &[0; 7]).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EFAULT));
        assert!(mapping.atomic_u64(2).is_err());
        let reader = SharedMemory::open(&name, Access::Read).unwrap();
        let mut read_only = reader.map().unwrap();
        let err = read_only.write_at(0, b"x").unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EACCES));
        let err = SharedMemory::open(&name, Access::Write).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }

    #[test]
    fn the_creator_unlinks_on_drop() {
        let name = Name::unique("test").unwrap();
        let memory = SharedMemory::create(&name, 1).unwrap();
        assert!(name.shm_path().exists());
        drop(memory);
        assert!(!name.shm_path().exists());
    }
}
