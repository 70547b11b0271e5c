//! After fork, a MAP_SHARED mapping is the same pages in both processes, and
//! a MAP_PRIVATE one is copied: the child's writes stay in the child
//! (copy-on-write).
//!
//! Run: cargo run --example mmap_private

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;

type Error = Box<dyn std::error::Error>;

/// The first six bytes of `mapping`.
fn first_six(mapping: &Mapping) -> Result<[u8; 6], Error> {
    let mut text = [0u8; 6];
    mapping.read(0, &mut text)?;
    Ok(text)
}

fn main() -> Result<(), Error> {
    harness::cli::takes_no_arguments();
    // ANCHOR: private
    let shared = Mapping::anonymous(4096)?; // MAP_SHARED | MAP_ANONYMOUS
    let private = Mapping::private_anonymous(4096)?; // MAP_PRIVATE | ...
    shared.write(0, b"parent")?;
    private.write(0, b"parent")?;

    let child = fork(|| -> Result<(), Error> {
        // Both start out as the parent left them...
        assert_eq!(&first_six(&shared)?, b"parent");
        assert_eq!(&first_six(&private)?, b"parent");
        // ...and the child writes both.
        shared.write(0, b"child!")?;
        private.write(0, b"child!")?;
        assert_eq!(&first_six(&private)?, b"child!"); // in its own copy
        Ok(())
    })?;
    child.wait_success()?; // the child's writes are done

    assert_eq!(&first_six(&shared)?, b"child!"); // the same pages
                                                 // the child wrote a copy
    assert_eq!(&first_six(&private)?, b"parent");
    // ANCHOR_END: private
    println!("shared: the child's write; private: the parent's own");
    Ok(())
}
