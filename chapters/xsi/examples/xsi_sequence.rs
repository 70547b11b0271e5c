//! Identifiers are not reused straight away: the kernel hands out slots in a
//! cycle, and a sequence number in the high bits grows each time the cycle
//! wraps. A queue created, removed and created again gets a new identifier, so
//! a stale one fails instead of reaching the new object.
//!
//! Run: cargo run --example xsi_sequence

use apue_ipc::xsi::{Kind, Object};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: sequence
    let mut ids = Vec::new();
    for _ in 0..200 {
        let queue = Object::new(Kind::MessageQueue)?;
        let seq = queue.id().perm()?.seq;
        let raw = queue.id().raw();
        assert_eq!(raw / 32768, i32::from(seq)); // id = seq * 32768 + slot
        ids.push(raw);
        queue.remove()?; // the next one could take the same slot...
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    // ...yet no identifier came back
    assert_eq!(distinct.len(), ids.len());
    // ANCHOR_END: sequence
    let shown: Vec<String> = ids.iter().take(8).map(i32::to_string).collect();
    let (first, last) = (ids[0], ids[ids.len() - 1]);
    println!(
        "200 queues, each removed before the next: {} ...",
        shown.join(" ")
    );
    println!(
        "first {first} (seq {}, slot {}), last {last} (seq {}, slot {})",
        first / 32768,
        first % 32768,
        last / 32768,
        last % 32768
    );
    Ok(())
}
