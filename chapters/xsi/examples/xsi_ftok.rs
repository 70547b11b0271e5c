//! ftok builds a key from 8 bits of the project id, 8 bits of the file's device
//! number and 16 bits of its inode number, and throws the rest away: so two
//! different files can get the same key. This creates files until two do.
//!
//! Run: cargo run --example xsi_ftok

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use apue_ipc::xsi::Key;
use harness::temp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: bits
    let path = "/etc/passwd";
    let file = std::fs::metadata(path)?;
    let key = Key::ftok(path, 1)?;
    // id (8 bits) | device (8 bits) | inode (16 bits): glibc's whole recipe
    assert_eq!(key, Key::ftok_bits(file.dev(), file.ino(), 1));
    // C's ftok(path, 257) quietly equals ftok(path, 1); here it is refused.
    assert!(Key::ftok(path, 257).is_err());
    // ANCHOR_END: bits
    println!(
        "ftok({path}, 1) = {key} (device {:#x}, inode {:#x})",
        file.dev(),
        file.ino()
    );

    // ANCHOR: collision
    let dir = temp::dir("xsi_ftok")?; // removed with its files when dropped
    let mut seen: HashMap<Key, PathBuf> = HashMap::new();
    // Files in one directory share a device, and 16 bits give 65,536 inode
    // patterns: one of the first 65,537 files must repeat a key, and usually
    // one does much sooner.
    let (first, second) = (0..=65_536)
        .find_map(|n| {
            let path = dir.path().join(format!("file{n}"));
            File::create(&path).ok()?;
            let key = Key::ftok(&path, 1).ok()?;
            seen.insert(key, path.clone())
                .map(|earlier| (earlier, path))
        })
        .ok_or("no collision: impossible by the pigeonhole principle")?;
    assert_ne!(first, second);
    assert_eq!(Key::ftok(&first, 1)?, Key::ftok(&second, 1)?);
    // ANCHOR_END: collision
    let (a, b) = (std::fs::metadata(&first)?, std::fs::metadata(&second)?);
    println!(
        "after {} files: {} (inode {:#x}) and {} (inode {:#x}) both have key {}",
        seen.len() + 1,
        first.file_name().unwrap_or_default().to_string_lossy(),
        a.ino(),
        second.file_name().unwrap_or_default().to_string_lossy(),
        b.ino(),
        Key::ftok(&first, 1)?
    );
    Ok(())
}
