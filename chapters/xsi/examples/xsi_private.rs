//! IPC_PRIVATE means "no key", not "hidden": the kernel lists every object's
//! identifier in /proc/sysvipc, which every user may read, and only the mode
//! keeps other users out. Run as root, the listing shows it with a second
//! user, uid 65534 ("nobody"): that user finds the identifier, is refused by
//! mode 0600, and takes the message once the mode lets others read.
//!
//! Run: cargo run --example xsi_private (the second user's half runs only as
//! root, the one user allowed to start a process as another)

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::xsi::{Key, Kind};
use harness::cli;
use nix::unistd::geteuid;

/// The second user: "nobody" on Debian, a uid that owns nothing here.
const STRANGER: u32 = 65534;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    harness::cli::takes_roles(&["stranger"]);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [role, rest @ ..] = &args[..] {
        if role == "stranger" {
            return stranger(rest);
        }
    }
    // ANCHOR: listed
    let queue = MessageQueue::new()?; // IPC_PRIVATE, mode 0600
    queue.send(1, b"for the owner only")?;
    let entry = Kind::MessageQueue
        .list()?
        .into_iter()
        .find(|entry| entry.id == queue.id())
        .ok_or("the queue is not listed")?;
    // No key leads to it, but its identifier is in a list every user may read.
    assert_eq!(entry.key, Key::PRIVATE);
    let list = std::fs::metadata("/proc/sysvipc/msg")?;
    assert_eq!(list.permissions().mode() & 0o777, 0o444);
    // ANCHOR_END: listed
    if !geteuid().is_root() {
        println!(
            "{} is listed for every user to read (the second user needs root)",
            queue.id()
        );
        return Ok(());
    }
    // ANCHOR: stranger
    let id = queue.id().raw().to_string();
    // Another user, told nothing, lists every queue: ours is there.
    let seen = as_stranger(&["list"])?;
    assert!(seen.lines().any(|listed| listed == id));
    // Only the mode keeps it out...
    assert_eq!(as_stranger(&["receive", &id])?, "EACCES");
    // ...and once the mode lets others read, it takes the message.
    queue.id().set_mode(0o604)?;
    assert_eq!(as_stranger(&["receive", &id])?, "for the owner only");
    assert_eq!(queue.stat()?.messages, 0);
    // ANCHOR_END: stranger
    println!(
        "uid {STRANGER} listed {}, was refused at mode 600, and took the \
         message at 604",
        queue.id()
    );
    Ok(())
}

/// Runs this program again as uid and gid 65534 (std drops root's
/// supplementary groups too), and returns what it printed.
fn as_stranger(args: &[&str]) -> Result<String> {
    let output = cli::child_command("stranger")?
        .args(args)
        .uid(STRANGER)
        .gid(STRANGER)
        .output()?;
    if !output.status.success() {
        return Err(format!("the second user's half failed: {output:?}").into());
    }
    Ok(String::from_utf8(output.stdout)?.trim_end().to_string())
}

/// The second user's half: `list` prints the identifier of every queue it can
/// see; `receive ID` takes a message from queue ID without waiting and prints
/// it, or prints the errno that stopped it.
fn stranger(args: &[String]) -> Result<()> {
    match args {
        [list] if list == "list" => {
            for entry in Kind::MessageQueue.list()? {
                println!("{}", entry.id.raw());
            }
        }
        [receive, id] if receive == "receive" => {
            let taken = MessageQueue::attach(id.parse()?)
                .and_then(|queue| queue.try_receive(Select::Any, 64));
            match taken {
                Ok(message) => {
                    println!("{}", String::from_utf8_lossy(&message.data))
                }
                Err(err) => match err.errno() {
                    Some(errno) => println!("{errno:?}"),
                    None => return Err(err.into()),
                },
            }
        }
        _ => return Err("usage: stranger list | stranger receive ID".into()),
    }
    Ok(())
}
