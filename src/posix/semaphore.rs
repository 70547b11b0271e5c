//! POSIX named semaphores: `sem_open(3)` and its calls, with an owning [`Semaphore`].
//!
//! glibc keeps a named semaphore as a small file, `/dev/shm/sem.NAME`, which every
//! process that opens the name maps into its memory: `sem_wait` and `sem_post` are
//! atomic operations on that memory, and enter the kernel (a futex) only to sleep or
//! to wake a sleeper.
//!
//! Man pages: [sem_overview(7)](https://man7.org/linux/man-pages/man7/sem_overview.7.html),
//! [sem_open(3)](https://man7.org/linux/man-pages/man3/sem_open.3.html),
//! [sem_wait(3)](https://man7.org/linux/man-pages/man3/sem_wait.3.html),
//! [sem_post(3)](https://man7.org/linux/man-pages/man3/sem_post.3.html),
//! [sem_getvalue(3)](https://man7.org/linux/man-pages/man3/sem_getvalue.3.html),
//! [sem_unlink(3)](https://man7.org/linux/man-pages/man3/sem_unlink.3.html).

use std::ptr::NonNull;

use libc::{c_int, c_uint};
use nix::errno::Errno;

use super::name::SEMAPHORE_NAME_MAX;
use super::{mode_bits, Name};
use crate::error::{Error, Result};

/// An open named semaphore: a counter that [`Semaphore::wait`] decrements, waiting
/// while it is 0, and [`Semaphore::post`] increments.
///
/// Closed on drop, and, if this handle created it, unlinked.
#[derive(Debug)]
pub struct Semaphore {
    sem: NonNull<libc::sem_t>,
    name: Name,
    unlink_on_drop: bool,
}

// SAFETY: the `sem_t` lives in a shared mapping that stays valid until `sem_close`,
// which only `Drop` calls; sem_wait, sem_trywait, sem_post and sem_getvalue are
// thread-safe (POSIX requires it: they exist to synchronise).
unsafe impl Send for Semaphore {}
// SAFETY: as above; every method takes `&self` and calls only thread-safe functions.
unsafe impl Sync for Semaphore {}

impl Semaphore {
    /// `sem_open(name, O_CREAT | O_EXCL, 0600, value)`: a new semaphore with `value`,
    /// or `EEXIST` if the name is taken. Unlinked when the handle is dropped.
    pub fn create(name: &Name, value: u32) -> Result<Semaphore> {
        Semaphore::create_with_mode(name, value, 0o600)
    }

    /// [`Semaphore::create`] with permission bits `mode`, which the umask then clears.
    pub fn create_with_mode(
        name: &Name,
        value: u32,
        mode: u32,
    ) -> Result<Semaphore> {
        fits_a_semaphore(name)?;
        let mode = mode_bits("sem_open", name, mode)?;
        let flags = libc::O_CREAT | libc::O_EXCL;
        // SAFETY: the name is a NUL-terminated string alive for the call; with O_CREAT,
        // sem_open reads two more arguments, a mode_t and an unsigned int, which are
        // passed as the C default argument promotions make them (unsigned int).
        let sem = unsafe {
            libc::sem_open(
                name.as_c_str().as_ptr(),
                flags,
                c_uint::from(mode.bits()),
                value as c_uint,
            )
        };
        Semaphore::from_raw(sem, name, true)
    }

    /// `sem_open(name, 0)` of an existing semaphore: `ENOENT` if there is none,
    /// `EACCES` if its mode does not let this process read and write it. Never unlinked
    /// on drop.
    pub fn open(name: &Name) -> Result<Semaphore> {
        fits_a_semaphore(name)?;
        // SAFETY: the name is a NUL-terminated string alive for the call; without
        // O_CREAT, sem_open reads no further argument.
        let sem = unsafe { libc::sem_open(name.as_c_str().as_ptr(), 0) };
        Semaphore::from_raw(sem, name, false)
    }

    fn from_raw(
        sem: *mut libc::sem_t,
        name: &Name,
        created: bool,
    ) -> Result<Semaphore> {
        // SEM_FAILED is the null pointer in glibc.
        match NonNull::new(sem) {
            Some(sem) if sem.as_ptr() != libc::SEM_FAILED => Ok(Semaphore {
                sem,
                name: name.clone(),
                unlink_on_drop: created,
            }),
            _ => Err(Error::os("sem_open", name.as_str(), Errno::last())),
        }
    }

    /// The semaphore's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// `sem_wait`: decrements the value, waiting while it is 0. A signal handler that
    /// runs meanwhile ends the wait with `EINTR`, which is returned, not retried.
    pub fn wait(&self) -> Result<()> {
        // SAFETY: `self.sem` is open until drop.
        let ret = unsafe { libc::sem_wait(self.sem.as_ptr()) };
        self.check("sem_wait", ret)
    }

    /// `sem_trywait`: decrements the value if it is above 0, else fails with `EAGAIN`.
    pub fn try_wait(&self) -> Result<()> {
        // SAFETY: `self.sem` is open until drop.
        let ret = unsafe { libc::sem_trywait(self.sem.as_ptr()) };
        self.check("sem_trywait", ret)
    }

    /// `sem_post`: increments the value, waking one waiter if any.
    pub fn post(&self) -> Result<()> {
        // SAFETY: `self.sem` is open until drop.
        let ret = unsafe { libc::sem_post(self.sem.as_ptr()) };
        self.check("sem_post", ret)
    }

    /// `sem_getvalue`: the value now (on Linux, 0 while processes wait, never below).
    pub fn value(&self) -> Result<i32> {
        let mut value: c_int = 0;
        // SAFETY: `self.sem` is open until drop; `value` is writable for the call.
        let ret = unsafe { libc::sem_getvalue(self.sem.as_ptr(), &mut value) };
        self.check("sem_getvalue", ret)?;
        Ok(value)
    }

    /// `sem_unlink`: removes the name now. Processes that have the semaphore open go
    /// on using it; it goes when the last of them closes it.
    pub fn unlink(&mut self) -> Result<()> {
        // SAFETY: the name is a NUL-terminated string alive for the call.
        let ret = unsafe { libc::sem_unlink(self.name.as_c_str().as_ptr()) };
        self.check("sem_unlink", ret)?;
        self.unlink_on_drop = false;
        Ok(())
    }

    fn check(&self, call: &'static str, ret: c_int) -> Result<()> {
        match ret {
            -1 => Err(Error::os(call, self.name.as_str(), Errno::last())),
            _ => Ok(()),
        }
    }
}

impl Drop for Semaphore {
    fn drop(&mut self) {
        // SAFETY: `self.sem` came from sem_open and is closed exactly once, here.
        unsafe { libc::sem_close(self.sem.as_ptr()) };
        if self.unlink_on_drop {
            // SAFETY: the name is a NUL-terminated string alive for the call. ENOENT
            // (someone else unlinked it) leaves nothing of ours to remove.
            unsafe { libc::sem_unlink(self.name.as_c_str().as_ptr()) };
        }
    }
}

/// Refuses, before the call, a name that glibc's sem_open(3) would refuse with
/// `ENAMETOOLONG`: it opens `/dev/shm/sem.NAME`, and `sem.` takes four of the
/// 255 bytes a file name may have.
fn fits_a_semaphore(name: &Name) -> Result<()> {
    if name.as_str().len() - 1 > SEMAPHORE_NAME_MAX {
        return Err(Error::refused(
            "sem_open",
            name.as_str(),
            Errno::ENAMETOOLONG,
            "a semaphore's name has at most 251 bytes after its '/' \
             (glibc stores it as the file sem.NAME)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;

    /// As glibc 2.36 checks it (tried in C: sem_open works with 251 bytes
    /// after the '/', and fails with ENAMETOOLONG from 252 to 255).
    #[test]
    fn a_name_of_252_bytes_is_too_long_for_a_semaphore() {
        let unique = Name::unique("long").unwrap();
        let padded = |len: usize| {
            let mut name = unique.as_str().to_string();
            while name.len() < 1 + len {
                name.push('x');
            }
            Name::new(&name).unwrap()
        };
        let longest = Semaphore::create(&padded(251), 1).unwrap();
        assert!(longest.name().semaphore_path().exists());
        for len in [252, 255] {
            // Refused before the call, with the errno the call would give.
            let err = Semaphore::create(&padded(len), 1).unwrap_err();
            assert!(matches!(err.cause(), Cause::Refused(..)), "{err}");
            assert_eq!(err.errno(), Some(Errno::ENAMETOOLONG), "{err}");
            let err = Semaphore::open(&padded(len)).unwrap_err();
            assert!(matches!(err.cause(), Cause::Refused(..)), "{err}");
            assert_eq!(err.errno(), Some(Errno::ENAMETOOLONG), "{err}");
        }
    }

    #[test]
    fn counts_down_and_up() {
        let sem = Semaphore::create(&Name::unique("test").unwrap(), 2).unwrap();
        sem.wait().unwrap();
        sem.try_wait().unwrap();
        assert_eq!(sem.value().unwrap(), 0);
        let err = sem.try_wait().unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        sem.post().unwrap();
        assert_eq!(sem.value().unwrap(), 1);
    }

    #[test]
    fn the_name_is_a_file_in_dev_shm_until_the_creator_drops() {
        let name = Name::unique("test").unwrap();
        let sem = Semaphore::create(&name, 0).unwrap();
        assert!(name.semaphore_path().exists());
        let other = Semaphore::open(&name).unwrap();
        other.post().unwrap();
        assert_eq!(sem.value().unwrap(), 1);
        drop(other);
        assert!(name.semaphore_path().exists());
        drop(sem);
        assert!(!name.semaphore_path().exists());
        let err = Semaphore::open(&name).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOENT));
    }
}
