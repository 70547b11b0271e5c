//! The kernel's limits on System V IPC, as `ipcs -l` shows them, and the kernel's own
//! report of them: `IPC_INFO` of [msgctl(2)](https://man7.org/linux/man-pages/man2/msgctl.2.html),
//! [semctl(2)](https://man7.org/linux/man-pages/man2/semctl.2.html) and
//! [shmctl(2)](https://man7.org/linux/man-pages/man2/shmctl.2.html), every field of it.

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

/// What `msgctl(0, IPC_INFO)` reports: `struct msginfo`, every field. Linux fills the
/// fields it does not use with constants computed from its compiled-in defaults (not
/// from the values in force), for old programs that print them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgInfo {
    /// `msgmax`: the largest message, in bytes.
    pub msgmax: u64,
    /// `msgmnb`: the capacity in bytes a new queue gets.
    pub msgmnb: u64,
    /// `msgmni`: the most queues in the system.
    pub msgmni: u64,
    /// `msgpool`: unused by Linux: `MSGPOOL`, 32000 * 16384 / 1024 (a pool in KiB).
    pub msgpool: u64,
    /// `msgmap`: unused by Linux: `MSGMAP`, 16384.
    pub msgmap: u64,
    /// `msgssz`: unused by Linux: `MSGSSZ`, 16 (a segment size).
    pub msgssz: u64,
    /// `msgtql`: unused by Linux: `MSGTQL`, 16384.
    pub msgtql: u64,
    /// `msgseg`: unused by Linux: `MSGSEG`, 65535 (the most segments).
    pub msgseg: u64,
}

/// What `semctl(0, 0, IPC_INFO)` reports: `struct seminfo`, every field; the ones Linux
/// does not use hold constants computed from its compiled-in defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemInfo {
    /// `semmni`: the most semaphore sets in the system.
    pub semmni: u64,
    /// `semmsl`: the most semaphores in one set.
    pub semmsl: u64,
    /// `semmns`: the most semaphores in the system.
    pub semmns: u64,
    /// `semopm`: the most operations in one `semop` call.
    pub semopm: u64,
    /// `semvmx`: the largest value of a semaphore (compiled in: 32767).
    pub semvmx: u64,
    /// `semaem`: the largest adjustment an undo entry records (compiled in: 32767).
    pub semaem: u64,
    /// `semmap`: unused by Linux: `SEMMAP`, 1024000000.
    pub semmap: u64,
    /// `semmnu`: unused by Linux: `SEMMNU`, 1024000000.
    pub semmnu: u64,
    /// `semume`: unused by Linux: `SEMUME`, 500.
    pub semume: u64,
    /// `semusz`: unused by Linux: `SEMUSZ`, 20.
    pub semusz: u64,
}

/// What `shmctl(0, IPC_INFO)` reports: `struct shminfo`, every field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmInfo {
    /// `shmmax`: the largest segment, in bytes.
    pub shmmax: u64,
    /// `shmmin`: the smallest segment, in bytes (compiled in: 1).
    pub shmmin: u64,
    /// `shmmni`: the most segments in the system.
    pub shmmni: u64,
    /// `shmseg`: the most segments one process may attach; not enforced by Linux:
    /// `SHMSEG`, 4096.
    pub shmseg: u64,
    /// `shmall`: the most shared memory in the system, in pages.
    pub shmall: u64,
}

/// `struct shminfo` of glibc, which the libc crate does not define.
#[repr(C)]
struct RawShmInfo {
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
            return Err(Error::unexpected(
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
            semvmx: Limits::sem_info()?.semvmx,
            shmmax: read_number("/proc/sys/kernel/shmmax")?,
            shmmin: Limits::shm_info()?.shmmin,
            shmmni: read_number("/proc/sys/kernel/shmmni")?,
            shmall: read_number("/proc/sys/kernel/shmall")?,
        })
    }

    /// `msgctl(0, IPC_INFO)`: the kernel's own view of the message limits, every field
    /// of `struct msginfo`, for checking the /proc figures against.
    pub fn msg_info() -> Result<MsgInfo> {
        let (_, info) = msginfo(libc::IPC_INFO, "IPC_INFO")?;
        let field = |value: libc::c_int| value as u64;
        Ok(MsgInfo {
            msgmax: field(info.msgmax),
            msgmnb: field(info.msgmnb),
            msgmni: field(info.msgmni),
            msgpool: field(info.msgpool),
            msgmap: field(info.msgmap),
            msgssz: field(info.msgssz),
            msgtql: field(info.msgtql),
            msgseg: u64::from(info.msgseg),
        })
    }

    /// `semctl(0, 0, IPC_INFO)`: the kernel's semaphore limits, every field of
    /// `struct seminfo`.
    pub fn sem_info() -> Result<SemInfo> {
        // SAFETY: `seminfo` is plain integers; all zeroes is a valid value.
        let mut info: libc::seminfo = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_INFO writes one `struct seminfo` through the pointer passed as the
        // `union semun` argument (semctl(2)); it points to a valid one for the whole call.
        let ret = unsafe {
            libc::semctl(0, 0, libc::IPC_INFO, &mut info as *mut libc::seminfo)
        };
        check(ret, Kind::SemaphoreSet, "IPC_INFO", 0)?;
        let field = |value: libc::c_int| value as u64;
        Ok(SemInfo {
            semmni: field(info.semmni),
            semmsl: field(info.semmsl),
            semmns: field(info.semmns),
            semopm: field(info.semopm),
            semvmx: field(info.semvmx),
            semaem: field(info.semaem),
            semmap: field(info.semmap),
            semmnu: field(info.semmnu),
            semume: field(info.semume),
            semusz: field(info.semusz),
        })
    }

    /// `shmctl(0, IPC_INFO)`: the kernel's shared-memory limits, every field of
    /// `struct shminfo`.
    // c_ulong is 32 bits on 32-bit targets, where the cast is needed.
    #[allow(clippy::unnecessary_cast)]
    pub fn shm_info() -> Result<ShmInfo> {
        let mut info = RawShmInfo {
            shmmax: 0,
            shmmin: 0,
            shmmni: 0,
            shmseg: 0,
            shmall: 0,
            unused: [0; 4],
        };
        // SAFETY: IPC_INFO writes one `struct shminfo` (RawShmInfo has its layout)
        // through the pointer (shmctl(2)); it points to a valid one for the whole call.
        let ret = unsafe {
            libc::shmctl(
                0,
                libc::IPC_INFO,
                &mut info as *mut RawShmInfo as *mut libc::shmid_ds,
            )
        };
        check(ret, Kind::SharedMemory, "IPC_INFO", 0)?;
        Ok(ShmInfo {
            shmmax: info.shmmax as u64,
            shmmin: info.shmmin as u64,
            shmmni: info.shmmni as u64,
            shmseg: info.shmseg as u64,
            shmall: info.shmall as u64,
        })
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
                Error::unexpected(
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
        ref other => Err(Error::unexpected(
            "read",
            path,
            format!("expected one number, found {}", other.len()),
        )),
    }
}

/// `msgctl(0, command)` for the two commands that fill a `struct msginfo`: `IPC_INFO`
/// (the limits) and `MSG_INFO` (what is in use). Returns the call's result, the highest
/// index in use in the kernel's table of queues, with the structure.
pub(crate) fn msginfo(
    command: libc::c_int,
    name: &str,
) -> Result<(libc::c_int, libc::msginfo)> {
    // SAFETY: `msginfo` is plain integers; all zeroes is a valid value.
    let mut info: libc::msginfo = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_INFO and MSG_INFO write one `struct msginfo` through the pointer
    // (msgctl(2)), which points to a valid, writable one for the whole call.
    let ret = unsafe {
        libc::msgctl(
            0,
            command,
            &mut info as *mut libc::msginfo as *mut libc::msqid_ds,
        )
    };
    let highest = check(ret, Kind::MessageQueue, name, 0)?;
    Ok((highest, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_agree_with_ipc_info() {
        let limits = Limits::read().unwrap();
        let msg = Limits::msg_info().unwrap();
        assert_eq!(
            (limits.msgmax, limits.msgmnb, limits.msgmni),
            (msg.msgmax, msg.msgmnb, msg.msgmni)
        );
        let sem = Limits::sem_info().unwrap();
        assert_eq!(
            (limits.semmsl, limits.semmns, limits.semopm, limits.semmni),
            (sem.semmsl, sem.semmns, sem.semopm, sem.semmni)
        );
        let shm = Limits::shm_info().unwrap();
        assert_eq!(
            (limits.shmmax, limits.shmmni, limits.shmall),
            (shm.shmmax, shm.shmmni, shm.shmall)
        );
        assert_eq!(limits.entries().len(), 12);
    }

    /// The fields Linux does not use hold the constants of include/uapi/linux/{msg,sem,
    /// shm}.h, computed from the compiled-in defaults (ipc/msg.c, ipc/sem.c, ipc/shm.c):
    /// IPC_INFO drops nothing, and these do not move when a limit is tuned.
    #[test]
    fn ipc_info_reports_every_field() {
        let d = Limits::LINUX_DEFAULTS;
        let msg = Limits::msg_info().unwrap();
        assert_eq!(msg.msgpool, d.msgmni * d.msgmnb / 1024);
        assert_eq!((msg.msgmap, msg.msgtql), (d.msgmnb, d.msgmnb));
        assert_eq!((msg.msgssz, msg.msgseg), (16, 0xffff));
        let sem = Limits::sem_info().unwrap();
        assert_eq!((sem.semmap, sem.semmnu), (d.semmns, d.semmns));
        assert_eq!((sem.semume, sem.semusz), (d.semopm, 20));
        assert_eq!((sem.semvmx, sem.semaem), (d.semvmx, d.semvmx));
        let shm = Limits::shm_info().unwrap();
        assert_eq!((shm.shmmin, shm.shmseg), (1, d.shmmni));
    }
}
