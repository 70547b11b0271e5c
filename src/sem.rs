//! XSI semaphore sets.
//!
//! For now this module holds what the general XSI code needs of a semaphore set: its
//! control calls, `semctl(2)` on a `struct semid_ds`. The owning set and `semop` come
//! with the semaphore chapter.
//!
//! Man pages: [semget(2)](https://man7.org/linux/man-pages/man2/semget.2.html),
//! [semctl(2)](https://man7.org/linux/man-pages/man2/semctl.2.html).

use libc::c_int;

use crate::error::Result;
use crate::xsi::{control, Control, Key, Kind};

/// The control calls of semaphore sets: `semctl(2)` on a `struct semid_ds`.
impl Control for libc::semid_ds {
    const KIND: Kind = Kind::SemaphoreSet;

    /// A set of one semaphore.
    fn get_smallest(key: Key, flags: c_int) -> c_int {
        // SAFETY: semget takes only integers.
        unsafe { libc::semget(key.raw(), 1, flags) }
    }

    fn stat(id: c_int) -> Result<Self> {
        // SAFETY: `semid_ds` is plain integers; all zeroes is a valid value.
        let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one `semid_ds` through the pointer passed as the
        // `union semun` argument, which points to `ds`, valid for the call.
        let ret = unsafe {
            libc::semctl(id, 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds)
        };
        control::check(ret, Self::KIND, "IPC_STAT", id)?;
        Ok(ds)
    }

    fn set(&mut self, id: c_int) -> Result<()> {
        // SAFETY: IPC_SET reads one `semid_ds` through the pointer passed as the
        // `union semun` argument, which points to `self`, valid for the call.
        let ret = unsafe {
            libc::semctl(id, 0, libc::IPC_SET, self as *mut libc::semid_ds)
        };
        control::check(ret, Self::KIND, "IPC_SET", id).map(drop)
    }

    fn remove(id: c_int) -> Result<()> {
        // SAFETY: IPC_RMID takes no fourth argument (semctl(2)).
        let ret = unsafe { libc::semctl(id, 0, libc::IPC_RMID) };
        control::check(ret, Self::KIND, "IPC_RMID", id).map(drop)
    }

    fn perm(&self) -> &libc::ipc_perm {
        &self.sem_perm
    }

    fn perm_mut(&mut self) -> &mut libc::ipc_perm {
        &mut self.sem_perm
    }
}
