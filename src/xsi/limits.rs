//! The kernel's limits on System V IPC, as `ipcs -l` shows them.

use std::fs;

use libc::c_ulong;

use super::control::check;
use super::Kind;
use crate::error::{Error, Result};

/// The kernel's System V IPC limits (sysvipc(7), proc(5)). Read from
/// `/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,shmall,shmmni}`, where root can
/// change them with `sysctl`; the two that are compiled in (`semvmx`, `shmmin`) come from
/// `semctl(IPC_INFO)` and `shmctl(IPC_INFO)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `msgmax`: the largest message, in bytes.
    pub msgmax: u64,
    /// `msgmnb`: the capacity in bytes that a new queue gets (`msg_qbytes`).
    pub msgmnb: u64,
    /// `msgmni`: the most queues in the system.
    pub msgmni: u64,
    /// `semmsl`: the most semaphores in one set.
    pub semmsl: u64,
    /// `semmns`: the most semaphores in the system.
    pub semmns: u64,
    /// `semopm`: the most operations in one `semop` call.
    pub semopm: u64,
    /// `semmni`: the most semaphore sets in the system.
    pub semmni: u64,
    /// `semvmx`: the largest value of a semaphore (compiled in).
    pub semvmx: u64,
    /// `shmmax`: the largest segment, in bytes.
    pub shmmax: u64,
    /// `shmmin`: the smallest segment, in bytes (compiled in).
    pub shmmin: u64,
    /// `shmmni`: the most segments in the system.
    pub shmmni: u64,
    /// `shmall`: the most shared memory in the system, in pages.
    pub shmall: u64,
}

/// One limit, for printing: its sysctl name, what it limits, this machine's value and
/// Linux's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The kind of object it applies to.
    pub kind: Kind,
    /// The name in /proc/sys/kernel (or in `struct msginfo`...).
    pub name: &'static str,
    /// What `ipcs -l` calls it.
    pub meaning: &'static str,
    /// The value in force.
    pub value: u64,
    /// The value of a kernel nobody has tuned ([`Limits::LINUX_DEFAULTS`]).
    pub default: u64,
}

/// `struct shminfo` of glibc, which the libc crate does not define.
#[repr(C)]
struct ShmInfo {
    shmmax: c_ulong,
    shmmin: c_ulong,
    shmmni: c_ulong,
    shmseg: c_ulong,
    shmall: c_ulong,
    unused: [c_ulong; 4],
}

impl Limits {
    /// The defaults of today's Linux (include/uapi/linux/{msg,sem,shm}.h), in force since
    /// Linux 3.19 (message and semaphore limits) and 3.16 (shared memory).
    // c_ulong is 32 bits on 32-bit targets, where the cast is needed.
    #[allow(clippy::unnecessary_cast)]
    pub const LINUX_DEFAULTS: Limits = Limits {
        msgmax: 8192,
        msgmnb: 16384,
        msgmni: 32000,
        semmsl: 32000,
        semmns: 1_024_000_000,
        semopm: 500,
        semmni: 32000,
        semvmx: 32767,
        // ULONG_MAX - 2^24: no limit, with room for old programs that add to it (shmget(2)).
        shmmax: c_ulong::MAX as u64 - (1 << 24),
        shmmin: 1,
        shmmni: 4096,
        shmall: c_ulong::MAX as u64 - (1 << 24),
    };

    /// The limits in force.
    pub fn read() -> Result<Limits> {
        let sem = read_numbers("/proc/sys/kernel/sem")?;
        let [semmsl, semmns, semopm, semmni] = sem[..] else {
            return Err(Error::invalid(
                "read",
                "/proc/sys/kernel/sem",
                format!("expected 4 numbers, found {}", sem.len()),
            ));
        };
        Ok(Limits {
            msgmax: read_number("/proc/sys/kernel/msgmax")?,
            msgmnb: read_number("/proc/sys/kernel/msgmnb")?,
            msgmni: read_number("/proc/sys/kernel/msgmni")?,
            semmsl,
            semmns,
            semopm,
            semmni,
            semvmx: sem_info()?.semvmx as u64,
            shmmax: read_number("/proc/sys/kernel/shmmax")?,
            shmmin: shm_info()?.shmmin as u64,
            shmmni: read_number("/proc/sys/kernel/shmmni")?,
            shmall: read_number("/proc/sys/kernel/shmall")?,
        })
    }

    /// `msgctl(0, IPC_INFO)`: the kernel's own view of the message limits, as
    /// `(msgmax, msgmnb, msgmni)`, for checking the /proc figures against.
    pub fn msg_info() -> Result<(u64, u64, u64)> {
        // SAFETY: `msginfo` is plain integers; all zeroes is a valid value.
        let mut info: libc::msginfo = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_INFO writes one `struct msginfo` through the pointer (msgctl(2)),
        // which points to a valid, writable one for the whole call.
        let ret = unsafe {
            libc::msgctl(
                0,
                libc::IPC_INFO,
                &mut info as *mut libc::msginfo as *mut libc::msqid_ds,
            )
        };
        check(ret, Kind::MessageQueue, "IPC_INFO", 0)?;
        Ok((info.msgmax as u64, info.msgmnb as u64, info.msgmni as u64))
    }

    /// Every limit with its name, meaning and default, in `ipcs -l`'s order.
    pub fn entries(&self) -> Vec<Limit> {
        let d = Limits::LINUX_DEFAULTS;
        let limit = |kind, name, meaning, value, default| Limit {
            kind,
            name,
            meaning,
            value,
            default,
        };
        use Kind::*;
        vec![
            limit(
                MessageQueue,
                "msgmni",
                "max queues system wide",
                self.msgmni,
                d.msgmni,
            ),
            limit(
                MessageQueue,
                "msgmax",
                "max size of message (bytes)",
                self.msgmax,
                d.msgmax,
            ),
            limit(
                MessageQueue,
                "msgmnb",
                "default max size of queue (bytes)",
                self.msgmnb,
                d.msgmnb,
            ),
            limit(
                SharedMemory,
                "shmmni",
                "max number of segments",
                self.shmmni,
                d.shmmni,
            ),
            limit(
                SharedMemory,
                "shmmax",
                "max seg size (bytes)",
                self.shmmax,
                d.shmmax,
            ),
            limit(
                SharedMemory,
                "shmall",
                "max total shared memory (pages)",
                self.shmall,
                d.shmall,
            ),
            limit(
                SharedMemory,
                "shmmin",
                "min seg size (bytes)",
                self.shmmin,
                d.shmmin,
            ),
            limit(
                SemaphoreSet,
                "semmni",
                "max number of arrays",
                self.semmni,
                d.semmni,
            ),
            limit(
                SemaphoreSet,
                "semmsl",
                "max semaphores per array",
                self.semmsl,
                d.semmsl,
            ),
            limit(
                SemaphoreSet,
                "semmns",
                "max semaphores system wide",
                self.semmns,
                d.semmns,
            ),
            limit(
                SemaphoreSet,
                "semopm",
                "max ops per semop call",
                self.semopm,
                d.semopm,
            ),
            limit(
                SemaphoreSet,
                "semvmx",
                "semaphore max value",
                self.semvmx,
                d.semvmx,
            ),
        ]
    }
}

fn read_numbers(path: &str) -> Result<Vec<u64>> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::from_io("read", path, e))?;
    text.split_whitespace()
        .map(|word| {
            word.parse().map_err(|_| {
                Error::invalid(
                    "read",
                    path,
                    format!("'{word}' is not a number"),
                )
            })
        })
        .collect()
}

fn read_number(path: &str) -> Result<u64> {
    match read_numbers(path)?[..] {
        [number] => Ok(number),
        ref other => Err(Error::invalid(
            "read",
            path,
            format!("expected one number, found {}", other.len()),
        )),
    }
}

fn sem_info() -> Result<libc::seminfo> {
    // SAFETY: `seminfo` is plain integers; all zeroes is a valid value.
    let mut info: libc::seminfo = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_INFO writes one `struct seminfo` through the pointer passed as the
    // `union semun` argument (semctl(2)); it points to a valid one for the whole call.
    let ret = unsafe {
        libc::semctl(0, 0, libc::IPC_INFO, &mut info as *mut libc::seminfo)
    };
    check(ret, Kind::SemaphoreSet, "IPC_INFO", 0)?;
    Ok(info)
}

fn shm_info() -> Result<ShmInfo> {
    let mut info = ShmInfo {
        shmmax: 0,
        shmmin: 0,
        shmmni: 0,
        shmseg: 0,
        shmall: 0,
        unused: [0; 4],
    };
    // SAFETY: IPC_INFO writes one `struct shminfo` (ShmInfo has its layout) through the
    // pointer (shmctl(2)); it points to a valid one for the whole call.
    let ret = unsafe {
        libc::shmctl(
            0,
            libc::IPC_INFO,
            &mut info as *mut ShmInfo as *mut libc::shmid_ds,
        )
    };
    check(ret, Kind::SharedMemory, "IPC_INFO", 0)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_agree_with_ipc_info() {
        let limits = Limits::read().unwrap();
        let (msgmax, msgmnb, msgmni) = Limits::msg_info().unwrap();
        assert_eq!(
            (limits.msgmax, limits.msgmnb, limits.msgmni),
            (msgmax, msgmnb, msgmni)
        );
        let sem = sem_info().unwrap();
        assert_eq!(limits.semmsl, sem.semmsl as u64);
        assert_eq!(limits.semopm, sem.semopm as u64);
        let shm = shm_info().unwrap();
        assert_eq!(limits.shmmni, shm.shmmni as u64);
        assert_eq!(limits.shmall, shm.shmall as u64);
        assert_eq!(limits.entries().len(), 12);
    }
}
