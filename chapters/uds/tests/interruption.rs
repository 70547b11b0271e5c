//! A signal that interrupts a blocked receive or accept reaches the caller as
//! `EINTR`: the library does not retry the call behind its back.

use apue_ipc::msg::Select;
use apue_ipc::uds::{connect, Address, Kind, Listener, MessageSocket};
use harness::interrupt::run_interrupted;
use nix::errno::Errno;

#[test]
fn a_receive_of_the_next_message_returns_eintr() {
    let (sender, mut receiver) = MessageSocket::pair().unwrap();
    let result = run_interrupted(
        libc::SYS_recvmsg,
        move || receiver.receive_into(Select::Any, &mut [0u8; 8]).map(drop),
        || sender.send(1, b"wake up").unwrap(),
    );
    assert_eq!(result.unwrap_err().errno(), Some(Errno::EINTR));
}

#[test]
fn a_receive_by_type_returns_eintr() {
    let (sender, mut receiver) = MessageSocket::pair().unwrap();
    sender.send(2, b"not this one").unwrap();
    let result = run_interrupted(
        libc::SYS_recvmsg,
        move || receiver.receive(Select::Type(1), 64).map(drop),
        || sender.send(1, b"wake up").unwrap(),
    );
    assert_eq!(result.unwrap_err().errno(), Some(Errno::EINTR));
}

#[test]
fn an_accept_returns_eintr() {
    let address = Address::unique_abstract("test");
    let listener = Listener::bind(address.clone(), Kind::SeqPacket).unwrap();
    let result = run_interrupted(
        libc::SYS_accept4,
        move || listener.accept().map(drop),
        || drop(connect(&address, Kind::SeqPacket).unwrap()),
    );
    assert_eq!(result.unwrap_err().errno(), Some(Errno::EINTR));
}
