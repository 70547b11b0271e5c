//! Getting an object by key, and owning it: [`Options`] (`IPC_CREAT`, `IPC_EXCL`, the
//! mode, the [`Access`] asked for) and [`Object`], a handle that removes the object it
//! created when it is dropped.

use libc::c_int;
use nix::errno::Errno;

use super::control::{for_kind, Control};
use super::{Id, Key, Kind};
use crate::error::{Error, Result};

/// The access a caller asks for when it opens an existing object, which `xxxget` checks
/// against the object's permission bits, as `open(2)` checks a file's: a caller without
/// it is refused at once with `EACCES`, rather than handed an identifier whose every
/// operation then fails.
///
/// Read lets a caller receive messages, read semaphore values and attach a segment
/// read-only; write lets it send messages, change semaphores and write to a segment.
/// (Root, or any process with `CAP_IPC_OWNER`, passes every check.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read only (C: `0400` in `xxxget`'s flags).
    Read,
    /// Write only (C: `0200`): a client that only sends to a server's queue.
    Write,
    /// Read and write (C: `0600`): the default.
    ReadWrite,
}

impl Access {
    /// The bits that ask for this access in `xxxget`'s `flag`. The kernel folds the
    /// owner, group and other positions together, so the owner's bits ask for all three
    /// (ipc/util.c, `ipcperms`).
    pub fn bits(self) -> u16 {
        match self {
            Access::Read => 0o400,
            Access::Write => 0o200,
            Access::ReadWrite => 0o600,
        }
    }
}

/// How to get an object by key, in the style of [`std::fs::OpenOptions`]: open an existing
/// one, create it if missing, or insist on a new one. Permission bits default to `0o600`;
/// opening an existing object asks for read and write access unless [`Options::access`]
/// says otherwise.
///
/// ```text
/// Options::new()                     // open only: ENOENT if no object has the key
/// Options::new().create(true)        // open, or create if missing
/// Options::new().exclusive(true)     // create, or fail with EEXIST (IPC_CREAT | IPC_EXCL)
/// Options::new().access(Access::Write) // open an existing one to write only
/// ```
///
/// With [`Key::PRIVATE`] every call creates a new object, whatever the options say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    create: bool,
    exclusive: bool,
    mode: u16,
    access: Access,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// Open an existing object for reading and writing, permissions `0o600` should one
    /// be created.
    pub fn new() -> Options {
        Options {
            create: false,
            exclusive: false,
            mode: 0o600,
            access: Access::ReadWrite,
        }
    }

    /// Create the object if no object of that kind has the key.
    pub fn create(&mut self, create: bool) -> &mut Options {
        self.create = create;
        self
    }

    /// Create a new object and fail with `EEXIST` if the key is taken (`IPC_CREAT |
    /// IPC_EXCL`): the only way to know that no one else is using the key.
    pub fn exclusive(&mut self, exclusive: bool) -> &mut Options {
        self.exclusive = exclusive;
        self
    }

    /// The permission bits of a created object: read (`0o4`) and write (`0o2`) for owner,
    /// group and others; the execute bits mean nothing. Only the low 9 bits are kept.
    pub fn mode(&mut self, mode: u16) -> &mut Options {
        self.mode = mode & 0o777;
        self
    }

    /// The access to ask for when the object exists already, checked by `xxxget` against
    /// its permission bits: without it, opening fails with `EACCES`, as the C call does.
    /// An object this call creates is its creator's whatever its mode.
    pub fn access(&mut self, access: Access) -> &mut Options {
        self.access = access;
        self
    }

    /// The permission bits that a created object gets.
    pub fn permissions(&self) -> u16 {
        self.mode
    }
}

/// Gets the identifier of the object with `key`, creating it as `options` say, with
/// `get(flags)` being the kind's `xxxget` call. Returns the identifier and whether this
/// call created the object.
///
/// `IPC_CREAT` alone cannot tell whether the object was there: this asks for an existing
/// object first, then for a new one with `IPC_EXCL`, and starts again if another process
/// created it in between. Asking for an existing object passes the access bits of
/// [`Options::access`], which the kernel checks (`EACCES`).
pub(crate) fn get_or_create(
    kind: Kind,
    key: Key,
    options: &Options,
    get: impl Fn(c_int) -> c_int,
) -> Result<(Id, bool)> {
    let object = || format!("key={key}");
    let call = |flags: c_int| -> std::result::Result<Id, Errno> {
        match get(flags) {
            -1 => Err(Errno::last()),
            raw => Ok(Id::from_raw(kind, raw)),
        }
    };
    let create_new =
        libc::IPC_CREAT | libc::IPC_EXCL | c_int::from(options.mode);
    if key == Key::PRIVATE {
        return call(c_int::from(options.mode))
            .map(|id| (id, true))
            .map_err(|errno| Error::os(kind.get_call(), object(), errno));
    }
    if options.exclusive {
        return call(create_new)
            .map(|id| (id, true))
            .map_err(|errno| Error::os(kind.get_call(), object(), errno));
    }
    // Without IPC_CREAT the mode bits are the access the caller asks for, checked as
    // msgget(key, 0600) checks it in C: a caller without it is refused here, with EACCES.
    let open_existing = c_int::from(options.access.bits());
    loop {
        match call(open_existing) {
            Ok(id) => return Ok((id, false)),
            Err(Errno::ENOENT) if options.create => match call(create_new) {
                Ok(id) => return Ok((id, true)),
                Err(Errno::EEXIST) => continue, // another process won the race: open theirs
                Err(errno) => {
                    return Err(Error::os(kind.get_call(), object(), errno))
                }
            },
            Err(errno) => {
                return Err(Error::os(kind.get_call(), object(), errno))
            }
        }
    }
}

/// An object of any kind that this handle may remove: the object it created is removed
/// when it is dropped, unless [`Object::keep`] was called.
///
/// The kinds' own types (`MessageQueue`...) are what programs use; `Object` is for code
/// that deals with all three alike, such as the cleanup tool and its tests.
#[derive(Debug)]
pub struct Object {
    id: Id,
    remove_on_drop: bool,
}

impl Object {
    /// A new object with `IPC_PRIVATE` and permissions `0o600`: the smallest of its kind
    /// (a queue, a set of one semaphore, a segment of one page).
    pub fn new(kind: Kind) -> Result<Object> {
        Object::open(kind, Key::PRIVATE, &Options::new())
    }

    /// The object of `kind` with `key`, opened or created as `options` say. Removed on drop
    /// only if this call created it.
    pub fn open(kind: Kind, key: Key, options: &Options) -> Result<Object> {
        let (id, created) = for_kind!(kind, Ds => {
            get_or_create(kind, key, options, |flags| {
                Ds::get_smallest(key, flags)
            })
        })?;
        Ok(Object::from_parts(id, created))
    }

    /// Takes charge of an existing object: it is removed when the result is dropped.
    pub fn adopt(id: Id) -> Object {
        Object::from_parts(id, true)
    }

    pub(crate) fn from_parts(id: Id, remove_on_drop: bool) -> Object {
        Object { id, remove_on_drop }
    }

    /// The identifier.
    #[inline]
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether dropping this handle removes the object.
    pub fn removes_on_drop(&self) -> bool {
        self.remove_on_drop
    }

    /// Leaves the object in the kernel when the handle goes, and returns its identifier:
    /// from now on, removing it is someone else's job (`ipcrm`, or [`Object::adopt`]).
    pub fn keep(mut self) -> Id {
        self.remove_on_drop = false;
        self.id
    }

    /// Removes the object now, reporting failure, rather than on drop.
    pub fn remove(mut self) -> Result<()> {
        self.remove_on_drop = false;
        self.id.remove()
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        if self.remove_on_drop {
            // Nothing can report an error from drop; `remove()` is there for callers who
            // want to know. The usual failure is EINVAL/EIDRM: someone removed it already.
            let _ = self.id.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_created_listed_and_removed() {
        for kind in Kind::ALL {
            let object = Object::new(kind).unwrap();
            let id = object.id();
            let perm = id.perm().unwrap();
            assert_eq!(perm.mode & 0o777, 0o600, "{kind}");
            assert_eq!(perm.key, Key::PRIVATE);
            assert!(id.is_listed().unwrap(), "{id}");
            drop(object);
            assert!(!id.is_listed().unwrap(), "{id} survived its owner");
        }
    }

    #[test]
    fn opening_by_key_finds_the_same_object_and_only_the_creator_removes_it() {
        let key = Key::unique_to_process(1);
        let created = Object::open(
            Kind::MessageQueue,
            key,
            Options::new().create(true).mode(0o640),
        )
        .unwrap();
        assert!(created.removes_on_drop());
        let opened =
            Object::open(Kind::MessageQueue, key, &Options::new()).unwrap();
        assert_eq!(opened.id(), created.id());
        assert!(!opened.removes_on_drop());
        let again =
            Object::open(Kind::MessageQueue, key, Options::new().create(true))
                .unwrap();
        assert!(!again.removes_on_drop());
        let taken = Object::open(
            Kind::MessageQueue,
            key,
            Options::new().exclusive(true),
        )
        .unwrap_err();
        assert_eq!(taken.errno(), Some(Errno::EEXIST));
        assert_eq!(created.id().perm().unwrap().mode & 0o777, 0o640);
        drop(opened);
        drop(again);
        assert!(created.id().is_listed().unwrap());
        let id = created.id();
        drop(created);
        assert!(!id.is_listed().unwrap());
        let gone =
            Object::open(Kind::MessageQueue, key, &Options::new()).unwrap_err();
        assert_eq!(gone.errno(), Some(Errno::ENOENT));
    }

    #[test]
    fn a_panic_leaks_nothing() {
        let mut ids = Vec::new();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let objects: Vec<Object> =
                    Kind::ALL.map(|k| Object::new(k).unwrap()).into();
                ids.extend(objects.iter().map(Object::id));
                panic!("half-way through");
            }));
        assert!(result.is_err());
        assert_eq!(ids.len(), 3);
        for id in ids {
            assert!(!id.is_listed().unwrap(), "{id} leaked");
        }
    }

    #[test]
    fn keep_leaves_the_object_and_adopt_takes_it_back() {
        let id = Object::new(Kind::SemaphoreSet).unwrap().keep();
        let still_there = id.is_listed().unwrap();
        let adopted = Object::adopt(id);
        assert!(still_there);
        drop(adopted);
        assert!(!id.is_listed().unwrap());
    }
}
