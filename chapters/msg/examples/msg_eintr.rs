//! A signal handler ends a blocked msgrcv with EINTR, even installed with
//! SA_RESTART: the kernel never restarts msgsnd or msgrcv after a handler
//! (signal(7)), while the same handler restarts a blocked read of a pipe. Then
//! a receive bounded in time, with a timer.
//!
//! Run: cargo run --example msg_eintr

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::pipe::Pipe;
use harness::blocked::{self, Waiter};
use nix::sys::signal::{SigEvent, SigevNotify, Signal};
use nix::sys::timer::{Expiration, Timer, TimerSetTimeFlags};
use nix::time::ClockId;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: handler
    // signal-hook installs its handler with SA_RESTART: after the handler, the
    // kernel restarts the interrupted call, if it is one that can be restarted.
    let handled = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(libc::SIGUSR1, Arc::clone(&handled))?;
    // ANCHOR_END: handler

    // ANCHOR: side_by_side
    let queue = MessageQueue::new()?; // empty
    let id = queue.id().raw();
    let Pipe {
        mut reader,
        mut writer,
    } = Pipe::new()?; // empty
                      // One thread waits in msgrcv, another in read.
    let in_msgrcv = Waiter::spawn(move || {
        MessageQueue::attach(id)?.receive(Select::Any, 64)
    })?;
    let in_read = Waiter::spawn(move || {
        let mut byte = [0u8; 1];
        reader.read(&mut byte).map(|n| byte[..n].to_vec())
    })?;
    in_msgrcv.wait_until_blocked_in(libc::SYS_msgrcv)?;
    in_read.wait_until_blocked_in(libc::SYS_read)?;

    // msgrcv: the handler runs, and the receive fails with EINTR.
    in_msgrcv.interrupt(Signal::SIGUSR1)?;
    let err = in_msgrcv.result()?.unwrap_err();
    assert!(err.is_interrupted()); // EINTR: io::ErrorKind::Interrupted
    assert!(handled.swap(false, Ordering::SeqCst));

    // read: the handler runs, and the read goes on waiting (restarted), so it
    // gets the byte written once the handler has run.
    in_read.interrupt(Signal::SIGUSR1)?;
    blocked::wait_for("the handler", || handled.load(Ordering::SeqCst))?;
    writer.write_all(b"!")?;
    assert_eq!(in_read.result()??, b"!");
    // ANCHOR_END: side_by_side
    println!("msgrcv, interrupted: {err}");
    println!("read, interrupted and restarted: got the byte written after");

    // ANCHOR: bounded
    // A receive bounded in time: a timer sends SIGALRM every 100 ms until the
    // receive gives up. (A single alarm could go off before the receive starts
    // to wait, and the receive would then wait for ever: APUE 10.10.)
    signal_hook::flag::register(libc::SIGALRM, Arc::clone(&handled))?;
    let mut timer = Timer::new(
        ClockId::CLOCK_MONOTONIC,
        SigEvent::new(SigevNotify::SigevSignal {
            signal: Signal::SIGALRM,
            si_value: 0,
        }),
    )?;
    let every = Duration::from_millis(100);
    timer.set(
        Expiration::Interval(every.into()),
        TimerSetTimeFlags::empty(),
    )?;
    let started = Instant::now();
    let timed_out = queue.receive(Select::Any, 64).unwrap_err();
    drop(timer); // no more ticks
    assert!(timed_out.is_interrupted());
    assert!(started.elapsed() >= every);
    // ANCHOR_END: bounded
    println!("receive with a timer: {timed_out}");
    Ok(())
}
