//! The mmap chapter's programs, run as real processes: see `harness::testing`.
//! Each forks without exec; the test harness is multi-threaded, so they can
//! only be tested this way, from outside.

harness::chapter_program!(mmap_dev_zero);
harness::chapter_program!(mmap_anon);
