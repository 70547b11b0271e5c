//! A fresh private directory for the files a program creates, removed when
//! dropped, and also when the program is stopped by a signal or killed.
//!
//! The C examples create `./fifo` and `./tmp.txt` in the working directory. Two
//! copies running at once then share (and delete) each other's files, and a
//! copy that crashes leaves them behind. Every program of this book instead
//! works in a directory of its own, `$TMPDIR/apue-ipc-LABEL.XXXXXX` (the X's
//! random), readable only by its owner (mode 0700), and removed with its
//! contents when the [`TempDir`] is dropped. In a program that
//! [`crate::cli::run`] runs, the directory is registered with
//! [`crate::cleanup`] just before it is created, so that a signal, or a
//! `SIGKILL`, cannot leave it behind either.
//!
//! `$TMPDIR` is used as mktemp(1) would, with two exceptions that keep paths
//! absolute, as a FIFO's path handed to another process must be: unset or
//! empty, it means `/tmp`; relative, it is taken from the working directory.

use std::ffi::OsString;
use std::fs::{self, DirBuilder, Permissions};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use apue_ipc::{Context, Error, Result};

use crate::cleanup::{self, Registration};

/// A private directory that is removed, with everything in it, when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    /// Unregisters the directory once it is gone (dropped after `drop` ran).
    _registration: Registration,
}

impl TempDir {
    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the directory in place, and no longer registered for removal:
    /// the caller now removes it.
    pub fn keep(mut self) -> PathBuf {
        let path = std::mem::take(&mut self.path);
        drop(self); // unregisters; removes nothing, the path is empty
        path
    }

    /// Removes the directory now, reporting a failure that dropping it would
    /// have ignored.
    pub fn close(self) -> Result<()> {
        let result = fs::remove_dir_all(&self.path)
            .context("rm -r", self.path.display().to_string());
        drop(self);
        result
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A destructor cannot report; `close` does.
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// The directory under which [`dir`] creates: `$TMPDIR`, made absolute, or
/// `/tmp` if it is unset or empty.
pub fn base() -> Result<PathBuf> {
    let tmpdir = std::env::var_os("TMPDIR").unwrap_or_default();
    if tmpdir.is_empty() {
        return Ok(PathBuf::from("/tmp"));
    }
    let tmpdir = PathBuf::from(tmpdir);
    if tmpdir.is_absolute() {
        return Ok(tmpdir);
    }
    let here = std::env::current_dir().context("getcwd", "TMPDIR")?;
    Ok(here.join(tmpdir))
}

/// Creates `$TMPDIR/apue-ipc-LABEL.XXXXXX`, the X's replaced with characters
/// that make the name unique, with permissions 0700.
pub fn dir(label: &str) -> Result<TempDir> {
    let base = base()?;
    for _ in 0..100 {
        let mut name = OsString::from(format!("apue-ipc-{label}."));
        name.push(random_suffix());
        let path = base.join(name);
        // Registered before it exists: no moment when it exists unregistered.
        let registration = cleanup::remove_tree_when_stopped(&path);
        match DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {
                let dir = TempDir {
                    path,
                    _registration: registration,
                };
                // The umask may have cleared bits of 0700.
                fs::set_permissions(&dir.path, Permissions::from_mode(0o700))
                    .context("chmod", dir.path.display().to_string())?;
                return Ok(dir);
            }
            // Someone has that name: unregister it and pick another.
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => {
                return Err(Error::from_io(
                    "mkdir",
                    path.display().to_string(),
                    err,
                ))
            }
        }
    }
    Err(Error::unexpected(
        "mkdir",
        base.join(format!("apue-ipc-{label}.XXXXXX"))
            .display()
            .to_string(),
        "100 random names were all taken",
    ))
}

/// Six characters from `[0-9a-z]`, from std's randomly seeded hasher.
fn random_suffix() -> String {
    let mut hasher =
        std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let mut bits = hasher.finish();
    (0..6)
        .map(|_| {
            let digit = (bits % 36) as u32;
            bits /= 36;
            char::from_digit(digit, 36).expect("below 36")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_private_unique_and_removed_with_its_contents() {
        let first = dir("test").unwrap();
        let second = dir("test").unwrap();
        assert_ne!(first.path(), second.path());
        let name = first.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("apue-ipc-test."), "{name}");
        assert_eq!(name.len(), "apue-ipc-test.".len() + 6);
        let mode = fs::metadata(first.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        fs::write(first.path().join("file"), b"x").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists());
        let path = second.path().to_path_buf();
        second.close().unwrap();
        assert!(!path.exists());

        let kept = dir("test").unwrap().keep();
        assert!(kept.is_dir());
        fs::remove_dir(&kept).unwrap();
    }

    #[test]
    fn random_suffixes_differ() {
        let suffixes: std::collections::BTreeSet<String> =
            (0..100).map(|_| random_suffix()).collect();
        assert_eq!(suffixes.len(), 100);
    }
}
