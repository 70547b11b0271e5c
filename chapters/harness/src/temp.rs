//! A fresh private directory for the files a program creates, removed when
//! dropped.
//!
//! The C examples create `./fifo` and `./tmp.txt` in the working directory. Two
//! copies running at once then share (and delete) each other's files, and a
//! copy that crashes leaves them behind. Every program of this book instead
//! works in a directory of its own, made by the [`tempfile`] crate under
//! `$TMPDIR` (or `/tmp`), readable only by its owner (mode 0700), and removed
//! with its contents when the [`TempDir`] is dropped.

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;

pub use tempfile::TempDir;

use apue_ipc::{Context, Result};

/// Creates `$TMPDIR/apue-ipc-LABEL.XXXXXX`, the X's replaced with characters
/// that make the name unique, with permissions 0700.
pub fn dir(label: &str) -> Result<TempDir> {
    let prefix = format!("apue-ipc-{label}.");
    tempfile::Builder::new()
        .prefix(&prefix)
        // tempfile leaves a directory's mode to the umask (0755 by default).
        .permissions(Permissions::from_mode(0o700))
        .tempdir()
        .context("mkdtemp", format!("{prefix}XXXXXX"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn is_private_unique_and_removed_with_its_contents() {
        let first = dir("test").unwrap();
        let second = dir("test").unwrap();
        assert_ne!(first.path(), second.path());
        let name = first.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("apue-ipc-test."), "{name}");
        let mode = fs::metadata(first.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        fs::write(first.path().join("file"), b"x").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists());
    }
}
