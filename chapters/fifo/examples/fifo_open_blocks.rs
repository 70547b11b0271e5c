//! A blocking open of a FIFO waits for the other side: an open for reading
//! returns only once some process has opened the FIFO for writing, and an open
//! for writing only once some process has opened it for reading.
//!
//! No timing is involved: the waiting thread is seen blocked inside openat(2),
//! as /proc/self/task/TID/syscall reports, and it can only return after the
//! other side opens.
//!
//! Run: cargo run --example fifo_open_blocks

use std::sync::mpsc;
use std::thread;

use apue_ipc::fifo::{Fifo, Open};
use harness::blocked;
use harness::temp;
use nix::unistd::gettid;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    harness::cli::takes_no_arguments();
    let dir = temp::dir("fifo_open_blocks")?;
    let fifo = &Fifo::create(dir.path().join("fifo"))?;

    // ANCHOR: reader_waits
    thread::scope(|scope| -> Result<(), Error> {
        let (tid_sender, tid) = mpsc::channel();
        let reader = scope.spawn(move || {
            tid_sender.send(gettid()).expect("main thread is waiting");
            fifo.open_reader(Open::Blocking) // no writer yet: this waits
        });
        let blocked = blocked::wait_until_blocked_in(
            tid.recv()?,
            libc::SYS_openat,
            || reader.is_finished(),
        );

        // returns at once: a reader waits (and, whatever the wait found,
        // lets the reader's open return, so that the scope can end)
        let writer = fifo.open_writer(Open::Blocking)?;
        // and now it returns
        let reader = reader.join().expect("reader thread panicked")?;
        drop((reader, writer));
        assert!(blocked?, "the open for reading returned with no writer");
        Ok(())
    })?;
    // ANCHOR_END: reader_waits
    println!("open for reading waited in openat until a writer opened");

    // ANCHOR: writer_waits
    thread::scope(|scope| -> Result<(), Error> {
        let (tid_sender, tid) = mpsc::channel();
        let writer = scope.spawn(move || {
            tid_sender.send(gettid()).expect("main thread is waiting");
            fifo.open_writer(Open::Blocking) // no reader yet: this waits
        });
        let blocked = blocked::wait_until_blocked_in(
            tid.recv()?,
            libc::SYS_openat,
            || writer.is_finished(),
        );

        let reader = fifo.open_reader(Open::Blocking)?;
        let writer = writer.join().expect("writer thread panicked")?;
        drop((reader, writer));
        assert!(blocked?, "the open for writing returned with no reader");
        Ok(())
    })?;
    // ANCHOR_END: writer_waits
    println!("open for writing waited in openat until a reader opened");
    Ok(())
}
