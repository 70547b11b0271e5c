//! A mapping of a file is shared by every process that maps the file, related
//! or not; read(2) sees what the mapping wrote without msync, which is for
//! getting the bytes onto the disk.
//!
//! Run: cargo run --example mmap_file

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

use apue_ipc::mmap::Mapping;
use harness::{cli, temp};

type Error = Box<dyn std::error::Error>;

const SIZE: usize = 4096;

fn main() -> Result<(), Error> {
    harness::cli::takes_roles(&["writer"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("writer") {
        let path = args.next().ok_or("missing path")?;
        return writer(&path);
    }
    let dir = temp::dir("mmap_file")?;
    let path = dir.path().join("shared");

    // ANCHOR: unrelated
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.set_len(SIZE as u64)?; // a mapping may not reach past the end
    let mapping = Mapping::file(&file, SIZE)?;

    // Another program, which knows only the path: it inherits no descriptor
    // (std opens them close-on-exec) and no memory (exec replaced it).
    let status = cli::child_command("writer")?.arg(&path).status()?;
    assert!(status.success());
    let mut text = [0u8; 13];
    mapping.read(0, &mut text)?;
    // it wrote into our mapping
    assert_eq!(&text, b"from writer\n\0");
    // ANCHOR_END: unrelated

    // ANCHOR: msync
    mapping.write(0, b"mapped")?;
    // No msync: read(2) sees the bytes at once, because the mapping and the
    // file's page cache are the same pages.
    let mut read = [0u8; 6];
    File::open(&path)?.read_exact(&mut read)?;
    assert_eq!(&read, b"mapped");

    // msync(MS_SYNC) writes them to the disk, and returns when they are
    // there: what fsync is to write(2).
    mapping.sync()?;
    // ANCHOR_END: msync
    println!("a file mapping is shared with any process that maps the file");
    Ok(())
}

// ANCHOR: writer
fn writer(path: &str) -> Result<(), Error> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let mapping = Mapping::file(&file, SIZE)?;
    mapping.write(0, b"from writer\n")?;
    Ok(())
}
// ANCHOR_END: writer
