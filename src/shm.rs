//! XSI shared memory: a segment of memory in the kernel that processes attach to their
//! address space, where each sees what the others write, with no copy and no call.
//!
//! | C                                              | here                                        |
//! |------------------------------------------------|---------------------------------------------|
//! | `shmget(IPC_PRIVATE, size, 0600)`              | [`SharedMemory::new`]                       |
//! | `shmget(key, size, flags)`                     | [`SharedMemory::open`]                      |
//! | an identifier received from another process    | [`SharedMemory::from_id`]                   |
//! | `shmat(id, NULL, 0)`                           | [`SharedMemory::attach`] → [`Attachment`]   |
//! | `shmat(id, NULL, SHM_RDONLY)`                  | [`SharedMemory::attach_read_only`] → [`ReadOnlyAttachment`] (`Attachment<ReadOnly>`) |
//! | `shmat(id, addr, 0)`, `shmat(id, addr, SHM_RND)` | [`SharedMemory::attach_at`]               |
//! | `SHMLBA`                                       | [`lower_boundary`]                          |
//! | `shmdt(addr)`                                  | dropping the attachment, or [`Attachment::detach`] |
//! | `shmctl(id, IPC_STAT, &ds)`                    | [`SharedMemory::stat`] → [`SegmentStatus`]  |
//! | `shmctl(id, IPC_SET, &ds)`                     | [`Id::set_mode`], [`Id::set_owner`]         |
//! | `shmctl(id, IPC_RMID, NULL)`                   | [`SharedMemory::remove`], and `Drop`        |
//! | `SHM_DEST` in `shm_perm.mode`                  | [`SegmentStatus::is_removed`]               |
//!
//! A segment that [`SharedMemory::new`] or [`SharedMemory::open`] created is removed
//! when its handle is dropped, unless [`SharedMemory::keep`] was called. Removing a
//! segment does not take it from those attached to it: on Linux it lives on, with key
//! `IPC_PRIVATE` and `SHM_DEST` in its mode, until the last of them detaches. So an
//! attachment does not borrow the handle it came from, and may outlive it.
//!
//! # Sharing memory with other processes
//!
//! An attachment gives the segment's bytes as a slice: [`Attachment::as_slice`],
//! [`Attachment::as_mut_slice`] (which takes `&mut self`, so that this process holds
//! one mutable slice or several shared ones, never both) and
//! [`ReadOnlyAttachment::as_slice`]. Rust's borrow rules end at the process, though:
//! another process attached to the same segment can write while a slice is held here,
//! and that is a data race the compiler cannot see. Programs that share a segment
//! agree on who may touch it when, with a semaphore ([`crate::sem`]) as the chapter's
//! examples do, or by handing it over at process start and exit. Reading and writing
//! the slices allocates nothing and copies nothing: they *are* the shared memory.
//!
//! Man pages: [shmget(2)](https://man7.org/linux/man-pages/man2/shmget.2.html),
//! [shmop(2)](https://man7.org/linux/man-pages/man2/shmop.2.html) (`shmat`, `shmdt`),
//! [shmctl(2)](https://man7.org/linux/man-pages/man2/shmctl.2.html),
//! [sysvipc(7)](https://man7.org/linux/man-pages/man7/sysvipc.7.html).

use std::marker::PhantomData;
use std::ptr::NonNull;
use std::time::SystemTime;

use libc::c_int;
use nix::errno::Errno;
use nix::unistd::{sysconf, SysconfVar};

use crate::error::{Error, Result};
use crate::xsi::object::get_or_create;
use crate::xsi::{
    self, control, Control, Id, IpcPerm, Key, Kind, Object, Options,
};

/// The size of the segment that `Object::new` creates: one page.
const SMALLEST_SEGMENT: usize = 4096;

/// `SHM_DEST`, the bit that Linux sets in the mode of a segment removed while still
/// attached (`01000`, in glibc's `<sys/shm.h>` and the kernel's `linux/shm.h`).
pub const SHM_DEST: u16 = 0o1000;

/// The control calls of shared memory segments: `shmctl(2)` on a `struct shmid_ds`.
impl Control for libc::shmid_ds {
    const KIND: Kind = Kind::SharedMemory;

    /// A segment of one page.
    fn get_smallest(key: Key, flags: c_int) -> c_int {
        // SAFETY: shmget takes only integers.
        unsafe { libc::shmget(key.raw(), SMALLEST_SEGMENT, flags) }
    }

    fn stat(id: c_int) -> Result<Self> {
        // SAFETY: `shmid_ds` is plain integers; all zeroes is a valid value.
        let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one `shmid_ds` into `ds`, valid for the call.
        let ret = unsafe { libc::shmctl(id, libc::IPC_STAT, &mut ds) };
        control::check(ret, Self::KIND, "IPC_STAT", id)?;
        Ok(ds)
    }

    fn set(&mut self, id: c_int) -> Result<()> {
        // SAFETY: IPC_SET reads one `shmid_ds` from `self`, valid for the call.
        let ret = unsafe { libc::shmctl(id, libc::IPC_SET, self) };
        control::check(ret, Self::KIND, "IPC_SET", id).map(drop)
    }

    fn remove(id: c_int) -> Result<()> {
        // SAFETY: IPC_RMID reads no buffer; the man page specifies a null pointer.
        let ret =
            unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
        control::check(ret, Self::KIND, "IPC_RMID", id).map(drop)
    }

    fn perm(&self) -> &libc::ipc_perm {
        &self.shm_perm
    }

    fn perm_mut(&mut self) -> &mut libc::ipc_perm {
        &mut self.shm_perm
    }
}

/// `SHMLBA`, the "low boundary address" multiple: an address given to
/// [`SharedMemory::attach_at`] must be a multiple of it, or be rounded down to one.
///
/// It is not a constant on Linux: glibc defines it as `__getpagesize()` (4096 on
/// x86-64), times four on 32-bit ARM, and as 256 KiB on MIPS, where caches indexed by
/// virtual address need every mapping of a page at the same offset modulo that.
pub fn lower_boundary() -> Result<usize> {
    let page = match sysconf(SysconfVar::PAGE_SIZE) {
        Ok(Some(page)) => usize::try_from(page).ok(),
        _ => None,
    }
    .ok_or_else(|| {
        Error::unexpected("sysconf", "_SC_PAGESIZE", "no page size")
    })?;
    if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
        Ok(0x40000)
    } else if cfg!(target_arch = "arm") {
        Ok(page * 4)
    } else {
        Ok(page)
    }
}

/// What `shmctl(IPC_STAT)` reports about a segment (`struct shmid_ds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentStatus {
    /// Owner, creator, permissions (plus [`SHM_DEST`] once removed), and the key,
    /// [`Key::PRIVATE`] once removed.
    pub perm: IpcPerm,
    /// The size asked for at creation (`shm_segsz`), not rounded to pages.
    pub size: usize,
    /// The number of attachments in all processes (`shm_nattch`).
    pub attachments: u64,
    /// The process that created the segment (`shm_cpid`).
    pub creator_pid: i32,
    /// The process that last attached or detached it (`shm_lpid`), if any.
    pub last_pid: Option<i32>,
    /// The time of the last attach (`shm_atime`), if any.
    pub last_attach: Option<SystemTime>,
    /// The time of the last detach (`shm_dtime`), if any.
    pub last_detach: Option<SystemTime>,
    /// The time of creation or of the last `IPC_SET` or `IPC_RMID` (`shm_ctime`).
    pub last_change: Option<SystemTime>,
}

impl SegmentStatus {
    /// Whether the segment was removed (`IPC_RMID`) and lives on only until its last
    /// detach: [`SHM_DEST`] is set in its mode.
    pub fn is_removed(&self) -> bool {
        self.perm.mode & SHM_DEST != 0
    }
}

/// A shared memory segment. Removed on drop if this handle created it.
#[derive(Debug)]
pub struct SharedMemory {
    object: Object,
    size: usize,
}

impl SharedMemory {
    /// A new private segment of `size` bytes (`IPC_PRIVATE`, permissions `0o600`),
    /// filled with zeroes, removed on drop.
    pub fn new(size: usize) -> Result<SharedMemory> {
        SharedMemory::open(Key::PRIVATE, size, &Options::new())
    }

    /// The segment with `key`, opened or created with `size` bytes as `options` say.
    /// Removed on drop only if this call created it.
    ///
    /// When the segment exists, `size` may be anything up to its size (0 included), and
    /// `options`' [`Access`](crate::xsi::Access) (read and write unless it says
    /// otherwise) is the access asked for, as with `shmget(key, size, 0600)` in C: open
    /// with `.access(Access::Read)` to attach read-only a segment you may only read.
    pub fn open(
        key: Key,
        size: usize,
        options: &Options,
    ) -> Result<SharedMemory> {
        let (id, created) =
            get_or_create(Kind::SharedMemory, key, options, |flags| {
                // SAFETY: shmget takes only integers.
                unsafe { libc::shmget(key.raw(), size, flags) }
            })?;
        // Owned before anything else can fail, so that an error below removes it.
        let object = Object::from_parts(id, created);
        let size = libc::shmid_ds::stat(id.raw())?.shm_segsz;
        Ok(SharedMemory { object, size })
    }

    /// The existing segment with identifier `id`, as another process passed it on.
    /// It is never removed on drop: whoever created it does that.
    ///
    /// Reads the segment's size with `IPC_STAT`, which needs read permission, as every
    /// attach does.
    pub fn from_id(id: c_int) -> Result<SharedMemory> {
        let size = libc::shmid_ds::stat(id)?.shm_segsz;
        Ok(SharedMemory {
            object: Object::from_parts(
                Id::from_raw(Kind::SharedMemory, id),
                false,
            ),
            size,
        })
    }

    /// The identifier, which any process can use to reach the segment.
    pub fn id(&self) -> Id {
        self.object.id()
    }

    /// The size asked for at creation, in bytes: what an attachment's slices hold.
    pub fn size(&self) -> usize {
        self.size
    }

    /// `IPC_STAT`: the segment's size, attachments, last users and times.
    pub fn stat(&self) -> Result<SegmentStatus> {
        let ds = libc::shmid_ds::stat(self.id().raw())?;
        let pid = |pid: libc::pid_t| (pid != 0).then_some(pid);
        Ok(SegmentStatus {
            perm: IpcPerm::from_libc(&ds.shm_perm),
            size: ds.shm_segsz,
            attachments: ds.shm_nattch,
            creator_pid: ds.shm_cpid,
            last_pid: pid(ds.shm_lpid),
            last_attach: xsi::time_of(ds.shm_atime),
            last_detach: xsi::time_of(ds.shm_dtime),
            last_change: xsi::time_of(ds.shm_ctime),
        })
    }

    /// `shmat(id, NULL, 0)`: attaches the segment for reading and writing, where the
    /// kernel chooses. Needs read and write permission.
    pub fn attach(&self) -> Result<Attachment> {
        self.map(0, 0)
    }

    /// `shmat(id, NULL, SHM_RDONLY)`: attaches the segment for reading only. Needs only
    /// read permission. A store into it from C is killed with `SIGSEGV`; the type
    /// returned here has no way to write.
    pub fn attach_read_only(&self) -> Result<ReadOnlyAttachment> {
        self.map(0, libc::SHM_RDONLY)
    }

    /// `shmat(id, address, flags)`: attaches the segment for reading and writing at
    /// `address`, which must be a multiple of [`lower_boundary`] (`SHMLBA`), else
    /// `EINVAL`; with `round_down` (`SHM_RND`) it is rounded down to one instead.
    ///
    /// The range must be free: without `SHM_REMAP`, which this crate never passes, the
    /// kernel refuses (`EINVAL`) to attach over memory the process already maps.
    pub fn attach_at(
        &self,
        address: usize,
        round_down: bool,
    ) -> Result<Attachment> {
        let flags = if round_down { libc::SHM_RND } else { 0 };
        self.map(address, flags)
    }

    fn map<Access>(
        &self,
        address: usize,
        flags: c_int,
    ) -> Result<Attachment<Access>> {
        let id = self.id().raw();
        // SAFETY: shmat maps new pages, or fails: without SHM_REMAP it never replaces
        // an existing mapping, so no memory that Rust code uses can change under it.
        let ret =
            unsafe { libc::shmat(id, address as *const libc::c_void, flags) };
        if ret as isize == -1 {
            return Err(Error::os("shmat", format!("id={id}"), Errno::last()));
        }
        let address = NonNull::new(ret.cast::<u8>()).ok_or_else(|| {
            Error::unexpected("shmat", format!("id={id}"), "attached at 0")
        })?;
        Ok(Attachment::new(address, self.size, id))
    }

    /// Removes the segment now (`IPC_RMID`), reporting failure. Attachments, here
    /// and in other processes, stay valid until they detach.
    pub fn remove(self) -> Result<()> {
        self.object.remove()
    }

    /// Leaves the segment in the kernel when the handle goes, and returns its
    /// identifier.
    pub fn keep(self) -> Id {
        self.object.keep()
    }
}

/// The access of an [`Attachment`] that may be written (the default).
#[derive(Debug)]
pub enum ReadWrite {}

/// The access of an [`Attachment`] that may only be read: [`ReadOnlyAttachment`].
#[derive(Debug)]
pub enum ReadOnly {}

/// An attachment of a segment, the pages of one `shmat`: the segment's bytes,
/// detached on drop. An `Attachment` (that is, `Attachment<ReadWrite>`) may be written;
/// a [`ReadOnlyAttachment`] has no method that writes.
#[derive(Debug)]
pub struct Attachment<Access = ReadWrite> {
    address: NonNull<u8>,
    /// The segment's size: the bytes the slices show. The mapping itself covers
    /// whole pages.
    len: usize,
    id: c_int,
    access: PhantomData<Access>,
}

/// A read-only attachment (`SHM_RDONLY`): no method writes its bytes, and the pages
/// are mapped read-only besides.
pub type ReadOnlyAttachment = Attachment<ReadOnly>;

// SAFETY: an attachment is memory like any other: it may be used from and dropped on
// any thread (shmdt works on the process's address space, not on a thread's).
unsafe impl<Access> Send for Attachment<Access> {}
// SAFETY: shared references give only `&[u8]`, as a `Vec<u8>` does.
unsafe impl<Access> Sync for Attachment<Access> {}

impl<Access> Attachment<Access> {
    fn new(address: NonNull<u8>, len: usize, id: c_int) -> Attachment<Access> {
        Attachment {
            address,
            len,
            id,
            access: PhantomData,
        }
    }

    /// The segment's bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `address` is the start of a live mapping of at least `len` bytes
        // (shmat maps the segment's size rounded up to pages), readable, and aligned
        // for u8. It stays mapped until `self` is dropped. See the module's notes on
        // other processes writing.
        unsafe { std::slice::from_raw_parts(self.address.as_ptr(), self.len) }
    }

    /// Where the segment is attached in this process.
    pub fn address(&self) -> usize {
        self.address.as_ptr() as usize
    }

    /// The segment's size in bytes (the slices' length).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the segment is 0 bytes long (it never is: shmget refuses 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `shmdt`: detaches now, reporting failure, rather than on drop.
    pub fn detach(self) -> Result<()> {
        let result = self.shmdt();
        std::mem::forget(self); // detached: nothing left for drop to do
        result
    }

    fn shmdt(&self) -> Result<()> {
        // SAFETY: `address` came from shmat and is detached once, by `detach` or on
        // drop; no slice borrowed from `self` outlives it.
        let ret = unsafe { libc::shmdt(self.address.as_ptr().cast()) };
        if ret == -1 {
            Err(Error::os("shmdt", format!("id={}", self.id), Errno::last()))
        } else {
            Ok(())
        }
    }
}

impl Attachment<ReadWrite> {
    /// The segment's bytes, to write. Other processes see each write at once.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; the mapping is writable (attached without
        // SHM_RDONLY), and `&mut self` makes this the only slice of it in the process.
        unsafe {
            std::slice::from_raw_parts_mut(self.address.as_ptr(), self.len)
        }
    }
}

impl<Access> Drop for Attachment<Access> {
    fn drop(&mut self) {
        // Nothing can report an error from drop; `detach()` is there for callers who
        // want to know. shmdt fails only for an address that is not an attachment.
        let _ = self.shmdt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_attachments_see_the_same_bytes() {
        let segment = SharedMemory::new(1024).unwrap();
        let mut writer = segment.attach().unwrap();
        let reader = segment.attach_read_only().unwrap();
        assert_ne!(writer.address(), reader.address());
        assert_eq!((writer.len(), reader.len()), (1024, 1024));
        assert!(reader.as_slice().iter().all(|&b| b == 0));
        writer.as_mut_slice()[..5].copy_from_slice(b"hello");
        assert_eq!(&reader.as_slice()[..5], b"hello");
        assert_eq!(segment.stat().unwrap().attachments, 2);
        reader.detach().unwrap();
        assert_eq!(segment.stat().unwrap().attachments, 1);
        drop(writer);
        assert_eq!(segment.stat().unwrap().attachments, 0);
    }

    #[test]
    fn removed_while_attached_lives_until_the_last_detach() {
        let key = Key::unique_to_process(12);
        let segment =
            SharedMemory::open(key, 100, Options::new().exclusive(true))
                .unwrap();
        let id = segment.id();
        let mut attachment = segment.attach().unwrap();
        segment.remove().unwrap();
        let status = SharedMemory::from_id(id.raw()).unwrap().stat().unwrap();
        assert!(status.is_removed());
        assert_eq!(status.perm.key, Key::PRIVATE);
        attachment.as_mut_slice()[0] = 7;
        let gone = SharedMemory::open(key, 0, &Options::new()).unwrap_err();
        assert_eq!(gone.errno(), Some(Errno::ENOENT));
        drop(attachment);
        let err = SharedMemory::from_id(id.raw()).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
    }

    #[test]
    fn size_is_reported_as_requested_and_checked_on_open() {
        let key = Key::unique_to_process(13);
        let segment =
            SharedMemory::open(key, 1000, Options::new().create(true)).unwrap();
        assert_eq!(segment.size(), 1000);
        assert_eq!(segment.stat().unwrap().size, 1000);
        let whole = SharedMemory::open(key, 0, &Options::new()).unwrap();
        assert_eq!(whole.size(), 1000);
        let larger =
            SharedMemory::open(key, 1001, &Options::new()).unwrap_err();
        assert_eq!(larger.errno(), Some(Errno::EINVAL));
        let zero = SharedMemory::new(0).unwrap_err();
        assert_eq!(zero.errno(), Some(Errno::EINVAL));
    }

    #[test]
    fn attach_at_needs_an_aligned_address_or_shm_rnd() {
        let segment = SharedMemory::new(100).unwrap();
        let lba = lower_boundary().unwrap();
        let address = segment.attach().unwrap().address(); // attached, then detached
        assert_eq!(address % lba, 0);
        let err = segment.attach_at(address + 100, false).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        let rounded = segment.attach_at(address + 100, true).unwrap();
        assert_eq!(rounded.address(), address);
        let taken = segment.attach_at(address, false).unwrap_err();
        assert_eq!(taken.errno(), Some(Errno::EINVAL));
    }

    #[test]
    fn status_names_the_creator_and_the_last_user() {
        let segment = SharedMemory::new(10).unwrap();
        let me = std::process::id() as i32;
        let fresh = segment.stat().unwrap();
        assert_eq!(fresh.creator_pid, me);
        assert_eq!(fresh.last_attach, None);
        assert!(!fresh.is_removed());
        let attachment = segment.attach().unwrap();
        let status = segment.stat().unwrap();
        assert_eq!(status.last_pid, Some(me));
        assert!(status.last_attach.is_some());
        drop(attachment);
        assert!(segment.stat().unwrap().last_detach.is_some());
    }
}
