//! A FIFO is a file of its own type: stat(2) on its path says S_ISFIFO without
//! opening it, and its size is always 0, since the bytes in transit live in the
//! kernel.
//!
//! Run: cargo run --example fifo_stat

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use apue_ipc::fifo::{self, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use harness::temp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_stat")?;

    // ANCHOR: stat
    let fifo = Fifo::create(dir.path().join("fifo"))?;
    assert!(fifo::is_fifo(fifo.path())?); // stat(2): no open, so no waiting
    assert!(!fifo::is_fifo(Path::new("/etc/passwd"))?);

    let metadata = std::fs::metadata(fifo.path())?;
    assert!(metadata.file_type().is_fifo()); // `ls -l` shows it as prw-------
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);

    let reader = fifo.open_reader(Open::NonBlocking)?;
    let mut writer = fifo.open_writer(Open::NonBlocking)?;
    writer.write_all(b"in transit")?;
    // fstat(2) on the open ends; and the data is in the kernel, not in the
    // file:
    assert!(reader.is_fifo()? && writer.is_fifo()?);
    assert_eq!(std::fs::metadata(fifo.path())?.len(), 0);
    // ANCHOR_END: stat
    println!("S_ISFIFO on the path and on both open ends, size 0, mode 0600");
    Ok(())
}
