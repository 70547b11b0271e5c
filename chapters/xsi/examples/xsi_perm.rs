//! Every XSI object carries an ipc_perm: key, owner, creator, mode, sequence
//! number. IPC_SET changes the owner and the mode, like chown and chmod, but
//! the creator may give the object to anyone, and keeps the right to take it
//! back.
//!
//! Run: cargo run --example xsi_perm

use apue_ipc::xsi::{Key, Kind, Object};
use nix::unistd::{getegid, geteuid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: perm
    let me = (geteuid().as_raw(), getegid().as_raw());
    let queue = Object::new(Kind::MessageQueue)?;
    let perm = queue.id().perm()?;
    assert_eq!(perm.key, Key::PRIVATE);
    // owner: the creator's effective ids...
    assert_eq!((perm.uid, perm.gid), me);
    assert_eq!((perm.cuid, perm.cgid), me); // ...and the creator, for good
    assert_eq!(perm.mode & 0o777, 0o600);

    queue.id().set_mode(0o640)?; // chmod
    let nobody = 65534;
    queue.id().set_owner(nobody, nobody)?; // chown, without privilege
    let given = queue.id().perm()?;
    assert_eq!(
        (given.uid, given.gid, given.mode & 0o777),
        (nobody, nobody, 0o640)
    );
    assert_eq!((given.cuid, given.cgid), me); // the creator cannot change

    // the creator takes it back
    queue.id().set_owner(me.0, me.1)?;
    // ANCHOR_END: perm
    println!("{perm:?}");
    println!("after IPC_SET: {given:?}");
    Ok(())
}
