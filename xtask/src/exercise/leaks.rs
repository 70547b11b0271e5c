//! What a test left behind: System V objects, POSIX shared memory objects and
//! message queues. A student's code that forgets to remove one leaves it in the
//! kernel (or in `/dev/shm`) after the process ends, where it takes a slot of a
//! system-wide limit until someone removes it; the next run then meets it.
//!
//! The runner takes a [`snapshot`] before and after each test. An object counts as
//! the test's only if it appeared in between, is owned and was created by the
//! calling user, and nothing says otherwise: every process id the kernel records
//! on it (a segment's creator and last attacher, a queue's last sender and
//! receiver, the last process to operate on each semaphore of a set, `SETVAL`
//! included, which `ipcs -s -i` shows) is the test's own, no process has a
//! segment attached, and no live process has a POSIX object open or mapped. Only
//! those are removed, each named, System V objects with the book's own cleanup
//! tool, `ipcrm_mine`. An object of another program of the same user, created
//! while the test ran and holding no trace yet (a queue nobody sent to, a
//! semaphore set never initialized), cannot be told apart; `check` runs one test
//! at a time, across checks too, to keep that window short.
//!
//! POSIX message queues can be listed only where the `mqueue` file system is
//! mounted (systemd mounts it on `/dev/mqueue`); elsewhere they are not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::posix_objects::{mqueue_mount, names_in};
use nix::unistd::geteuid;

/// The IPC objects that exist at one moment.
pub struct Snapshot {
    sysv: BTreeMap<(&'static str, i32), Sysv>,
    shm_files: BTreeSet<String>,
    queues: Option<(PathBuf, BTreeSet<String>)>,
}

/// One line of `/proc/sysvipc/{msg,sem,shm}`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sysv {
    key: i32,
    uid: u32,
    cuid: u32,
    /// Process ids recorded on it (0: none yet).
    pids: Vec<u32>,
    /// Processes attached (segments only).
    attached: u64,
}

/// Lists every System V object, `/dev/shm` entry and (if visible) POSIX queue.
pub fn snapshot() -> Snapshot {
    Snapshot {
        sysv: sysv_objects(),
        shm_files: names_in(Path::new("/dev/shm")),
        queues: mqueue_mount().map(|dir| {
            let names = names_in(&dir);
            (dir, names)
        }),
    }
}

/// Whether `object`, listed after the test (and as `before` before it, if it
/// was), is the test's: new, the user's, and with no trace of another process.
fn belongs_to_the_test(
    before: Option<&Sysv>,
    object: &Sysv,
    uid: u32,
    pid: u32,
) -> bool {
    let existed = before
        .is_some_and(|old| old.key == object.key && old.cuid == object.cuid);
    !existed
        && object.uid == uid
        && object.cuid == uid
        && object.pids.iter().all(|&p| p == 0 || p == pid)
        && object.attached == 0
}

/// Removes what appeared between `before` and `after` and belongs to the test
/// process `pid`, and says what it removed (or failed to).
pub fn sweep(before: &Snapshot, after: &Snapshot, pid: u32) -> Vec<String> {
    let uid = geteuid().as_raw();
    let mut report = Vec::new();
    let selectors: Vec<String> = after
        .sysv
        .iter()
        .filter(|(key, object)| {
            belongs_to_the_test(before.sysv.get(key), object, uid, pid)
        })
        // A semaphore set's pids are not in /proc: ask ipcs, for these only.
        .filter(|((kind, id), object)| {
            *kind != "sem" || {
                let traced = Sysv {
                    pids: semaphore_pids(*id),
                    ..(*object).clone()
                };
                belongs_to_the_test(None, &traced, uid, pid)
            }
        })
        .map(|((kind, id), _)| format!("{kind}={id}"))
        .collect();
    if !selectors.is_empty() {
        report.extend(remove_sysv(&selectors));
    }
    let shm = Path::new("/dev/shm");
    let new_files: Vec<PathBuf> = after
        .shm_files
        .difference(&before.shm_files)
        .map(|name| shm.join(name))
        .filter(|path| owned_by(path, uid))
        .collect();
    if !new_files.is_empty() {
        let in_use = posix_objects_in_use();
        for path in new_files.iter().filter(|path| !in_use.contains(*path)) {
            report.push(remove(path, "a POSIX shared memory object"));
        }
    }
    if let (Some((dir, old)), Some((_, new))) = (&before.queues, &after.queues)
    {
        for name in new.difference(old) {
            let path = dir.join(name);
            if owned_by(&path, uid) {
                report.push(remove(&path, "a POSIX message queue"));
            }
        }
    }
    report
}

/// Removes the System V objects `selectors` name (`msg=ID`...) with the book's
/// own cleanup tool, `ipcrm_mine` (chapter XSI IPC), which removes only objects
/// of the calling user and checks that each identifier still names the object
/// it listed; returns what it reported, one line per object.
fn remove_sysv(selectors: &[String]) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--package",
            "chapter-xsi",
            "--bin",
            "ipcrm_mine",
        ])
        .args(["--", "--remove"])
        .args(selectors)
        .current_dir(crate::root())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return vec![format!(
                "{}: could not run ipcrm_mine to remove them: {e}",
                selectors.join(" ")
            )]
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines: Vec<String> = text
        .lines()
        .filter(|line| line.contains(": "))
        .filter(|line| {
            ["msg ", "sem ", "shm "].iter().any(|k| line.starts_with(k))
        })
        .map(describe_removal)
        .collect();
    if lines.is_empty() {
        lines.push(format!(
            "{}: ipcrm_mine did not remove them ({}): {}",
            selectors.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    lines
}

/// `msg id=5 key=0x00000000 owner=0 (you) mode=600: removed` as
/// `a System V message queue (msg id=5, key 0x00000000): removed it`.
fn describe_removal(line: &str) -> String {
    let (object, outcome) = line.split_once(": ").unwrap_or((line, ""));
    let mut words = object.split_whitespace();
    let name = words.next().unwrap_or("");
    let kind = match name {
        "msg" => "message queue",
        "sem" => "semaphore set",
        _ => "shared memory segment",
    };
    let id = words.next().unwrap_or("");
    let key = words
        .next()
        .and_then(|k| k.strip_prefix("key="))
        .unwrap_or("");
    let outcome = match outcome {
        "removed" => "removed it".to_string(),
        other => format!("not removed: {other}"),
    };
    format!("a System V {kind} ({name} {id}, key {key}): {outcome}")
}

fn remove(path: &Path, what: &str) -> String {
    match fs::remove_file(path) {
        Ok(()) => format!("{what} {}: removed it", path.display()),
        Err(e) => {
            format!("{what} {}: could not remove it: {e}", path.display())
        }
    }
}

fn owned_by(path: &Path, uid: u32) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.uid() == uid)
}

/// The files under `/dev/shm` that a live process has open or mapped.
fn posix_objects_in_use() -> BTreeSet<PathBuf> {
    let mut in_use = BTreeSet::new();
    let Ok(processes) = fs::read_dir("/proc") else {
        return in_use;
    };
    for process in processes.flatten() {
        let path = process.path();
        if let Ok(fds) = fs::read_dir(path.join("fd")) {
            for fd in fds.flatten() {
                if let Ok(target) = fs::read_link(fd.path()) {
                    if target.starts_with("/dev/shm") {
                        in_use.insert(target);
                    }
                }
            }
        }
        if let Ok(maps) = fs::read_to_string(path.join("maps")) {
            for line in maps.lines() {
                if let Some(at) = line.find("/dev/shm/") {
                    let file = line[at..].trim_end_matches(" (deleted)");
                    in_use.insert(PathBuf::from(file));
                }
            }
        }
    }
    in_use
}

/// The process that last operated on each semaphore of the set `id` (`semop`,
/// `SETVAL`, `SETALL`; 0 for none), as `ipcs -s -i ID` prints them: the one
/// trace a semaphore set keeps of who used it.
fn semaphore_pids(id: i32) -> Vec<u32> {
    let Ok(output) = Command::new("ipcs")
        .args(["-s", "-i", &id.to_string()])
        .output()
    else {
        return Vec::new();
    };
    parse_semaphore_pids(&String::from_utf8_lossy(&output.stdout))
}

/// The `pid` column of `ipcs -s -i`'s table of semaphores.
fn parse_semaphore_pids(text: &str) -> Vec<u32> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("semnum"));
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let Some(at) = header.split_whitespace().position(|h| h == "pid") else {
        return Vec::new();
    };
    lines
        .filter_map(|line| line.split_whitespace().nth(at)?.parse().ok())
        .collect()
}

/// Every System V object, by kind and id, with what `/proc/sysvipc` says of it.
fn sysv_objects() -> BTreeMap<(&'static str, i32), Sysv> {
    let mut objects = BTreeMap::new();
    for (kind, id_column, pid_columns) in [
        ("msg", "msqid", &["lspid", "lrpid"][..]),
        ("sem", "semid", &[][..]),
        ("shm", "shmid", &["cpid", "lpid"][..]),
    ] {
        let Ok(text) = fs::read_to_string(format!("/proc/sysvipc/{kind}"))
        else {
            continue;
        };
        objects.extend(
            parse_sysvipc(&text, id_column, pid_columns)
                .into_iter()
                .map(|(id, object)| ((kind, id), object)),
        );
    }
    objects
}

/// The lines of one `/proc/sysvipc` file, by the names in its header.
fn parse_sysvipc(
    text: &str,
    id_column: &str,
    pid_columns: &[&str],
) -> Vec<(i32, Sysv)> {
    let mut lines = text.lines();
    let header: Vec<&str> =
        lines.next().unwrap_or("").split_whitespace().collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(id_at), Some(key_at), Some(uid_at), Some(cuid_at)) = (
        column(id_column),
        column("key"),
        column("uid"),
        column("cuid"),
    ) else {
        return Vec::new();
    };
    let pid_at: Vec<usize> =
        pid_columns.iter().filter_map(|name| column(name)).collect();
    let attached_at = column("nattch");
    lines
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let number = |at: usize| fields.get(at)?.parse::<u64>().ok();
            let object = Sysv {
                key: fields.get(key_at)?.parse().ok()?,
                uid: number(uid_at)? as u32,
                cuid: number(cuid_at)? as u32,
                pids: pid_at
                    .iter()
                    .filter_map(|&at| number(at))
                    .map(|p| p as u32)
                    .collect(),
                attached: attached_at.and_then(number).unwrap_or(0),
            };
            Some((fields.get(id_at)?.parse().ok()?, object))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHM: &str = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0         18   600                  1024  4242  4243      1  1000  1000  1000  1000          0          0 1700000000                     0                     0
";

    #[test]
    fn reads_proc_sysvipc_by_its_header() {
        assert_eq!(
            parse_sysvipc(SHM, "shmid", &["cpid", "lpid"]),
            [(
                18,
                Sysv {
                    key: 0,
                    uid: 1000,
                    cuid: 1000,
                    pids: vec![4242, 4243],
                    attached: 1
                }
            )]
        );
    }

    #[test]
    fn only_a_new_object_of_the_user_without_foreign_traces_is_the_test_s() {
        let object = Sysv {
            key: 0,
            uid: 1000,
            cuid: 1000,
            pids: vec![0, 4242],
            attached: 0,
        };
        assert!(belongs_to_the_test(None, &object, 1000, 4242));
        // there before the test
        assert!(!belongs_to_the_test(Some(&object), &object, 1000, 4242));
        // another user's
        assert!(!belongs_to_the_test(None, &object, 1001, 4242));
        // another process used it last
        assert!(!belongs_to_the_test(None, &object, 1000, 4243));
        // someone has it attached
        let attached = Sysv {
            attached: 1,
            ..object.clone()
        };
        assert!(!belongs_to_the_test(None, &attached, 1000, 4242));
        // given away: owner and creator differ
        let given = Sysv {
            uid: 1001,
            ..object.clone()
        };
        assert!(!belongs_to_the_test(None, &given, 1000, 4242));
        // same id, but a new object (another key) since the snapshot
        let old = Sysv {
            key: 7,
            ..object.clone()
        };
        assert!(belongs_to_the_test(Some(&old), &object, 1000, 4242));
    }

    #[test]
    fn reads_the_pids_of_a_semaphore_set_from_ipcs() {
        let ipcs = "
Semaphore Array semid=3637291
uid=0\t gid=0\t cuid=0\t cgid=0
mode=0644, access_perms=0644
nsems = 2
otime = Not set
ctime = Wed Nov 25 11:12:40 2026
semnum     value      ncount     zcount     pid
0          0          0          0          0
1          3          0          0          8346

";
        assert_eq!(parse_semaphore_pids(ipcs), [0, 8346]);
    }

    #[test]
    fn the_cleanup_tool_s_lines_are_told_in_words() {
        assert_eq!(
            describe_removal(
                "msg id=5 key=0x00000000 owner=0 (you) mode=600: removed"
            ),
            "a System V message queue (msg id=5, key 0x00000000): removed it"
        );
    }
}
