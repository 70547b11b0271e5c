//! Writes of at most PIPE_BUF bytes into a FIFO are atomic: with several
//! writers, each having opened the FIFO by its name, every record arrives
//! whole.
//!
//! Run: cargo run --example fifo_atomic

use std::io::Read;
use std::thread;

use apue_ipc::fifo::{Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use harness::temp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_atomic")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?;

    // ANCHOR: atomic
    const WRITERS: u8 = 4;
    const RECORDS: usize = 256;
    let mut reader = fifo.open_reader(Open::NonBlocking)?;
    reader.set_nonblocking(false)?;
    let record_len = reader.pipe_buf()?; // 4096 on Linux

    // Every writer opens the FIFO itself, before the reader starts: a read with
    // no writer yet would be end-of-file.
    let writers = (0..WRITERS)
        .map(|_| fifo.open_writer(Open::Blocking))
        .collect::<Result<Vec<_>, _>>()?;

    thread::scope(|scope| -> Result<(), Box<dyn std::error::Error>> {
        let mut handles = Vec::new();
        for (id, writer) in (0..WRITERS).zip(writers) {
            handles.push(scope.spawn(move || -> apue_ipc::Result<()> {
                let record = vec![b'a' + id; record_len];
                for _ in 0..RECORDS {
                    // one write(2) of PIPE_BUF bytes
                    writer.write_atomic(&record)?;
                }
                Ok(()) // dropping `writer` closes it
            }));
        }
        let mut all = Vec::new();
        // end-of-file once every writer has closed
        reader.read_to_end(&mut all)?;
        assert_eq!(all.len(), usize::from(WRITERS) * RECORDS * record_len);
        for record in all.chunks(record_len) {
            assert!(
                record.iter().all(|&b| b == record[0]),
                "a record was split"
            );
        }
        for handle in handles {
            handle.join().expect("writer thread panicked")?;
        }
        Ok(())
    })?;
    // ANCHOR_END: atomic
    println!("{WRITERS} writers x {RECORDS} records of {record_len} bytes: none split");
    Ok(())
}
