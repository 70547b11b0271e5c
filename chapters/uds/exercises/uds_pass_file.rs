//! Exercise (Unix domain sockets): receive an open file. `send_file` sends a
//! file's descriptor with SCM_RIGHTS; write `receive_file`, which takes it on
//! the other end of the socket, and says clearly when no file came.
//!
//! In classroom mode, `cargo xtask exercise start uds_pass_file` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! uds_pass_file` tests your copy. The task and its hints are in the chapter
//! "Unix domain sockets", section "Exercises". `cargo test --example
//! uds_pass_file` runs the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use std::fs::File;
use std::os::fd::AsFd;

use apue_ipc::uds::UnixSocket;
use apue_ipc::{Error, Result};

/// Sends `file` over `socket`, a connected Unix domain socket, with the one
/// byte `F` as the data it travels with.
pub fn send_file(socket: &impl AsFd, file: &File) -> Result<()> {
    socket.send_fds(b"F", &[file.as_fd()]).map(drop)
}

/// Receives the file that `send_file` sent on the other end of `socket`. The
/// peer closing the connection, or a message that carries no descriptor or
/// more than one, is an error.
pub fn receive_file(socket: &impl AsFd) -> Result<File> {
    // ANCHOR_END: setup
    // ANCHOR: todo recvmsg with room for descriptors, then check what came
    let mut data = [0u8; 1];
    let (packet, mut fds) = socket.receive_fds(&mut data)?;
    if packet.len == 0 {
        return Err(Error::unexpected(
            "recvmsg",
            "socket",
            "end-of-file: the peer closed the connection",
        ));
    }
    match (fds.pop(), fds.is_empty()) {
        (Some(fd), true) => Ok(File::from(fd)),
        (None, _) => Err(Error::unexpected(
            "recvmsg",
            "socket",
            "the message carried no descriptor",
        )),
        // The extra descriptors close when `fds` is dropped.
        (Some(_), false) => Err(Error::unexpected(
            "recvmsg",
            "socket",
            format!("the message carried {} descriptors", fds.len() + 1),
        )),
    }
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    use apue_ipc::uds::{self, Kind};
    use std::io::{Read, Seek, Write};
    let (a, b) = uds::pair(Kind::Stream)?;
    let mut file = tempfile::tempfile()?; // a file with no name
    file.write_all(b"hello through a descriptor")?;
    file.rewind()?;
    send_file(&a, &file)?;
    let mut text = String::new();
    receive_file(&b)?.read_to_string(&mut text)?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::uds::{self, Kind};
    use std::io::{Read, Seek, SeekFrom, Write};

    fn unlinked_file(text: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap(); // no name at all
        file.write_all(text).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    }

    #[test]
    fn the_file_arrives_open_and_shares_its_offset() {
        for kind in [Kind::Stream, Kind::SeqPacket, Kind::Datagram] {
            let (a, b) = uds::pair(kind).unwrap();
            let mut mine = unlinked_file(b"0123456789");
            send_file(&a, &mine).unwrap();
            let mut theirs = receive_file(&b).unwrap();
            let mut first = [0u8; 4];
            theirs.read_exact(&mut first).unwrap();
            assert_eq!(&first, b"0123");
            // One open file, two descriptors: reading through one moved both.
            let mut rest = String::new();
            mine.read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "456789", "{kind:?}");
        }
    }

    #[test]
    fn no_descriptor_is_an_error_and_so_is_a_closed_peer() {
        let (a, b) = uds::pair(Kind::SeqPacket).unwrap();
        a.send_once(b"F").unwrap();
        let err = receive_file(&b).unwrap_err();
        assert!(err.to_string().contains("no descriptor"), "{err}");
        drop(a);
        let err = receive_file(&b).unwrap_err();
        assert!(err.to_string().contains("end-of-file"), "{err}");
    }

    #[test]
    fn two_descriptors_are_refused_and_closed() {
        let (a, b) = uds::pair(Kind::SeqPacket).unwrap();
        let (x, y) = (unlinked_file(b"x"), unlinked_file(b"y"));
        a.send_fds(b"F", &[x.as_fd(), y.as_fd()]).unwrap();
        let err = receive_file(&b).unwrap_err();
        assert!(err.to_string().contains("2 descriptors"), "{err}");
    }
}
