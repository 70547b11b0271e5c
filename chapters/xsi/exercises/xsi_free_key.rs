//! Exercise (XSI IPC): ftok keys collide, and IPC_CREAT | IPC_EXCL is how a
//! program finds out. Create an object with a key derived from a path, moving
//! on to the next project id while the key is taken.
//!
//! In classroom mode, `cargo xtask exercise start xsi_free_key` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! xsi_free_key` tests your copy. The task and its hints are in the chapter
//! "XSI IPC", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::path::Path;

use apue_ipc::xsi::{Key, Kind, Object, Options};
use apue_ipc::{Error, Result};
use nix::errno::Errno;

/// Creates a new object of `kind` whose key is `ftok(path, id)`, with the
/// smallest project id in `1..=255` whose key no object of that kind holds yet.
/// Returns the object (removed on drop) and the id used.
pub fn create_with_free_key(kind: Kind, path: &Path) -> Result<(Object, i32)> {
    // ANCHOR_END: setup
    // ANCHOR: todo the smallest id whose key no object holds yet
    for id in 1..=255 {
        let key = Key::ftok(path, id)?;
        match Object::open(kind, key, Options::new().exclusive(true)) {
            Ok(object) => return Ok((object, id)),
            // taken: next id
            Err(err) if err.errno() == Some(Errno::EEXIST) => continue,
            Err(err) => return Err(err),
        }
    }
    Err(Error::invalid(
        "ftok",
        path.display().to_string(),
        "all 255 project ids are taken",
    ))
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let exe = std::env::current_exe()
        .map_err(|e| Error::from_io("current_exe", "self", e))?;
    let (object, id) = create_with_free_key(Kind::MessageQueue, &exe)?;
    println!(
        "{} has key {} = ftok(this program, {id})",
        object.id(),
        object.id().perm()?.key
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_the_ids_whose_keys_are_taken() {
        let dir = harness::temp::dir("xsi_free_key").unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "").unwrap();
        let taken = Object::open(
            Kind::SemaphoreSet,
            Key::ftok(&path, 1).unwrap(),
            Options::new().exclusive(true),
        )
        .unwrap();
        let (object, id) =
            create_with_free_key(Kind::SemaphoreSet, &path).unwrap();
        assert_eq!(id, 2);
        assert_ne!(object.id(), taken.id());
        assert_eq!(
            object.id().perm().unwrap().key,
            Key::ftok(&path, 2).unwrap()
        );
        assert!(object.removes_on_drop());
    }

    #[test]
    fn a_missing_path_is_an_error() {
        let err =
            create_with_free_key(Kind::MessageQueue, Path::new("/no/such"))
                .unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOENT));
    }
}
