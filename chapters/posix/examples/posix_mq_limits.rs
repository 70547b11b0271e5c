//! A queue's size is set when it is created, within limits the system keeps in
//! /proc/sys/fs/mqueue, and a receive needs a buffer of the queue's message
//! size, whatever the length of the message waiting.
//!
//! Run: cargo run --example posix_mq_limits

use apue_ipc::posix::{Name, Queue, QueueLimits, QueueOptions};
use nix::errno::Errno;

/// Whether this process has CAP_SYS_RESOURCE (capability 24) in its effective
/// set, as /proc/self/status shows it in hexadecimal.
fn has_cap_sys_resource() -> Result<bool, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let effective = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .ok_or("no CapEff line")?;
    let bits = u64::from_str_radix(effective.trim(), 16)?;
    Ok(bits & (1 << 24) != 0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: defaults
    let limits = QueueLimits::read()?; // /proc/sys/fs/mqueue/*
    let queue =
        Queue::create(&Name::unique("limits")?, &QueueOptions::default())?;
    let attributes = queue.attributes()?;
    // A queue created without attributes: msg_default messages (10) of
    // msgsize_default bytes (8192).
    assert_eq!(attributes.max_messages as u64, limits.msg_default);
    assert_eq!(attributes.message_size as u64, limits.msgsize_default);
    // ANCHOR_END: defaults

    // ANCHOR: maximum
    let too_many = QueueOptions {
        max_messages: Some(limits.msg_max as usize + 1),
        message_size: Some(64),
        ..QueueOptions::default()
    };
    let more = Queue::create(&Name::unique("limits")?, &too_many);
    if has_cap_sys_resource()? {
        assert!(more.is_ok()); // the capability lifts msg_max (to 65536)
    } else {
        // Without it, root or not: EINVAL.
        assert_eq!(more.unwrap_err().errno(), Some(Errno::EINVAL));
    }
    // ANCHOR_END: maximum

    // ANCHOR: sizes
    queue.send(b"short", 0)?;
    // A buffer shorter than mq_msgsize is refused, though the message fits.
    let mut small = [0u8; 100];
    let err = queue.receive_into(&mut small).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EMSGSIZE));
    let mut buf = vec![0u8; attributes.message_size];
    assert_eq!(queue.receive_into(&mut buf)?.len, 5);
    // And a message longer than mq_msgsize cannot be sent.
    let err = queue
        .send(&vec![0; attributes.message_size + 1], 0)
        .unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EMSGSIZE));
    // ANCHOR_END: sizes
    println!("{limits:?}");
    Ok(())
}
