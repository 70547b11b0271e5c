//! XSI shared memory segments.
//!
//! For now this module holds what the general XSI code needs of a segment: its control
//! calls, `shmctl(2)` on a `struct shmid_ds`. The owning segment and its attachments
//! come with the shared-memory chapter.
//!
//! Man pages: [shmget(2)](https://man7.org/linux/man-pages/man2/shmget.2.html),
//! [shmctl(2)](https://man7.org/linux/man-pages/man2/shmctl.2.html).

use libc::c_int;

use crate::error::Result;
use crate::xsi::{control, Control, Key, Kind};

/// The size of the segment that `Object::new` creates: one page.
const SMALLEST_SEGMENT: usize = 4096;

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
