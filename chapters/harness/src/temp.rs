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

use std::fs::{self, DirBuilder, Permissions};
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
///
/// The `tempfile` crate picks the name and tries another on `EEXIST`; the
/// directory itself is made here, because it must be registered for removal
/// before mkdir(2) creates it, and the crate's own `tempdir` gives no moment
/// between the two.
pub fn dir(label: &str) -> Result<TempDir> {
    let base = base()?;
    let prefix = format!("apue-ipc-{label}.");
    let mut registration = None;
    let made = tempfile::Builder::new()
        .prefix(&prefix)
        .rand_bytes(6)
        .disable_cleanup(true) // a directory: `TempDir` removes it
        .make_in(&base, |path| {
            // Registered before it exists: no moment when it exists
            // unregistered. A name taken already unregisters the last one.
            registration = Some(cleanup::remove_tree_when_stopped(path));
            DirBuilder::new().mode(0o700).create(path)
        });
    let path = match made {
        Ok(made) => made.path().to_path_buf(),
        Err(err) => {
            let path = base.join(format!("{prefix}XXXXXX"));
            return Err(Error::from_io(
                "mkdir",
                path.display().to_string(),
                err,
            ));
        }
    };
    let Some(registration) = registration else {
        unreachable!("make_in succeeded, so it called the closure");
    };
    let dir = TempDir {
        path,
        _registration: registration,
    };
    // The umask may have cleared bits of 0700.
    fs::set_permissions(&dir.path, Permissions::from_mode(0o700))
        .context("chmod", dir.path.display().to_string())?;
    Ok(dir)
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
    fn a_hundred_directories_have_a_hundred_names() {
        let made: Vec<TempDir> =
            (0..100).map(|_| dir("many").unwrap()).collect();
        let names: std::collections::BTreeSet<&Path> =
            made.iter().map(TempDir::path).collect();
        assert_eq!(names.len(), 100);
        assert!(names.iter().all(|path| path.is_dir()));
    }
}
