//! semctl's fourth argument is a `union semun` passed by value: for SETVAL the
//! kernel takes the number from the argument itself. The note passes `&value`,
//! a pointer; on 64-bit little-endian Linux the kernel then reads the low 32
//! bits of that address as the value, which is out of range (ERANGE) on every
//! run but about one in 131072, and the semaphore keeps the value it had.
//!
//! Run: cargo run --example sem_setval

use apue_ipc::sem::SemaphoreSet;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: by_value
    let set = SemaphoreSet::new(1)?;
    assert_eq!(set.value(0)?, 0); // Linux starts it at 0 (POSIX: undefined)
    set.set_value(0, 1)?; // the union's `val` is 1
    assert_eq!(set.value(0)?, 1);
    // ANCHOR_END: by_value

    // ANCHOR: by_address
    let value = 0i32;
    // What `semctl(id, 0, SETVAL, &value)` hands the kernel: the address,
    // whose low 32 bits the kernel reads as `val` (x86-64 is little-endian).
    let address = &value as *const i32 as usize;
    let val = address as u32 as i32;
    let result = set.set_value(0, val);
    if (0..=32767).contains(&val) {
        result?; // a rare address whose low bits are a valid value:
        assert_eq!(set.value(0)?, val); // that is what the semaphore gets
    } else {
        let err = result.unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ERANGE));
        assert_eq!(set.value(0)?, 1); // unchanged
    }
    // ANCHOR_END: by_address
    println!("&value is {address:#x}; the kernel read {val} as the value");
    Ok(())
}
