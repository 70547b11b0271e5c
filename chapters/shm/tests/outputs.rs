//! The shared-memory chapter's program, run as a real process: see
//! `harness::testing`.

/// SHMLBA is the page size on x86-64 (4096, which the book shows); a machine
/// with larger pages prints its own, shown as 4096 here.
fn lower_boundary() -> harness::testing::Filters {
    let label = "SHMLBA(shared memory low boundary):";
    match apue_ipc::shm::lower_boundary().expect("page size") {
        4096 => Vec::new(),
        other => vec![(
            format!("{}{other}\\b", regex_escape(label)),
            format!("{label}4096"),
        )],
    }
}

fn regex_escape(text: &str) -> String {
    text.replace('(', "\\(").replace(')', "\\)")
}

harness::chapter_program!(shm, args: [], filters: lower_boundary());

/// The note's program never removes its segment, so every run leaves one
/// behind; this one removes it. Found by its creator's pid, the program's, in
/// the `cpid` column of /proc/sysvipc/shm.
#[test]
fn leaves_no_segment_behind() {
    use harness::testing::Running;
    let running = Running::start(harness::program!("shm"), &[], None);
    let pid = running.pid().to_string();
    let output = running.finish();
    assert!(output.status.success(), "{output:?}");
    let table = std::fs::read_to_string("/proc/sysvipc/shm").unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let cpid = header.iter().position(|&name| name == "cpid").unwrap();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_ne!(
            fields.get(cpid),
            Some(&pid.as_str()),
            "left behind: {line}"
        );
    }
}
