//! Listing every object: `/proc/sysvipc/{msg,sem,shm}`, the machine-readable form of
//! `ipcs`, readable by every user.

use std::fs;

use super::{Id, Key, Kind};
use crate::error::{Error, Result};

impl Kind {
    /// Every object of this kind in this IPC namespace, read from
    /// `/proc/sysvipc/{msg,sem,shm}`: the machine-readable form of `ipcs`, readable by
    /// every user.
    pub fn list(self) -> Result<Vec<Entry>> {
        let path = format!("/proc/sysvipc/{}", self.name());
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::from_io("read", &path, e))?;
        parse_sysvipc(self, &text)
            .map_err(|reason| Error::unexpected("read", path, reason))
    }
}

impl Id {
    /// Whether `/proc/sysvipc` lists this identifier, that is, whether the object exists.
    pub fn is_listed(self) -> Result<bool> {
        Ok(self.kind().list()?.iter().any(|entry| entry.id == self))
    }
}

/// One line of `/proc/sysvipc/{msg,sem,shm}`: who owns an object and who may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The object's identifier.
    pub id: Id,
    /// Its key; [`Key::PRIVATE`] for an object created with `IPC_PRIVATE`.
    pub key: Key,
    /// The mode: permission bits, plus state flags for segments (`SHM_DEST` 0o1000).
    pub mode: u16,
    /// The owner's user id, which `IPC_SET` may change.
    pub uid: u32,
    /// The owner's group id.
    pub gid: u32,
    /// The creator's user id, which never changes.
    pub cuid: u32,
    /// The creator's group id.
    pub cgid: u32,
}

fn parse_sysvipc(
    kind: Kind,
    text: &str,
) -> std::result::Result<Vec<Entry>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty file")?
        .split_whitespace()
        .collect();
    let id_column = match kind {
        Kind::MessageQueue => "msqid",
        Kind::SemaphoreSet => "semid",
        Kind::SharedMemory => "shmid",
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|&h| h == name)
            .ok_or_else(|| format!("no column '{name}'"))
    };
    let (key, id, perms) =
        (column("key")?, column(id_column)?, column("perms")?);
    let (uid, gid, cuid, cgid) = (
        column("uid")?,
        column("gid")?,
        column("cuid")?,
        column("cgid")?,
    );
    let mut entries = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let field = |index: usize| {
            fields
                .get(index)
                .copied()
                .ok_or_else(|| format!("short line '{line}'"))
        };
        let number = |index: usize| -> std::result::Result<u32, String> {
            let text = field(index)?;
            text.parse().map_err(|_| format!("bad number '{text}'"))
        };
        let key_text = field(key)?;
        let perms_text = field(perms)?;
        let id_text = field(id)?;
        entries.push(Entry {
            id: Id::from_raw(
                kind,
                id_text.parse().map_err(|_| format!("bad id '{id_text}'"))?,
            ),
            key: Key::from_raw(
                key_text
                    .parse()
                    .map_err(|_| format!("bad key '{key_text}'"))?,
            ),
            mode: u16::from_str_radix(perms_text, 8)
                .map_err(|_| format!("bad perms '{perms_text}'"))?,
            uid: number(uid)?,
            gid: number(gid)?,
            cuid: number(cuid)?,
            cgid: number(cgid)?,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_sysvipc() {
        let text = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n\
                    \x20  1234          7   666           5          1   100     0  1000  1000     0     0          0          0 1700000000\n";
        let entries = parse_sysvipc(Kind::MessageQueue, text).unwrap();
        assert_eq!(
            entries,
            [Entry {
                id: Id::from_raw(Kind::MessageQueue, 7),
                key: Key::from_raw(1234),
                mode: 0o666,
                uid: 1000,
                gid: 1000,
                cuid: 0,
                cgid: 0,
            }]
        );
        assert!(parse_sysvipc(Kind::SemaphoreSet, text).is_err());
    }
}
