//! A message longer than the receive buffer: E2BIG, and the message stays in
//! the queue; with MSG_NOERROR it is cut to fit and the rest is lost. A message
//! longer than msgmax cannot be sent at all.
//!
//! Run: cargo run --example msg_e2big

use apue_ipc::msg::{MessageQueue, Receive, Select};
use apue_ipc::xsi::Limits;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: e2big
    let queue = MessageQueue::new()?;
    queue.send(1, b"hello, world")?; // 12 bytes
    let err = queue.receive(Select::Any, 5).unwrap_err(); // room for 5
    assert_eq!(err.errno(), Some(Errno::E2BIG));
    assert_eq!(queue.stat()?.messages, 1); // nothing was taken

    let truncate = Receive {
        truncate: true, // MSG_NOERROR
        ..Receive::default()
    };
    let cut = queue.receive_with(Select::Any, 5, truncate)?;
    assert_eq!(cut.data, b"hello");
    // ", world" is gone for good
    assert_eq!(queue.stat()?.messages, 0);
    // ANCHOR_END: e2big

    // ANCHOR: msgmax
    let msgmax = Limits::read()?.msgmax as usize; // 8192 by default
    let too_big = queue.send(1, &vec![0; msgmax + 1]).unwrap_err();
    // refused before the call, with the errno the kernel would have given
    assert_eq!(too_big.errno(), Some(Errno::EINVAL));
    // the largest message there can be
    queue.send(1, &vec![0; msgmax])?;
    // ANCHOR_END: msgmax
    println!("{err}");
    println!("{too_big}");
    Ok(())
}
