//! The owning types remove the objects they created when they are dropped, and
//! dropping also happens while a panic unwinds: a program that fails half-way
//! leaks nothing.
//!
//! Run: cargo run --example xsi_leak_free

use std::panic;

use apue_ipc::xsi::{Id, Kind, Object};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // the panic below is on purpose: keep stderr quiet, then put back the
    // hook that was there
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    // ANCHOR: panic
    let mut created: Vec<Id> = Vec::new();
    let outcome = panic::catch_unwind(panic::AssertUnwindSafe(
        || -> apue_ipc::Result<()> {
            let queue = Object::new(Kind::MessageQueue)?;
            let set = Object::new(Kind::SemaphoreSet)?;
            let segment = Object::new(Kind::SharedMemory)?;
            created.extend([queue.id(), set.id(), segment.id()]);
            for id in &created {
                assert!(id.is_listed()?); // all three exist...
            }
            panic!("something went wrong half-way");
        },
    ));
    assert!(outcome.is_err());
    for id in &created {
        assert!(!id.is_listed()?); // ...and unwinding removed all three
    }
    // ANCHOR_END: panic
    panic::set_hook(previous);
    let names: Vec<String> = created.iter().map(Id::to_string).collect();
    println!("a panic with {} in hand left none behind", names.join(", "));
    Ok(())
}
