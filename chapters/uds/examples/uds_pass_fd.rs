//! SCM_RIGHTS: a process hands an open file to another process. The parent
//! opens a file and removes its name, so that no path leads to it any more,
//! and sends the descriptor to a child over a socket pair; the child reads the
//! file through the descriptor it received.
//!
//! Run: cargo run --example uds_pass_fd

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::process::Stdio;

use apue_ipc::uds::{self, Kind, UnixSocket};
use harness::{cli, temp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    if std::env::args().nth(1).as_deref() == Some("child") {
        return child();
    }
    // ANCHOR: parent
    let dir = temp::dir("uds_pass_fd")?;
    let path = dir.path().join("letter.txt");
    fs::write(&path, "read me through the descriptor\n")?;
    let file = File::open(&path)?;
    fs::remove_file(&path)?; // no name leads to the file any more

    // The child's end of the pair becomes its standard input.
    let (mine, childs) = uds::pair(Kind::SeqPacket)?;
    let child = cli::spawn(
        cli::child_command("child")?
            .stdin(childs)
            .stdout(Stdio::piped()),
        "child",
    )?;
    mine.send_fds(b"letter", &[file.as_fd()])?;
    drop(file); // closing ours leaves the child's open

    let output = child.wait_with_output()?;
    assert!(output.status.success());
    assert_eq!(output.stdout, b"read me through the descriptor\n");
    // ANCHOR_END: parent
    print!(
        "the child read: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    Ok(())
}

// ANCHOR: child
fn child() -> Result<(), Box<dyn std::error::Error>> {
    let socket = io::stdin(); // descriptor 0: our end of the pair
    let mut label = [0u8; 16];
    let (packet, mut fds) = socket.receive_fds(&mut label)?;
    assert_eq!(&label[..packet.len], b"letter");
    let mut letter = File::from(fds.pop().ok_or("no descriptor came")?);
    io::copy(&mut letter, &mut io::stdout())?;
    io::stdout().flush()?;
    Ok(())
}
// ANCHOR_END: child
