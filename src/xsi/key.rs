//! Keys: the names by which unrelated processes find the same object, `IPC_PRIVATE`
//! and `ftok(3)`.

use std::ffi::CString;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;

use crate::error::{Error, Result};

/// The name by which unrelated processes find the same object, as a path names a file.
///
/// Two processes that call `msgget` with the same key get the same queue. The key
/// [`Key::PRIVATE`] is the exception: it always creates a new object, which only a process
/// that is told the identifier can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(libc::key_t);

impl Key {
    /// `IPC_PRIVATE`: every `xxxget` with this key creates a new object.
    pub const PRIVATE: Key = Key(libc::IPC_PRIVATE);

    /// A key from its raw value, as `ipcs` shows it (`0x0000002a`).
    pub const fn from_raw(raw: libc::key_t) -> Key {
        Key(raw)
    }

    /// The raw `key_t`.
    pub const fn raw(self) -> libc::key_t {
        self.0
    }

    /// `ftok(path, id)`: a key derived from an existing file and a project id.
    ///
    /// glibc builds the key from three numbers, and from only some of their bits: see
    /// [`Key::ftok_bits`]. The project id must be in `1..=255`: only its low 8 bits are
    /// used, so C's `ftok(path, 257)` silently equals `ftok(path, 1)`, and with 0 the key of
    /// an unlucky file is 0, which is `IPC_PRIVATE`. Both are refused here.
    pub fn ftok(path: impl AsRef<Path>, id: i32) -> Result<Key> {
        let path = path.as_ref();
        let object = path.display().to_string();
        if !(1..=255).contains(&id) {
            return Err(Error::invalid(
                "ftok",
                object,
                format!("project id {id} is outside 1..=255: ftok keeps only its low 8 bits, and 0 can give IPC_PRIVATE"),
            ));
        }
        let c_path =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| {
                Error::invalid(
                    "ftok",
                    object.clone(),
                    "path contains a NUL byte",
                )
            })?;
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
        let key = unsafe { libc::ftok(c_path.as_ptr(), id) };
        if key == -1 {
            return Err(Error::os("ftok", object, Errno::last()));
        }
        Ok(Key(key))
    }

    /// What glibc's `ftok` computes from a file's device and inode numbers and the project
    /// id: the low 8 bits of the id, the low 8 bits of the device, the low 16 bits of the
    /// inode. The other bits are thrown away, so two files on one file system whose inode
    /// numbers agree in their low 16 bits get the same key.
    pub const fn ftok_bits(dev: u64, ino: u64, id: u8) -> Key {
        let raw = ((id as u32) << 24)
            | (((dev & 0xff) as u32) << 16)
            | ((ino & 0xffff) as u32);
        Key(raw as libc::key_t)
    }

    /// A key no other process uses at the same time, for demonstrations and tests that
    /// need a named object: `slot` in the high byte and this process's id below it.
    ///
    /// Two processes cannot share a pid, so two copies of a program never collide; inside
    /// one process each use needs its own `slot`. Software outside this book could still
    /// hold the key, by `ftok` or by chance: open with [`Options::exclusive`](super::Options::exclusive) to find out.
    pub fn unique_to_process(slot: u8) -> Key {
        // pids are below 2^22 (PID_MAX_LIMIT on 64-bit Linux), so they fit under the slot.
        let pid = std::process::id() & 0x003f_ffff;
        Key(((u32::from(slot) << 24) | pid) as libc::key_t)
    }
}

impl fmt::Display for Key {
    /// As `ipcs` shows keys: `0x` and eight hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0 as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn ftok_keeps_only_the_documented_bits() {
        let meta = fs::metadata("Cargo.toml").unwrap();
        for id in [1, 42, 255] {
            let key = Key::ftok("Cargo.toml", id).unwrap();
            assert_eq!(key, Key::ftok_bits(meta.dev(), meta.ino(), id as u8));
        }
    }

    #[test]
    fn ftok_refuses_ids_c_would_truncate() {
        for id in [0, 256, 257, -1] {
            let err = Key::ftok("Cargo.toml", id).unwrap_err();
            assert_eq!(err.errno(), None, "{err}");
            assert!(err
                .to_string()
                .starts_with("ftok(Cargo.toml): project id"));
        }
        let missing = Key::ftok("/no/such/file", 1).unwrap_err();
        assert_eq!(missing.errno(), Some(Errno::ENOENT));
    }

    #[test]
    fn keys_print_as_ipcs_does() {
        assert_eq!(Key::PRIVATE.to_string(), "0x00000000");
        assert_eq!(Key::from_raw(-1).to_string(), "0xffffffff");
    }
}
