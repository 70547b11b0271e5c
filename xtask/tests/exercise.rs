//! Classroom mode as a student meets it: `cargo xtask exercise` run as a process,
//! through list, start, a failed check, a hint, a fix and a passing check, for one
//! exercise of each chapter; and what a check says about a hang, a leak, a compile
//! error and tests that were changed.
//!
//! Each test works in a temporary directory of its own (`APUE_IPC_EXERCISES_DIR`),
//! removed at the end: nothing is written into the repository but under `target/`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A student with a directory of their own.
struct Student {
    dir: TempDir,
}

/// What one command printed, and whether it succeeded.
struct Ran {
    success: bool,
    text: String,
}

impl Student {
    fn new() -> Student {
        Student {
            dir: tempfile::Builder::new()
                .prefix("apue-ipc-classroom-")
                .tempdir()
                .unwrap(),
        }
    }

    fn xtask(&self, args: &[&str]) -> Ran {
        let output: Output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("exercise")
            .args(args)
            .env("APUE_IPC_EXERCISES_DIR", self.dir.path())
            .current_dir(root())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ran {
            success: output.status.success(),
            text,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.rs"))
    }

    /// Replaces the `todo!(...)` line that contains `marker` with `code`.
    fn write_body(&self, name: &str, marker: &str, code: &str) {
        let file = self.file(name);
        let text = fs::read_to_string(&file).unwrap();
        let line = text
            .lines()
            .find(|line| line.contains("todo!(") && line.contains(marker))
            .unwrap_or_else(|| panic!("no todo!() with {marker:?} in {text}"));
        fs::write(&file, text.replace(line, code)).unwrap();
    }

    /// Writes the reference solution as the student's file.
    fn write_solution(&self, chapter: &str, name: &str) {
        let solution =
            root().join(format!("chapters/{chapter}/exercises/{name}.rs"));
        fs::copy(solution, self.file(name)).unwrap();
    }
}

fn expect(ran: &Ran, success: bool, parts: &[&str]) {
    assert_eq!(ran.success, success, "{}", ran.text);
    for part in parts {
        assert!(ran.text.contains(part), "no {part:?} in:\n{}", ran.text);
    }
}

/// list, start, check the starter, check a wrong solution (with a hint), ask for
/// the next hint, check the reference solution, list again. The wrong solution
/// replaces each `todo!()` whose message contains a marker with its code.
fn flow(chapter: &str, name: &str, wrong: &[(&str, &str)], failure: &[&str]) {
    let student = Student::new();
    let line = |text: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} is not listed:\n{text}"))
            .to_string()
    };
    let listed = student.xtask(&["list"]);
    expect(&listed, true, &[]);
    assert!(
        line(&listed.text).ends_with("not started"),
        "{}",
        listed.text
    );

    let started = student.xtask(&["start", name]);
    expect(&started, true, &["Exercise ", "cargo xtask exercise check"]);
    let starter = fs::read_to_string(student.file(name)).unwrap();
    assert!(starter.contains("todo!("));
    assert!(!starter.contains("ANCHOR"), "{starter}");

    let checked = student.xtask(&["check", name]);
    expect(
        &checked,
        false,
        &[
            "TODO",
            "not implemented yet",
            "This is the starter as it was given",
        ],
    );
    assert!(!checked.text.contains("Hint 1"), "{}", checked.text);

    for (marker, code) in wrong {
        student.write_body(name, marker, code);
    }
    let checked = student.xtask(&["check", name, "--timeout", "3"]);
    expect(&checked, false, &["Hint 1 of 2"]);
    expect(&checked, false, failure);

    let hint = student.xtask(&["hint", name]);
    expect(
        &hint,
        true,
        &["Hint 1 of 2", "Hint 2 of 2", "That is every hint"],
    );

    student.write_solution(chapter, name);
    let checked = student.xtask(&["check", name]);
    expect(&checked, true, &["PASS", "pass", "is done"]);
    assert!(!checked.text.contains("FAIL"), "{}", checked.text);

    let listed = student.xtask(&["list"]);
    assert!(line(&listed.text).ends_with("passing"), "{}", listed.text);
}

#[test]
fn pipe_a_pipeline_that_ignores_exit_statuses() {
    flow(
        "pipe",
        "pipe_pipeline",
        &[(
            "one pipe",
            // It waits for both children (a child not waited for may still
            // be running when the test ends: a leak, not this mistake), but
            // never looks at how they ended.
            r#"    let Pipe { reader, writer } = Pipe::new()?;
    let mut first =
        producer.stdout(writer).spawn().context("spawn", "producer")?;
    let mut child = consumer
        .stdin(reader)
        .stdout(Stdio::piped())
        .spawn()
        .context("spawn", "consumer")?;
    drop(producer);
    drop(consumer);
    let mut output = String::new();
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    let _ = first.wait();
    let _ = child.wait();
    Ok(output)"#,
        )],
        &[
            "FAIL  a_failing_command_is_an_error",
            "PASS  counts_lines_through_the_pipe",
            "called `Result::unwrap_err()` on an `Ok` value",
        ],
    );
}

#[test]
fn popen_quoting_with_double_quotes() {
    flow(
        "popen",
        "popen_quote",
        // Double quotes: the shell still expands `$` inside them.
        &[("one shell word", r#"    format!("\"{arg}\"")"#)],
        &[
            "FAIL  every_awkward_string_reaches_the_command_intact",
            "PASS  an_unquoted_string_would_not_survive",
            "quote(\"$HOME ${PATH}\")",
            "expected: \"$HOME ${PATH}\"",
            "actual:   \"/",
        ],
    );
}

/// The hang of the issue: the collector reopens the FIFO after end-of-file, so
/// it waits in open(2) while the test waits for it in read(2), inside a
/// `thread::scope` that then waits for it forever. check stops the test at its
/// deadline and says where the collector is.
#[test]
fn fifo_a_collector_that_reopens_the_fifo_hangs_and_check_says_where() {
    flow(
        "fifo",
        "fifo_collect",
        &[(
            "keep the FIFO",
            r#"    let mut lines = Vec::new();
    while lines.len() < count {
        let mut reader = BufReader::new(fifo.open_reader(Open::Blocking)?);
        let mut line = String::new();
        while lines.len() < count
            && reader.read_line(&mut line).context("read", "fifo")? > 0
        {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
    }
    Ok(lines)"#,
        )],
        &[
            "HANG  writers_that_come_and_go_are_all_read",
            "PASS  lines_from_one_writer_are_read_in_order",
            "still running after 3s, so it was stopped: your code probably deadlocked",
            "blocked in openat(2) (kernel: wait_for_partner)",
            "Where to look when it hangs",
            "reopening the FIFO after end-of-file",
        ],
    );
}

#[test]
fn xsi_counting_by_creator_instead_of_owner() {
    flow(
        "xsi",
        "xsi_usage",
        &[(
            "one count per owner",
            r#"    let mut usage: BTreeMap<u32, [usize; 3]> = BTreeMap::new();
    for entry in entries {
        let column = match entry.id.kind() {
            Kind::MessageQueue => 0,
            Kind::SemaphoreSet => 1,
            Kind::SharedMemory => 2,
        };
        usage.entry(entry.cuid).or_default()[column] += 1;
    }
    usage"#,
        )],
        &[
            "FAIL  counts_each_kind_for_its_owner",
            "PASS  no_objects_no_owners",
            "expected: Some([1, 0, 2])",
            "actual:   None",
        ],
    );
}

#[test]
fn msg_receiving_in_arrival_order() {
    flow(
        "msg",
        "msg_priority",
        &[(
            "lowest type first",
            r#"    let mut messages = Vec::new();
    while let Ok(message) = queue.try_receive(Select::Any, max_len) {
        messages.push(message);
    }
    Ok(messages)"#,
        )],
        &[
            "FAIL  lowest_type_first_then_oldest_first",
            "FAIL  an_oversized_message_is_an_error_not_an_end",
            "expected: [(1, [97]), (2, [98, 49]), (2, [98, 50])",
        ],
    );
}

/// No `SEM_UNDO` anywhere: a holder killed with SIGKILL keeps the lock.
#[test]
fn sem_a_lock_without_undo_outlives_its_killed_holder() {
    flow(
        "sem",
        "sem_lock",
        &[
            (
                "take the semaphore",
                "        self.set.apply(&[Op::take(0)])?;\n        \
                 Ok(Guard { lock: self })",
            ),
            (
                "the same, without waiting",
                "        match self.set.apply(&[Op::take(0).nowait()]) {\n            \
                 Ok(()) => Ok(Some(Guard { lock: self })),\n            \
                 Err(e) if e.errno() == Some(Errno::EAGAIN) => Ok(None),\n            \
                 Err(e) => Err(e),\n        }",
            ),
            (
                "give the semaphore back",
                "        let _ = self.lock.set.apply(&[Op::give(0)]);",
            ),
        ],
        &[
            "PASS  one_holder_at_a_time",
            "FAIL  a_holder_killed_with_sigkill_frees_the_lock",
            "PASS  a_process_that_locks_and_unlocks_leaves_it_free_when_it_exits",
            "still held by the dead",
        ],
    );
}

/// The lock given back without `SEM_UNDO`: the children's exits move it.
#[test]
fn shm_a_counter_whose_exits_move_the_lock() {
    flow(
        "shm",
        "shm_counter",
        &[
            (
                "lock, read, add 1",
                "        self.lock.apply(&[Op::take(0).undo()])?;\n        \
                 let value = self.load() + 1;\n        \
                 self.store(value);\n        \
                 self.lock.apply(&[Op::give(0)])?;\n        \
                 Ok(value)",
            ),
            (
                "read under the lock",
                "        self.lock.apply(&[Op::take(0).undo()])?;\n        \
                 let value = self.load();\n        \
                 self.lock.apply(&[Op::give(0).undo()])?;\n        \
                 Ok(value)",
            ),
        ],
        &[
            "PASS  counts_in_one_process",
            "FAIL  loses_no_increment_of_four_processes_at_once",
        ],
    );
}

/// An exercise whose tests fork, built without libtest: the children write
/// into a private mapping, their own copies, and the parent reads zeroes.
#[test]
fn mmap_a_sum_in_a_private_mapping_is_zero() {
    flow(
        "mmap",
        "mmap_parallel_sum",
        &[(
            "one slot per child",
            r#"    if children == 0 {
        return Err(Error::invalid("parallel_sum", "0 children", "none"));
    }
    let slots = &Mapping::private_anonymous(16 * children)?;
    let count = u128::from(numbers.end - numbers.start);
    let bound = |i: usize| {
        numbers.start + (count * i as u128 / children as u128) as u64
    };
    let mut forked = Vec::new();
    for i in 0..children {
        let part = bound(i)..bound(i + 1);
        forked.push(fork(move || {
            let sum: u128 = part.map(u128::from).sum();
            slots.write(16 * i, &sum.to_ne_bytes())
        })?);
    }
    for child in forked {
        child.wait_success()?;
    }
    let mut total = 0;
    for i in 0..children {
        let mut bytes = [0u8; 16];
        slots.read(16 * i, &mut bytes)?;
        total += u128::from_ne_bytes(bytes);
    }
    Ok(total)"#,
        )],
        &[
            "FAIL  a_million_numbers_in_any_number_of_parts",
            "expected: 500000500000",
            "actual:   0",
            "FAIL  no_children_is_an_error",
        ],
    );
}

/// The note's bug: a wait without a predicate misses a `set` made before it.
#[test]
fn pshared_an_event_without_a_predicate_hangs_and_check_says_where() {
    flow(
        "pshared",
        "pshared_event",
        &[
            (
                "record the event",
                "        *self.set.lock()? = 1;\n        \
                 self.changed.notify_all();\n        \
                 Ok(())",
            ),
            (
                "wait, under the mutex",
                "        let locked = self.set.lock()?;\n        \
                 let (_, result) = self.changed.wait_timeout(locked, timeout)?;\n        \
                 Ok(!result.timed_out())",
            ),
        ],
        &[
            "HANG  a_set_before_the_wait_is_not_lost",
            "PASS  an_unset_event_times_out",
            "blocked in futex(2)",
            "Where to look when it hangs",
            "the note's bug",
        ],
    );
}

/// A server that keeps every client, whoever it is.
#[test]
fn uds_a_server_that_keeps_every_client() {
    flow(
        "uds",
        "uds_only_mine",
        &[(
            "accept, then ask",
            "    let connection = listener.accept()?;\n    \
             let peer = connection.peer_credentials()?;\n    \
             Ok(Accepted::Client(connection, peer))",
        )],
        &[
            "PASS  a_client_of_the_uid_is_kept",
            "FAIL  a_client_of_another_uid_is_refused_and_disconnected",
            "kept Credentials",
        ],
    );
}

/// A worker that stops as soon as the pipe is closed, leaving the jobs that
/// wait in the queue.
#[test]
fn posix_a_worker_that_stops_without_draining() {
    flow(
        "posix",
        "posix_drain",
        &[(
            "poll both",
            r#"    let mut done = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(queue.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        poll(&mut fds, PollTimeout::NONE)
            .map_err(|e| Error::os("poll", "queue and pipe", e))?;
        let [job, stopping] = fds.map(|fd| fd.any() == Some(true));
        if stopping {
            let mut byte = [0u8; 1];
            if stop.read(&mut byte).context("read", "pipe")? != 0 {
                return Err(Error::unexpected("read", "pipe", "not closed"));
            }
            return Ok(done);
        }
        if job {
            done.push(queue.receive()?);
        }
    }"#,
        )],
        &[
            "FAIL  what_waits_comes_out_by_priority",
            "PASS  a_byte_on_the_pipe_is_an_error",
            "expected: [([97], 7), ([100], 3), ([98], 1), ([99], 1)]",
            "actual:   []",
        ],
    );
}

/// An exercise whose tests fork runs each test on the only thread of a process
/// of its own: a hang shows that thread and the forked children.
#[test]
fn a_forking_exercise_that_hangs_shows_the_test_and_its_children() {
    let student = Student::new();
    expect(&student.xtask(&["start", "pshared_queue"]), true, &[]);
    student.write_solution("pshared", "pshared_queue");
    // Each side wakes the other's condition variable: no one is ever woken.
    let file = student.file("pshared_queue");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("self.not_empty.notify_one();", "NOTIFY_FULL")
        .replace(
            "self.not_full.notify_one();",
            "self.not_empty.notify_one();",
        )
        .replace("NOTIFY_FULL", "self.not_full.notify_one();");
    fs::write(&file, text).unwrap();
    let checked = student.xtask(&["check", "pshared_queue", "--timeout", "2"]);
    expect(
        &checked,
        false,
        &[
            "HANG  every_record_of_four_children_arrives_once",
            "PASS  it_holds_its_capacity_without_waiting",
            "the test's thread (",
            "(pshared_queue): blocked in futex(2)",
        ],
    );
    // Stopping the test stops its children (its process group) too; they
    // are not reported as processes the solution left running.
    assert!(
        !checked.text.contains("still running: stopped it"),
        "{}",
        checked.text
    );
}

/// `run` builds the program of an exercise built without libtest, not its
/// tests.
#[test]
fn run_builds_the_program_of_a_forking_exercise() {
    let student = Student::new();
    expect(&student.xtask(&["start", "mmap_parallel_sum"]), true, &[]);
    student.write_solution("mmap", "mmap_parallel_sum");
    expect(
        &student.xtask(&["run", "mmap_parallel_sum"]),
        true,
        &["1 + 2 + ... + 1000000, added up by 4 children: 500000500000"],
    );
}

/// A solution that passes but keeps a queue: check names it, removes it, and
/// does not count the exercise as passing.
#[test]
fn a_leaked_queue_is_named_and_removed() {
    let student = Student::new();
    expect(&student.xtask(&["start", "msg_priority"]), true, &[]);
    student.write_solution("msg", "msg_priority");
    let file = student.file("msg_priority");
    let text = fs::read_to_string(&file).unwrap().replace(
        "    let mut messages = Vec::new();",
        "    let kept = apue_ipc::msg::MessageQueue::new()?;\n    \
         std::mem::forget(kept);\n    let mut messages = Vec::new();",
    );
    fs::write(&file, text).unwrap();
    let checked = student.xtask(&["check", "msg_priority"]);
    expect(
        &checked,
        false,
        &[
            "LEAK  lowest_type_first_then_oldest_first",
            "Your code left these behind",
            "every test passes, but your code left 2 things behind",
        ],
    );
    let ids: Vec<&str> = checked
        .text
        .lines()
        .filter(|line| line.contains("a System V message queue (msg id="))
        .filter_map(|line| line.split("msg id=").nth(1)?.split(',').next())
        .collect();
    assert_eq!(ids.len(), 2, "{}", checked.text);
    let listed = fs::read_to_string("/proc/sysvipc/msg").unwrap();
    for id in ids {
        assert!(checked
            .text
            .contains(&format!("msg id={id}, key 0x00000000): removed it")));
        assert!(
            !listed
                .lines()
                .any(|line| line.split_whitespace().nth(1) == Some(id)),
            "queue {id} is still there:\n{listed}"
        );
    }
    let listed = student.xtask(&["list"]);
    assert!(!listed.text.contains("passing"), "{}", listed.text);
}

/// A file that does not compile: rustc's message, about the student's file.
#[test]
fn a_compile_error_is_shown_as_rustc_gives_it() {
    let student = Student::new();
    expect(&student.xtask(&["start", "popen_quote"]), true, &[]);
    student.write_body("popen_quote", "one shell word", "    arg.len()");
    let checked = student.xtask(&["check", "popen_quote"]);
    expect(
        &checked,
        false,
        &[
            "Your file does not compile",
            "error[E0308]: mismatched types",
            "popen_quote.rs:",
            "popen_quote: does not compile",
        ],
    );
}

/// Tests the student weakened are not the ones check runs.
#[test]
fn changed_tests_are_replaced_by_the_exercise_s() {
    let student = Student::new();
    expect(&student.xtask(&["start", "xsi_usage"]), true, &[]);
    let file = student.file("xsi_usage");
    let text = fs::read_to_string(&file).unwrap();
    let tests_at = text.find("#[cfg(test)]").unwrap();
    let weakened = format!(
        "{}#[cfg(test)]\nmod tests {{\n    #[test]\n    fn nothing() {{}}\n}}\n",
        &text[..tests_at]
    );
    fs::write(&file, weakened).unwrap();
    let checked = student.xtask(&["check", "xsi_usage"]);
    expect(
        &checked,
        false,
        &[
            "the tests at the end of your file are not the exercise's",
            "TODO  counts_each_kind_for_its_owner",
        ],
    );
    assert!(!checked.text.contains("nothing"), "{}", checked.text);
}

#[test]
fn reset_keeps_the_old_file_and_starts_again() {
    let student = Student::new();
    expect(&student.xtask(&["start", "fifo_try_send"]), true, &[]);
    let file = student.file("fifo_try_send");
    fs::write(&file, "my attempt").unwrap();
    expect(
        &student.xtask(&["start", "fifo_try_send"]),
        true,
        &["Already started"],
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "my attempt");
    expect(
        &student.xtask(&["reset", "fifo_try_send"]),
        true,
        &["fifo_try_send.rs.bak"],
    );
    let backup = student.dir.path().join("fifo_try_send.rs.bak");
    assert_eq!(fs::read_to_string(backup).unwrap(), "my attempt");
    assert!(fs::read_to_string(&file).unwrap().contains("todo!("));
}

#[test]
fn run_builds_the_student_s_file_and_runs_its_main() {
    let student = Student::new();
    expect(&student.xtask(&["start", "popen_quote"]), true, &[]);
    student.write_solution("popen", "popen_quote");
    // main quotes a name with a command in it and passes it through the shell.
    expect(
        &student.xtask(&["run", "popen_quote"]),
        true,
        &["'world; echo INJECTED'\nworld; echo INJECTED\n"],
    );
}

#[test]
fn mistakes_on_the_command_line_are_explained() {
    let student = Student::new();
    expect(
        &student.xtask(&["check", "pipe_pipeline"]),
        false,
        &[
            "does not exist yet",
            "cargo xtask exercise start pipe_pipeline",
        ],
    );
    expect(
        &student.xtask(&["start", "pipe_pipe"]),
        false,
        &["no exercise is called 'pipe_pipe'", "pipe_pipeline"],
    );
    expect(
        &student.xtask(&["start"]),
        false,
        &["needs the exercise's NAME"],
    );
    expect(
        &student.xtask(&["check", "pipe_pipeline", "--timeout", "soon"]),
        false,
        &["--timeout needs a number of seconds"],
    );
    expect(
        &student.xtask(&["frobnicate"]),
        false,
        &["Usage: cargo xtask exercise"],
    );
    assert!(fs::read_dir(student.dir.path()).unwrap().next().is_none());
}

/// Hints come one per failed check: the first failure shows hint 1, the
/// second hint 2, and later ones the last hint again.
#[test]
fn each_failed_check_shows_the_next_hint() {
    let student = Student::new();
    expect(&student.xtask(&["start", "popen_quote"]), true, &[]);
    student.write_body(
        "popen_quote",
        "one shell word",
        r#"    format!("\"{arg}\"")"#,
    );
    let first = student.xtask(&["check", "popen_quote"]);
    expect(&first, false, &["FAIL", "Hint 1 of 2"]);
    assert!(!first.text.contains("Hint 2 of 2"), "{}", first.text);
    let second = student.xtask(&["check", "popen_quote"]);
    expect(&second, false, &["FAIL", "Hint 2 of 2"]);
    assert!(!second.text.contains("Hint 1 of 2"), "{}", second.text);
    let third = student.xtask(&["check", "popen_quote"]);
    expect(&third, false, &["FAIL", "Hint 2 of 2"]);
    assert!(!third.text.contains("Hint 1 of 2"), "{}", third.text);
}
