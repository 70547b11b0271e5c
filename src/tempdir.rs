//! A fresh private directory for the files a program creates, removed when dropped.
//!
//! The C examples create `./fifo` and `./tmp.txt` in the working directory. Two copies
//! running at once then share (and delete) each other's files, and a copy that crashes
//! leaves them behind. Every program of this book instead works in a directory of its own,
//! made by `mkdtemp(3)` under `$TMPDIR` (or `/tmp`), readable only by its owner.
//!
//! | C                                  | here                  |
//! |------------------------------------|-----------------------|
//! | `mkdtemp("/tmp/name.XXXXXX")`      | [`TempDir::new`]      |
//! | `rm -r dir` at the end             | dropping the [`TempDir`] |
//!
//! Man pages: mkdtemp(3), rmdir(2).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A directory created for this process alone; dropping it removes it with its contents.
#[derive(Debug)]
pub struct TempDir {
    /// Empty once the caller has taken the directory with [`TempDir::keep`].
    path: PathBuf,
}

impl TempDir {
    /// Creates `$TMPDIR/apue-ipc-<label>.XXXXXX` (the X's replaced by `mkdtemp(3)` with
    /// characters that make the name unique), with permissions 0700.
    pub fn new(label: &str) -> Result<TempDir> {
        if label.contains('/') {
            return Err(Error::invalid(
                "mkdtemp",
                label,
                "a label is one path component, without '/'",
            ));
        }
        let template =
            std::env::temp_dir().join(format!("apue-ipc-{label}.XXXXXX"));
        let path = nix::unistd::mkdtemp(&template).map_err(|errno| {
            Error::os("mkdtemp", template.display().to_string(), errno)
        })?;
        Ok(TempDir { path })
    }

    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps the directory on disk and returns its path: the caller now removes it.
    pub fn keep(mut self) -> PathBuf {
        std::mem::take(&mut self.path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            // Nothing sensible can be done about a failure in a destructor; the directory is
            // private to this process, so only a change made by hand can make it fail.
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_private_unique_and_removed_with_its_contents() {
        use std::os::unix::fs::PermissionsExt;
        let first = TempDir::new("test").unwrap();
        let second = TempDir::new("test").unwrap();
        assert_ne!(first.path(), second.path());
        let mode = fs::metadata(first.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        fs::write(first.path().join("file"), b"x").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists());
    }

    #[test]
    fn keep_leaves_the_directory() {
        let dir = TempDir::new("test").unwrap();
        let path = dir.keep();
        assert!(path.is_dir());
        fs::remove_dir(&path).unwrap();
    }

    #[test]
    fn a_label_with_a_slash_is_refused() {
        let err = TempDir::new("a/b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "mkdtemp(a/b): a label is one path component, without '/'"
        );
    }
}
