//! The three kinds of Unix domain socket: a stream runs messages together, a
//! packet socket and a datagram socket keep them apart; a packet longer than
//! the buffer is cut; and only the two connection kinds see end-of-file.
//!
//! Run: cargo run --example uds_boundaries

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};

use apue_ipc::uds::{self, Kind, Packet, UnixSocket};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let mut buf = [0u8; 64];

    // ANCHOR: stream
    let (a, b) = uds::pair(Kind::Stream)?;
    let (mut a, mut b) = (UnixStream::from(a), UnixStream::from(b));
    for word in ["one", "two", "three"] {
        a.write_all(word.as_bytes())?;
    }
    let n = b.read(&mut buf)?;
    // One read takes all three writes: a stream has no boundaries.
    assert_eq!(&buf[..n], b"onetwothree");
    // ANCHOR_END: stream

    // ANCHOR: seqpacket
    let (a, b) = uds::pair(Kind::SeqPacket)?;
    for word in ["one", "two", "three"] {
        a.send_once(word.as_bytes())?;
    }
    let mut words = Vec::new();
    for _ in 0..3 {
        let packet = b.receive_once(&mut buf)?; // one message per receive
        words.push(String::from_utf8_lossy(&buf[..packet.len]).into_owned());
    }
    assert_eq!(words, ["one", "two", "three"]);

    // A packet longer than the buffer is cut, and the rest is gone:
    a.send_once(b"hello, world")?;
    a.send_once(b"next")?;
    let cut = b.receive_once(&mut buf[..5])?;
    let expected = Packet {
        len: 5,
        truncated: true,
    };
    assert_eq!((cut, &buf[..5]), (expected, &b"hello"[..]));
    let next = b.receive_once(&mut buf)?;
    assert_eq!(&buf[..next.len], b"next");
    // ANCHOR_END: seqpacket

    // ANCHOR: datagram
    let (a, b) = uds::pair(Kind::Datagram)?;
    let (a, b) = (UnixDatagram::from(a), UnixDatagram::from(b));
    a.send(b"one")?;
    a.send(b"two")?;
    let n = b.recv(&mut buf)?;
    assert_eq!(&buf[..n], b"one"); // boundaries kept, as with packets
    b.recv(&mut buf)?;

    // Nothing is dropped: a sender that outruns its reader is stopped (EAGAIN
    // here; a blocking send waits), and every datagram arrives, in order.
    a.set_nonblocking(true)?;
    let mut sent: u32 = 0;
    loop {
        match a.send(&sent.to_ne_bytes()) {
            Ok(_) => sent += 1,
            Err(err) if err.kind() == ErrorKind::WouldBlock => break,
            Err(err) => return Err(err.into()),
        }
    }
    for expected in 0..sent {
        let n = b.recv(&mut buf)?;
        assert_eq!(buf[..n], expected.to_ne_bytes());
    }
    // ANCHOR_END: datagram

    // ANCHOR: eof
    // A connection knows when the other end is gone...
    let (a, b) = uds::pair(Kind::SeqPacket)?;
    drop(a);
    assert_eq!(b.receive_once(&mut buf)?.len, 0); // end-of-file, at once
    let err = b.send_once(b"hello?").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EPIPE));

    // ...a datagram socket does not: a blocking recv would wait forever.
    let (a, b) = uds::pair(Kind::Datagram)?;
    drop(a);
    let b = UnixDatagram::from(b);
    b.set_nonblocking(true)?;
    assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    let err = b.send_once(b"hello?").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ECONNREFUSED));
    // ANCHOR_END: eof
    println!("stream: onetwothree; seqpacket: one two three; datagram: one");
    Ok(())
}
