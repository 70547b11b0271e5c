//! Writes of at most PIPE_BUF bytes are atomic: with several writers on one
//! pipe, each record arrives whole. A larger write has no such promise: the
//! kernel may take part of it, and the rest can land after another writer's
//! bytes.
//!
//! Run: cargo run --example pipe_atomic

use std::io::Read;
use std::thread;

use apue_ipc::pipe::{Pipe, PipeEnd};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: atomic
    const WRITERS: u8 = 4;
    const RECORDS: usize = 256;
    let Pipe { mut reader, writer } = Pipe::new()?;
    let record_len = writer.pipe_buf()?; // 4096 on Linux

    thread::scope(|scope| -> Result<(), Box<dyn std::error::Error>> {
        let mut writers = Vec::new();
        for id in 0..WRITERS {
            let writer = writer.try_clone()?;
            writers.push(scope.spawn(move || -> apue_ipc::Result<()> {
                let record = vec![b'a' + id; record_len];
                for _ in 0..RECORDS {
                    writer.write_atomic(&record)?; // one write(2)
                }
                Ok(())
            }));
        }
        drop(writer); // EOF once every thread has finished

        let mut all = Vec::new();
        reader.read_to_end(&mut all)?;
        assert_eq!(all.len(), usize::from(WRITERS) * RECORDS * record_len);
        for record in all.chunks(record_len) {
            assert!(
                record.iter().all(|&b| b == record[0]),
                "a record was split"
            );
        }
        for handle in writers {
            handle.join().expect("writer thread panicked")?;
        }
        Ok(())
    })?;
    // ANCHOR_END: atomic
    println!("{WRITERS} writers x {RECORDS} records of {record_len} bytes: none split");

    // ANCHOR: short
    let Pipe { reader, writer } = Pipe::new()?;
    let capacity = writer.capacity()?;
    writer.set_nonblocking(true)?;
    writer.write_once(&vec![b'a'; capacity])?; // fill the pipe...
    let mut half = vec![0u8; capacity / 2];
    (&reader).read_exact(&mut half)?; // ...and make room for half of it

    let big = vec![b'b'; capacity]; // far more than PIPE_BUF
    let taken = writer.write_once(&big)?;
    // A short write: the rest is up to the caller.
    assert!(0 < taken && taken < big.len());
    // ANCHOR_END: short
    println!("a non-blocking write of {} bytes took {taken}", big.len());
    Ok(())
}
