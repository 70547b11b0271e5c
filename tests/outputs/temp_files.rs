//! Programs that create files create them in a private directory under `$TMPDIR` and
//! remove it before they exit, and never write into their working directory: each runs
//! here with both pointing at empty directories, which must still be empty afterwards.

use std::fs;

use apue_ipc::tempdir::TempDir;

use super::*;

/// The chapter programs that create files (the FIFO client and server are checked by
/// their own session tests).
const CREATE_FILES: [Program; 2] = [bin!("popen"), bin!("fifo")];

#[test]
fn chapter_programs_leave_no_file_behind() {
    for program in CREATE_FILES {
        let tmpdir = TempDir::new("tmpdir").unwrap();
        let workdir = TempDir::new("workdir").unwrap();
        let output = Command::new(program.path)
            .env("TMPDIR", tmpdir.path())
            .current_dir(workdir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}: {output:?}", program.name);
        for dir in [&tmpdir, &workdir] {
            let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
            assert!(left.is_empty(), "{} left {left:?} behind", program.name);
        }
    }
}
