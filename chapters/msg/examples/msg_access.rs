//! Opening a queue asks for the access the caller needs, and msgget refuses a
//! caller without it (EACCES) at once; attaching by identifier asks for
//! nothing, and each operation is then checked.
//!
//! Root passes every check (CAP_IPC_OWNER), so run as root this demonstration
//! first becomes the user nobody.
//!
//! Run: cargo run --example msg_access

use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::xsi::{Access, Key, Options};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    harness::user::drop_root()?; // as root, become nobody: root is never refused
                                 // ANCHOR: open
    let key = Key::unique_to_process(1);
    // Write permission only, for everyone, the owner included: a drop box.
    let created = Options::new().exclusive(true).mode(0o222).clone();
    let queue = MessageQueue::open(key, &created)?;

    // Asking to read is refused by msgget itself, before any receive.
    let reader = Options::new().access(Access::Read).clone();
    let refused = MessageQueue::open(key, &reader).unwrap_err();
    assert_eq!(refused.errno(), Some(Errno::EACCES));
    // So is the default, read and write.
    let both = MessageQueue::open(key, &Options::new()).unwrap_err();
    assert_eq!(both.errno(), Some(Errno::EACCES));

    // Asking to write is granted, and sending works.
    let writer = Options::new().access(Access::Write).clone();
    MessageQueue::open(key, &writer)?.send(1, b"for the owner")?;

    // An identifier needs no permission: attach, send, and only the receive,
    // which needs read permission, is refused.
    let by_id = MessageQueue::attach(queue.id().raw())?;
    by_id.send(1, b"again")?;
    let read = by_id.try_receive(Select::Any, 64).unwrap_err();
    assert_eq!(read.errno(), Some(Errno::EACCES));
    // ANCHOR_END: open
    println!("open to read: {refused}");
    println!("receive after attach: {read}");
    Ok(())
}
