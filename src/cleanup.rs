//! Removing leftover System V objects safely: the tool that the note's cleanup script
//! should have been.
//!
//! The script parses `ipcs` and runs `ipcrm` on every object it finds, whoever owns it.
//! This module does it in three steps that a program (see `chapters/xsi/ipcrm_mine.rs`) can
//! show one by one:
//!
//! 1. [`scan`] reads `/proc/sysvipc/{msg,sem,shm}`, the kernel's own fixed-format listing.
//! 2. [`plan`] decides, for each object, whether it is to be removed: only objects the
//!    calling user owns or created, all of them or only those named by identifier or key.
//! 3. [`execute`] removes what the plan says, checking just before each removal that the
//!    identifier still names the object that was planned (same key, still the caller's),
//!    and reports every removal and every failure.
//!
//! An object is the caller's if the caller is its owner (`uid`) or its creator (`cuid`):
//! the kernel lets both remove it (msgctl(2), `IPC_RMID`), and a program that gives an
//! object to another user with `IPC_SET` is still the one that must clean it up. An object
//! the caller neither owns nor created is never touched, even when the caller is root.
//!
//! Man pages: ipcs(1), ipcrm(1), proc_sysvipc(5), msgctl(2), semctl(2), shmctl(2).

use std::fmt;

use crate::error::{Error, Result};
use crate::xsi::{Entry, Id, Key, Kind};

/// Every object in this IPC namespace, queues, then semaphore sets, then segments.
pub fn scan() -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for kind in Kind::ALL {
        entries.extend(kind.list()?);
    }
    Ok(entries)
}

/// What to remove, always among the caller's own objects (owned or created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every object the caller owns or created.
    AllMine,
    /// Only the objects these selectors name.
    Only(Vec<Selector>),
}

/// One object named on the command line: by kind and identifier, or by key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector {
    /// `msg=ID`, `sem=ID` or `shm=ID`.
    Id(Id),
    /// `key=KEY` (decimal or `0x` hex): the objects of every kind with that key.
    Key(Key),
}

/// `text` for a message: at most 40 characters of it, with its length in bytes when it
/// is longer, so that a huge argument is not echoed back whole.
fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}... ({} bytes)", &text[..end], text.len()),
        None => text.to_string(),
    }
}

impl Selector {
    /// Parses `msg=ID`, `sem=ID`, `shm=ID` or `key=KEY`.
    pub fn parse(text: &str) -> std::result::Result<Selector, String> {
        let (name, value) = text.split_once('=').ok_or_else(|| {
            format!("'{}' is not KIND=ID or key=KEY", shown(text))
        })?;
        if name == "key" {
            let raw = match value.strip_prefix("0x") {
                Some(hex) => u32::from_str_radix(hex, 16).map(|k| k as i32),
                None => value.parse::<i32>(),
            }
            .map_err(|_| format!("'{}' is not a key", shown(value)))?;
            if raw == Key::PRIVATE.raw() {
                return Err(
                    "key=0 is IPC_PRIVATE, shared by every private object: name them by id"
                        .to_string(),
                );
            }
            return Ok(Selector::Key(Key::from_raw(raw)));
        }
        let kind = Kind::from_name(name).ok_or_else(|| {
            format!("'{}' is not msg, sem, shm or key", shown(name))
        })?;
        let raw = value
            .parse::<i32>()
            .ok()
            .filter(|&raw| raw >= 0)
            .ok_or_else(|| {
                format!("'{}' is not an identifier", shown(value))
            })?;
        Ok(Selector::Id(Id::from_raw(kind, raw)))
    }

    fn matches(self, entry: &Entry) -> bool {
        match self {
            Selector::Id(id) => entry.id == id,
            Selector::Key(key) => entry.key == key,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Id(id) => write!(f, "{}={}", id.kind(), id.raw()),
            Selector::Key(key) => write!(f, "key={key}"),
        }
    }
}

/// What the plan says about one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The caller owns or created it, and selected it.
    Remove,
    /// The caller neither owns nor created it: never touched.
    NotYours,
}

/// Whether the user `uid` owns or created the object `entry` describes: the two users
/// the kernel lets remove it (besides a privileged one).
pub fn is_mine(entry: &Entry, uid: u32) -> bool {
    entry.uid == uid || entry.cuid == uid
}

/// The plan: every object considered, with its verdict, and the selectors that named
/// nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The objects, in scan order.
    pub objects: Vec<(Entry, Verdict)>,
    /// Selectors that matched no object at all.
    pub unmatched: Vec<Selector>,
    /// Whether objects that are not the caller's were asked for by name, which makes the
    /// run a failure: what was asked cannot be done.
    pub named_others: bool,
}

impl Plan {
    /// How many objects are to be removed.
    pub fn to_remove(&self) -> usize {
        self.objects
            .iter()
            .filter(|(_, verdict)| *verdict == Verdict::Remove)
            .count()
    }
}

/// Decides what to remove among `entries` for the user `uid` (the effective user id).
///
/// With [`Selection::AllMine`], every object is listed: the caller's (owned or created)
/// to be removed, the others' to be left alone. With [`Selection::Only`], only the named
/// objects are listed; naming someone else's object, or one that does not exist, is
/// reported.
pub fn plan(entries: &[Entry], selection: &Selection, uid: u32) -> Plan {
    let verdict = |entry: &Entry| {
        if is_mine(entry, uid) {
            Verdict::Remove
        } else {
            Verdict::NotYours
        }
    };
    match selection {
        Selection::AllMine => Plan {
            objects: entries.iter().map(|e| (*e, verdict(e))).collect(),
            unmatched: Vec::new(),
            named_others: false,
        },
        Selection::Only(selectors) => {
            let objects: Vec<(Entry, Verdict)> = entries
                .iter()
                .filter(|entry| selectors.iter().any(|s| s.matches(entry)))
                .map(|e| (*e, verdict(e)))
                .collect();
            let unmatched = selectors
                .iter()
                .filter(|s| !entries.iter().any(|entry| s.matches(entry)))
                .copied()
                .collect();
            let named_others =
                objects.iter().any(|(_, v)| *v == Verdict::NotYours);
            Plan {
                objects,
                unmatched,
                named_others,
            }
        }
    }
}

/// What happened to one object of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `IPC_RMID` succeeded.
    Removed,
    /// Left alone: someone else owns it.
    NotYours,
    /// The removal failed, or the identifier no longer names the planned object.
    Failed(Error),
}

/// Carries out `plan` for the user `uid`: removes each object marked [`Verdict::Remove`]
/// after checking with `IPC_STAT` that its identifier still names an object with the same
/// key that `uid` owns or created (an identifier can be reused by a new object between
/// the scan and the removal, and an owner can change).
pub fn execute(plan: &Plan, uid: u32) -> Vec<(Entry, Outcome)> {
    plan.objects
        .iter()
        .map(|(entry, verdict)| {
            let outcome = match verdict {
                Verdict::NotYours => Outcome::NotYours,
                Verdict::Remove => match remove_if_unchanged(entry, uid) {
                    Ok(()) => Outcome::Removed,
                    Err(err) => Outcome::Failed(err),
                },
            };
            (*entry, outcome)
        })
        .collect()
}

fn remove_if_unchanged(entry: &Entry, uid: u32) -> Result<()> {
    let now = entry.id.perm()?;
    if now.key != entry.key || (now.uid != uid && now.cuid != uid) {
        return Err(Error::unexpected(
            "IPC_STAT",
            entry.id.to_string(),
            format!(
                "changed since the scan (now key {}, owner uid {}, creator uid {}): \
                 not removed",
                now.key, now.uid, now.cuid
            ),
        ));
    }
    entry.id.remove()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xsi::{Object, Options};
    use nix::unistd::geteuid;

    fn me() -> u32 {
        geteuid().as_raw()
    }

    #[test]
    fn parses_selectors() {
        assert_eq!(
            Selector::parse("msg=42"),
            Ok(Selector::Id(Id::from_raw(Kind::MessageQueue, 42)))
        );
        assert_eq!(
            Selector::parse("key=0x0000002a"),
            Ok(Selector::Key(Key::from_raw(42)))
        );
        assert_eq!(
            Selector::parse("key=-1"),
            Ok(Selector::Key(Key::from_raw(-1)))
        );
        assert!(Selector::parse("key=0")
            .unwrap_err()
            .contains("IPC_PRIVATE"));
        assert!(Selector::parse("queue=1").is_err());
        assert!(Selector::parse("shm=-3").is_err());
        assert!(Selector::parse("42").is_err());
        assert_eq!(Selector::parse("sem=7").unwrap().to_string(), "sem=7");
        // A huge argument is shown by its start (a minor defect of issue 10).
        let huge = "x".repeat(100_000);
        assert_eq!(
            Selector::parse(&huge).unwrap_err(),
            format!(
                "'{}... (100000 bytes)' is not KIND=ID or key=KEY",
                &huge[..40]
            )
        );
    }

    #[test]
    fn removes_exactly_the_selected_objects() {
        let targets: Vec<Object> =
            Kind::ALL.map(|k| Object::new(k).unwrap()).into();
        let bystanders: Vec<Object> =
            Kind::ALL.map(|k| Object::new(k).unwrap()).into();
        let selection = Selection::Only(
            targets.iter().map(|o| Selector::Id(o.id())).collect(),
        );
        let plan = plan(&scan().unwrap(), &selection, me());
        assert_eq!(plan.to_remove(), 3);
        assert!(plan.unmatched.is_empty());
        let report = execute(&plan, me());
        assert!(report
            .iter()
            .all(|(_, outcome)| *outcome == Outcome::Removed));
        for target in &targets {
            assert!(!target.id().is_listed().unwrap(), "{}", target.id());
        }
        for bystander in &bystanders {
            assert!(bystander.id().is_listed().unwrap(), "{}", bystander.id());
        }
    }

    #[test]
    fn a_key_selects_every_kind_with_that_key() {
        let key = Key::unique_to_process(2);
        let options = Options::new().exclusive(true).clone();
        let objects: Vec<Object> = Kind::ALL
            .map(|k| Object::open(k, key, &options).unwrap())
            .into();
        let plan = plan(
            &scan().unwrap(),
            &Selection::Only(vec![Selector::Key(key)]),
            me(),
        );
        assert_eq!(plan.to_remove(), 3);
        execute(&plan, me());
        for object in &objects {
            assert!(!object.id().is_listed().unwrap());
        }
    }

    /// Defect 12 of issue 10: an object the caller created and gave away is still the
    /// caller's to remove (the kernel lets its creator remove it).
    #[test]
    fn what_you_created_and_gave_away_is_yours() {
        let mine = Object::new(Kind::MessageQueue).unwrap();
        let given = Object::new(Kind::MessageQueue).unwrap();
        given.id().set_owner(me() + 1, 0).unwrap();
        // Plan over these two only: executing "all mine" over the real scan would remove
        // the objects of tests running at the same time.
        let entries: Vec<Entry> = scan()
            .unwrap()
            .into_iter()
            .filter(|e| e.id == mine.id() || e.id == given.id())
            .collect();
        let plan = plan(&entries, &Selection::AllMine, me());
        let verdicts: Vec<Verdict> =
            plan.objects.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(verdicts, [Verdict::Remove, Verdict::Remove]);
        let report = execute(&plan, me());
        assert!(
            report.iter().all(|(_, o)| *o == Outcome::Removed),
            "{report:?}"
        );
        assert!(!mine.id().is_listed().unwrap());
        assert!(!given.id().is_listed().unwrap());
    }

    /// An object the caller neither owns nor created is never touched: the plan leaves it
    /// alone, and so does `execute`, even on a plan that says otherwise if the object
    /// changed hands since the scan.
    #[test]
    fn what_you_neither_own_nor_created_is_left_alone() {
        let object = Object::new(Kind::SemaphoreSet).unwrap();
        let listed = scan()
            .unwrap()
            .into_iter()
            .find(|e| e.id == object.id())
            .unwrap();
        let stranger = me() + 1;
        let foreign = Entry {
            uid: stranger,
            cuid: stranger,
            ..listed
        };
        assert!(!is_mine(&foreign, me()));
        let plan = plan(&[foreign], &Selection::AllMine, me());
        assert_eq!(plan.objects[0].1, Verdict::NotYours);
        assert_eq!(execute(&plan, me())[0].1, Outcome::NotYours);
        // A plan made for the stranger, carried out by them: the object is not theirs
        // now (IPC_STAT says so), and it is not removed.
        let theirs = super::plan(&[foreign], &Selection::AllMine, stranger);
        let report = execute(&theirs, stranger);
        assert!(
            matches!(&report[0].1, Outcome::Failed(e) if e.to_string()
            .contains("changed since the scan")),
            "{report:?}"
        );
        assert!(object.id().is_listed().unwrap());
    }

    #[test]
    fn naming_a_missing_or_foreign_object_is_reported() {
        let object = Object::new(Kind::SharedMemory).unwrap();
        let mut entries = scan().unwrap();
        for entry in &mut entries {
            if entry.id == object.id() {
                // as another user would have it, whoever runs the test
                entry.uid = me() + 1;
                entry.cuid = me() + 1;
            }
        }
        let gone = Object::new(Kind::SemaphoreSet).unwrap().id();
        let plan = plan(
            &entries,
            &Selection::Only(vec![
                Selector::Id(object.id()),
                Selector::Id(gone),
            ]),
            me(),
        );
        assert!(plan.named_others);
        assert_eq!(plan.unmatched, [Selector::Id(gone)]);
        assert_eq!(plan.to_remove(), 0);
    }

    #[test]
    fn a_reused_or_vanished_identifier_is_a_failure_not_a_removal() {
        let object = Object::new(Kind::MessageQueue).unwrap();
        let plan = plan(
            &scan().unwrap(),
            &Selection::Only(vec![Selector::Id(object.id())]),
            me(),
        );
        let id = object.id();
        object.remove().unwrap(); // someone else was faster
        let report = execute(&plan, me());
        match &report[0].1 {
            Outcome::Failed(err) => {
                assert_eq!(
                    err.errno(),
                    Some(nix::errno::Errno::EINVAL),
                    "{err}"
                );
                assert_eq!(
                    err.to_string(),
                    format!(
                        "msgctl(id={}, IPC_STAT): Invalid argument (EINVAL)",
                        id.raw()
                    )
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
