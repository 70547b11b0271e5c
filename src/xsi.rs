//! XSI (System V) IPC: what message queues, semaphore sets and shared memory segments
//! have in common: keys, identifiers, the permission structure, the kernel's limits, and
//! owning handles that remove what they created.
//!
//! | C                                               | here                                  |
//! |-------------------------------------------------|---------------------------------------|
//! | `IPC_PRIVATE`                                   | [`Key::PRIVATE`]                      |
//! | `ftok(path, id)`                                | [`Key::ftok`]                         |
//! | `IPC_CREAT`, `IPC_EXCL`, mode bits of `xxxget`  | [`Options`]                           |
//! | `msgget`, `semget`, `shmget`                    | [`Object::open`], [`Object::new`]     |
//! | `xxxctl(id, IPC_STAT)` → `struct ipc_perm`      | [`Id::perm`] → [`IpcPerm`]            |
//! | `xxxctl(id, IPC_SET)`                           | [`Id::set_owner`], [`Id::set_mode`]   |
//! | `xxxctl(id, IPC_RMID)`                          | [`Id::remove`], and `Drop`            |
//! | `/proc/sysvipc/{msg,sem,shm}`, `ipcs`           | [`Kind::list`] → [`Entry`]            |
//! | `/proc/sys/kernel/msgmax` ..., `ipcs -l`        | [`Limits::read`]                      |
//!
//! An identifier is a plain number that any process may use, and an object lives until
//! someone removes it, whoever created it. So the owning types of this crate ([`Object`]
//! here, `MessageQueue` in [`crate::msg`]) remove the object *they created* when they are
//! dropped, also when a panic unwinds through them, unless the caller says otherwise with
//! `keep()`. An object that was only opened is never removed on drop.
//!
//! Man pages: sysvipc(7), ftok(3), msgget(2), semget(2), shmget(2), msgctl(2), semctl(2),
//! shmctl(2), proc_sysvipc(5) (part of proc(5) on older systems).

use std::ffi::CString;
use std::fmt;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use libc::{c_int, c_ulong};
use nix::errno::Errno;

use crate::error::{Error, Result};

/// The name by which unrelated processes find the same object, as a path names a file.
///
/// Two processes that call `msgget` with the same key get the same queue. The key
/// [`Key::PRIVATE`] is the exception: it always creates a new object, which only a process
/// that is told the identifier can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(libc::key_t);

impl Key {
    /// `IPC_PRIVATE`: every `xxxget` with this key creates a new object.
    pub const PRIVATE: Key = Key(libc::IPC_PRIVATE);

    /// A key from its raw value, as `ipcs` shows it (`0x0000002a`).
    pub const fn from_raw(raw: libc::key_t) -> Key {
        Key(raw)
    }

    /// The raw `key_t`.
    pub const fn raw(self) -> libc::key_t {
        self.0
    }

    /// `ftok(path, id)`: a key derived from an existing file and a project id.
    ///
    /// glibc builds the key from three numbers, and from only some of their bits: see
    /// [`Key::ftok_bits`]. The project id must be in `1..=255`: only its low 8 bits are
    /// used, so C's `ftok(path, 257)` silently equals `ftok(path, 1)`, and with 0 the key of
    /// an unlucky file is 0, which is `IPC_PRIVATE`. Both are refused here.
    pub fn ftok(path: impl AsRef<Path>, id: i32) -> Result<Key> {
        let path = path.as_ref();
        let object = path.display().to_string();
        if !(1..=255).contains(&id) {
            return Err(Error::invalid(
                "ftok",
                object,
                format!("project id {id} is outside 1..=255: ftok keeps only its low 8 bits, and 0 can give IPC_PRIVATE"),
            ));
        }
        let c_path =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| {
                Error::invalid(
                    "ftok",
                    object.clone(),
                    "path contains a NUL byte",
                )
            })?;
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
        let key = unsafe { libc::ftok(c_path.as_ptr(), id) };
        if key == -1 {
            return Err(Error::os("ftok", object, Errno::last()));
        }
        Ok(Key(key))
    }

    /// What glibc's `ftok` computes from a file's device and inode numbers and the project
    /// id: the low 8 bits of the id, the low 8 bits of the device, the low 16 bits of the
    /// inode. The other bits are thrown away, so two files on one file system whose inode
    /// numbers agree in their low 16 bits get the same key.
    pub const fn ftok_bits(dev: u64, ino: u64, id: u8) -> Key {
        let raw = ((id as u32) << 24)
            | (((dev & 0xff) as u32) << 16)
            | ((ino & 0xffff) as u32);
        Key(raw as libc::key_t)
    }

    /// A key no other process uses at the same time, for demonstrations and tests that
    /// need a named object: `slot` in the high byte and this process's id below it.
    ///
    /// Two processes cannot share a pid, so two copies of a program never collide; inside
    /// one process each use needs its own `slot`. Software outside this book could still
    /// hold the key, by `ftok` or by chance: open with [`Options::exclusive`] to find out.
    pub fn unique_to_process(slot: u8) -> Key {
        // pids are below 2^22 (PID_MAX_LIMIT on 64-bit Linux), so they fit under the slot.
        let pid = std::process::id() & 0x003f_ffff;
        Key(((u32::from(slot) << 24) | pid) as libc::key_t)
    }
}

impl fmt::Display for Key {
    /// As `ipcs` shows keys: `0x` and eight hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0 as u32)
    }
}

/// How to get an object by key, in the style of [`std::fs::OpenOptions`]: open an existing
/// one, create it if missing, or insist on a new one. Permission bits default to `0o600`.
///
/// ```text
/// Options::new()                     // open only: ENOENT if no object has the key
/// Options::new().create(true)        // open, or create if missing
/// Options::new().exclusive(true)     // create, or fail with EEXIST (IPC_CREAT | IPC_EXCL)
/// ```
///
/// With [`Key::PRIVATE`] every call creates a new object, whatever the options say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    create: bool,
    exclusive: bool,
    mode: u16,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// Open an existing object, permissions `0o600` should one be created.
    pub fn new() -> Options {
        Options {
            create: false,
            exclusive: false,
            mode: 0o600,
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

    /// The permission bits that a created object gets.
    pub fn permissions(&self) -> u16 {
        self.mode
    }
}

/// The three kinds of XSI IPC object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A message queue (`msgget`).
    MessageQueue,
    /// A semaphore set (`semget`).
    SemaphoreSet,
    /// A shared memory segment (`shmget`).
    SharedMemory,
}

impl Kind {
    /// All three, in the order of their files in /proc/sysvipc.
    pub const ALL: [Kind; 3] =
        [Kind::MessageQueue, Kind::SemaphoreSet, Kind::SharedMemory];

    /// The short name of /proc/sysvipc and ipcrm: `msg`, `sem`, `shm`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msg",
            Kind::SemaphoreSet => "sem",
            Kind::SharedMemory => "shm",
        }
    }

    /// The kind whose short name is `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    fn get_call(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msgget",
            Kind::SemaphoreSet => "semget",
            Kind::SharedMemory => "shmget",
        }
    }

    fn ctl_call(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msgctl",
            Kind::SemaphoreSet => "semctl",
            Kind::SharedMemory => "shmctl",
        }
    }

    /// Every object of this kind in this IPC namespace, read from
    /// `/proc/sysvipc/{msg,sem,shm}`: the machine-readable form of `ipcs`, readable by
    /// every user.
    pub fn list(self) -> Result<Vec<Entry>> {
        let path = format!("/proc/sysvipc/{}", self.name());
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::from_io("read", &path, e))?;
        parse_sysvipc(self, &text)
            .map_err(|reason| Error::invalid("read", path, reason))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of `/proc/sysvipc/{msg,sem,shm}`: who owns an object and who may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The object's identifier.
    pub id: Id,
    /// Its key; [`Key::PRIVATE`] for an object created with `IPC_PRIVATE`.
    pub key: Key,
    /// The mode: permission bits, plus state flags for segments (`SHM_DEST` 0o1000).
    pub mode: u16,
    /// The owner's user id, which `IPC_SET` may change.
    pub uid: u32,
    /// The owner's group id.
    pub gid: u32,
    /// The creator's user id, which never changes.
    pub cuid: u32,
    /// The creator's group id.
    pub cgid: u32,
}

fn parse_sysvipc(
    kind: Kind,
    text: &str,
) -> std::result::Result<Vec<Entry>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty file")?
        .split_whitespace()
        .collect();
    let id_column = match kind {
        Kind::MessageQueue => "msqid",
        Kind::SemaphoreSet => "semid",
        Kind::SharedMemory => "shmid",
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|&h| h == name)
            .ok_or_else(|| format!("no column '{name}'"))
    };
    let (key, id, perms) =
        (column("key")?, column(id_column)?, column("perms")?);
    let (uid, gid, cuid, cgid) = (
        column("uid")?,
        column("gid")?,
        column("cuid")?,
        column("cgid")?,
    );
    let mut entries = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let field = |index: usize| {
            fields
                .get(index)
                .copied()
                .ok_or_else(|| format!("short line '{line}'"))
        };
        let number = |index: usize| -> std::result::Result<u32, String> {
            let text = field(index)?;
            text.parse().map_err(|_| format!("bad number '{text}'"))
        };
        let key_text = field(key)?;
        let perms_text = field(perms)?;
        let id_text = field(id)?;
        entries.push(Entry {
            id: Id::from_raw(
                kind,
                id_text.parse().map_err(|_| format!("bad id '{id_text}'"))?,
            ),
            key: Key(key_text
                .parse()
                .map_err(|_| format!("bad key '{key_text}'"))?),
            mode: u16::from_str_radix(perms_text, 8)
                .map_err(|_| format!("bad perms '{perms_text}'"))?,
            uid: number(uid)?,
            gid: number(gid)?,
            cuid: number(cuid)?,
            cgid: number(cgid)?,
        });
    }
    Ok(entries)
}

/// An identifier: which object of which kind. A plain number, valid in every process,
/// that owns nothing: copying it or dropping it does nothing to the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    kind: Kind,
    raw: c_int,
}

/// The permission structure every XSI object carries (`struct ipc_perm`), the same for
/// all three kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpcPerm {
    /// The key the object was created with.
    pub key: Key,
    /// The owner's user id: like a file's owner, changed with `IPC_SET`.
    pub uid: u32,
    /// The owner's group id.
    pub gid: u32,
    /// The creator's user id: fixed at creation. The creator keeps the owner's rights
    /// (`IPC_SET`, `IPC_RMID`, and the owner's permission bits) after giving the object away.
    pub cuid: u32,
    /// The creator's group id.
    pub cgid: u32,
    /// The permission bits (`0o600`...), plus state flags for segments.
    pub mode: u16,
    /// The slot's sequence number, part of the identifier (see the chapter).
    pub seq: u16,
}

impl IpcPerm {
    pub(crate) fn from_libc(perm: &libc::ipc_perm) -> IpcPerm {
        IpcPerm {
            key: Key(perm.__key),
            uid: perm.uid,
            gid: perm.gid,
            cuid: perm.cuid,
            cgid: perm.cgid,
            mode: perm.mode,
            seq: perm.__seq,
        }
    }
}

/// The size of the segment that [`Object::new`] creates: one page.
const SMALLEST_SEGMENT: usize = 4096;

impl Id {
    /// The identifier `raw` of an object of `kind`. Nothing is checked: the number may
    /// name no object, or a different one than the caller thinks.
    pub const fn from_raw(kind: Kind, raw: c_int) -> Id {
        Id { kind, raw }
    }

    /// The kind of object.
    pub fn kind(self) -> Kind {
        self.kind
    }

    /// The number `xxxget` returned.
    pub fn raw(self) -> c_int {
        self.raw
    }

    /// `IPC_STAT`: the object's permission structure. Needs read permission.
    pub fn perm(self) -> Result<IpcPerm> {
        let perm = match self.kind {
            Kind::MessageQueue => msg_stat(self.raw)?.msg_perm,
            Kind::SemaphoreSet => sem_stat(self.raw)?.sem_perm,
            Kind::SharedMemory => shm_stat(self.raw)?.shm_perm,
        };
        Ok(IpcPerm::from_libc(&perm))
    }

    /// `IPC_SET` of the owner (user and group), as `chown` does for a file. Allowed to the
    /// owner and to the creator, who may give the object to *any* user, unlike `chown`
    /// (and keeps the right to take it back or remove it), and to root.
    pub fn set_owner(self, uid: u32, gid: u32) -> Result<()> {
        self.update_perm(|perm| {
            perm.uid = uid;
            perm.gid = gid;
        })
    }

    /// `IPC_SET` of the permission bits, as `chmod` does for a file (low 9 bits only).
    pub fn set_mode(self, mode: u16) -> Result<()> {
        self.update_perm(|perm| perm.mode = mode & 0o777)
    }

    fn update_perm(
        self,
        change: impl FnOnce(&mut libc::ipc_perm),
    ) -> Result<()> {
        match self.kind {
            Kind::MessageQueue => {
                let mut ds = msg_stat(self.raw)?;
                change(&mut ds.msg_perm);
                msg_set(self.raw, &mut ds)
            }
            Kind::SemaphoreSet => {
                let mut ds = sem_stat(self.raw)?;
                change(&mut ds.sem_perm);
                sem_set(self.raw, &mut ds)
            }
            Kind::SharedMemory => {
                let mut ds = shm_stat(self.raw)?;
                change(&mut ds.shm_perm);
                shm_set(self.raw, &mut ds)
            }
        }
    }

    /// `IPC_RMID`: removes the object now. A queue's or a set's waiting processes wake up
    /// with `EIDRM`; a segment that is still attached goes when the last process detaches
    /// it. Allowed to the owner, the creator and root.
    pub fn remove(self) -> Result<()> {
        // SAFETY: IPC_RMID reads no buffer; a null pointer (or no argument for semctl) is
        // what the man pages specify.
        let ret = unsafe {
            match self.kind {
                Kind::MessageQueue => {
                    libc::msgctl(self.raw, libc::IPC_RMID, std::ptr::null_mut())
                }
                Kind::SemaphoreSet => libc::semctl(self.raw, 0, libc::IPC_RMID),
                Kind::SharedMemory => {
                    libc::shmctl(self.raw, libc::IPC_RMID, std::ptr::null_mut())
                }
            }
        };
        check(ret, "IPC_RMID", self).map(drop)
    }

    /// Whether `/proc/sysvipc` lists this identifier, that is, whether the object exists.
    pub fn is_listed(self) -> Result<bool> {
        Ok(self.kind.list()?.iter().any(|entry| entry.id == self))
    }
}

impl fmt::Display for Id {
    /// `msg id=3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} id={}", self.kind, self.raw)
    }
}

/// Turns the -1 of an `xxxctl(id, command)` call into an error that reads
/// `msgctl(id=3, IPC_RMID): Invalid argument (EINVAL)`.
fn check(ret: c_int, command: &str, id: Id) -> Result<c_int> {
    if ret == -1 {
        Err(Error::os(
            id.kind.ctl_call(),
            format!("id={}, {command}", id.raw),
            Errno::last(),
        ))
    } else {
        Ok(ret)
    }
}

/// `semctl(IPC_STAT)`.
fn sem_stat(raw: c_int) -> Result<libc::semid_ds> {
    // SAFETY: `semid_ds` is plain integers; all zeroes is a valid value.
    let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one `semid_ds` through the pointer, which points
    // to `ds`, valid and writable for the call.
    let ret = unsafe {
        libc::semctl(raw, 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds)
    };
    check(ret, "IPC_STAT", Id::from_raw(Kind::SemaphoreSet, raw))?;
    Ok(ds)
}

/// `semctl(IPC_SET)`: the kernel takes the owner and the mode from `ds`.
fn sem_set(raw: c_int, ds: &mut libc::semid_ds) -> Result<()> {
    // SAFETY: IPC_SET reads one `semid_ds` from `ds`, valid for the call.
    let ret = unsafe {
        libc::semctl(raw, 0, libc::IPC_SET, ds as *mut libc::semid_ds)
    };
    check(ret, "IPC_SET", Id::from_raw(Kind::SemaphoreSet, raw)).map(drop)
}

/// `shmctl(IPC_STAT)`.
fn shm_stat(raw: c_int) -> Result<libc::shmid_ds> {
    // SAFETY: `shmid_ds` is plain integers; all zeroes is a valid value.
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one `shmid_ds` into `ds`, valid for the call.
    let ret = unsafe { libc::shmctl(raw, libc::IPC_STAT, &mut ds) };
    check(ret, "IPC_STAT", Id::from_raw(Kind::SharedMemory, raw))?;
    Ok(ds)
}

/// `shmctl(IPC_SET)`: the kernel takes the owner and the mode from `ds`.
fn shm_set(raw: c_int, ds: &mut libc::shmid_ds) -> Result<()> {
    // SAFETY: IPC_SET reads one `shmid_ds` from `ds`, valid for the call.
    let ret = unsafe { libc::shmctl(raw, libc::IPC_SET, ds) };
    check(ret, "IPC_SET", Id::from_raw(Kind::SharedMemory, raw)).map(drop)
}

/// `msgctl(IPC_STAT)`, shared with [`crate::msg`].
pub(crate) fn msg_stat(raw: c_int) -> Result<libc::msqid_ds> {
    // SAFETY: `msqid_ds` is plain integers; all zeroes is a valid value.
    let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one `msqid_ds` into `ds`, valid for the call.
    let ret = unsafe { libc::msgctl(raw, libc::IPC_STAT, &mut ds) };
    check(ret, "IPC_STAT", Id::from_raw(Kind::MessageQueue, raw))?;
    Ok(ds)
}

/// `msgctl(IPC_SET)`, shared with [`crate::msg`]: the kernel takes the owner, the mode and
/// `msg_qbytes` from `ds` and ignores the rest.
pub(crate) fn msg_set(raw: c_int, ds: &mut libc::msqid_ds) -> Result<()> {
    // SAFETY: IPC_SET reads one `msqid_ds` from `ds`, valid for the call.
    let ret = unsafe { libc::msgctl(raw, libc::IPC_SET, ds) };
    check(ret, "IPC_SET", Id::from_raw(Kind::MessageQueue, raw)).map(drop)
}

/// `time_t` as the kernel reports the time of a last operation: 0 means never.
pub(crate) fn time_of(seconds: libc::time_t) -> Option<SystemTime> {
    u64::try_from(seconds)
        .ok()
        .filter(|&s| s != 0)
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

/// Gets the identifier of the object with `key`, creating it as `options` say, with
/// `get(flags)` being the kind's `xxxget` call. Returns the identifier and whether this
/// call created the object.
///
/// `IPC_CREAT` alone cannot tell whether the object was there: this asks for an existing
/// object first, then for a new one with `IPC_EXCL`, and starts again if another process
/// created it in between.
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
    // Without IPC_CREAT the mode bits are the access the caller asks for: none, so that
    // opening never fails where a later operation would not.
    loop {
        match call(0) {
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
        let (id, created) =
            get_or_create(kind, key, options, |flags| match kind {
                // SAFETY: the xxxget calls take only integers.
                Kind::MessageQueue => unsafe { libc::msgget(key.raw(), flags) },
                // SAFETY: as above.
                Kind::SemaphoreSet => unsafe {
                    libc::semget(key.raw(), 1, flags)
                },
                // SAFETY: as above.
                Kind::SharedMemory => unsafe {
                    libc::shmget(key.raw(), SMALLEST_SEGMENT, flags)
                },
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

/// The kernel's System V IPC limits (sysvipc(7), proc(5)). Read from
/// `/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,shmall,shmmni}`, where root can
/// change them with `sysctl`; the two that are compiled in (`semvmx`, `shmmin`) come from
/// `semctl(IPC_INFO)` and `shmctl(IPC_INFO)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `msgmax`: the largest message, in bytes.
    pub msgmax: u64,
    /// `msgmnb`: the capacity in bytes that a new queue gets (`msg_qbytes`).
    pub msgmnb: u64,
    /// `msgmni`: the most queues in the system.
    pub msgmni: u64,
    /// `semmsl`: the most semaphores in one set.
    pub semmsl: u64,
    /// `semmns`: the most semaphores in the system.
    pub semmns: u64,
    /// `semopm`: the most operations in one `semop` call.
    pub semopm: u64,
    /// `semmni`: the most semaphore sets in the system.
    pub semmni: u64,
    /// `semvmx`: the largest value of a semaphore (compiled in).
    pub semvmx: u64,
    /// `shmmax`: the largest segment, in bytes.
    pub shmmax: u64,
    /// `shmmin`: the smallest segment, in bytes (compiled in).
    pub shmmin: u64,
    /// `shmmni`: the most segments in the system.
    pub shmmni: u64,
    /// `shmall`: the most shared memory in the system, in pages.
    pub shmall: u64,
}

/// One limit, for printing: its sysctl name, what it limits, this machine's value and
/// Linux's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The kind of object it applies to.
    pub kind: Kind,
    /// The name in /proc/sys/kernel (or in `struct msginfo`...).
    pub name: &'static str,
    /// What `ipcs -l` calls it.
    pub meaning: &'static str,
    /// The value in force.
    pub value: u64,
    /// The value of a kernel nobody has tuned ([`Limits::LINUX_DEFAULTS`]).
    pub default: u64,
}

/// `struct shminfo` of glibc, which the libc crate does not define.
#[repr(C)]
struct ShmInfo {
    shmmax: c_ulong,
    shmmin: c_ulong,
    shmmni: c_ulong,
    shmseg: c_ulong,
    shmall: c_ulong,
    unused: [c_ulong; 4],
}

impl Limits {
    /// The defaults of today's Linux (include/uapi/linux/{msg,sem,shm}.h), in force since
    /// Linux 3.19 (message and semaphore limits) and 3.16 (shared memory).
    // c_ulong is 32 bits on 32-bit targets, where the cast is needed.
    #[allow(clippy::unnecessary_cast)]
    pub const LINUX_DEFAULTS: Limits = Limits {
        msgmax: 8192,
        msgmnb: 16384,
        msgmni: 32000,
        semmsl: 32000,
        semmns: 1_024_000_000,
        semopm: 500,
        semmni: 32000,
        semvmx: 32767,
        // ULONG_MAX - 2^24: no limit, with room for old programs that add to it (shmget(2)).
        shmmax: c_ulong::MAX as u64 - (1 << 24),
        shmmin: 1,
        shmmni: 4096,
        shmall: c_ulong::MAX as u64 - (1 << 24),
    };

    /// The limits in force.
    pub fn read() -> Result<Limits> {
        let sem = read_numbers("/proc/sys/kernel/sem")?;
        let [semmsl, semmns, semopm, semmni] = sem[..] else {
            return Err(Error::invalid(
                "read",
                "/proc/sys/kernel/sem",
                format!("expected 4 numbers, found {}", sem.len()),
            ));
        };
        Ok(Limits {
            msgmax: read_number("/proc/sys/kernel/msgmax")?,
            msgmnb: read_number("/proc/sys/kernel/msgmnb")?,
            msgmni: read_number("/proc/sys/kernel/msgmni")?,
            semmsl,
            semmns,
            semopm,
            semmni,
            semvmx: sem_info()?.semvmx as u64,
            shmmax: read_number("/proc/sys/kernel/shmmax")?,
            shmmin: shm_info()?.shmmin as u64,
            shmmni: read_number("/proc/sys/kernel/shmmni")?,
            shmall: read_number("/proc/sys/kernel/shmall")?,
        })
    }

    /// `msgctl(0, IPC_INFO)`: the kernel's own view of the message limits, as
    /// `(msgmax, msgmnb, msgmni)`, for checking the /proc figures against.
    pub fn msg_info() -> Result<(u64, u64, u64)> {
        // SAFETY: `msginfo` is plain integers; all zeroes is a valid value.
        let mut info: libc::msginfo = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_INFO writes one `struct msginfo` through the pointer (msgctl(2)),
        // which points to a valid, writable one for the whole call.
        let ret = unsafe {
            libc::msgctl(
                0,
                libc::IPC_INFO,
                &mut info as *mut libc::msginfo as *mut libc::msqid_ds,
            )
        };
        check(ret, "IPC_INFO", Id::from_raw(Kind::MessageQueue, 0))?;
        Ok((info.msgmax as u64, info.msgmnb as u64, info.msgmni as u64))
    }

    /// Every limit with its name, meaning and default, in `ipcs -l`'s order.
    pub fn entries(&self) -> Vec<Limit> {
        let d = Limits::LINUX_DEFAULTS;
        let limit = |kind, name, meaning, value, default| Limit {
            kind,
            name,
            meaning,
            value,
            default,
        };
        use Kind::*;
        vec![
            limit(
                MessageQueue,
                "msgmni",
                "max queues system wide",
                self.msgmni,
                d.msgmni,
            ),
            limit(
                MessageQueue,
                "msgmax",
                "max size of message (bytes)",
                self.msgmax,
                d.msgmax,
            ),
            limit(
                MessageQueue,
                "msgmnb",
                "default max size of queue (bytes)",
                self.msgmnb,
                d.msgmnb,
            ),
            limit(
                SharedMemory,
                "shmmni",
                "max number of segments",
                self.shmmni,
                d.shmmni,
            ),
            limit(
                SharedMemory,
                "shmmax",
                "max seg size (bytes)",
                self.shmmax,
                d.shmmax,
            ),
            limit(
                SharedMemory,
                "shmall",
                "max total shared memory (pages)",
                self.shmall,
                d.shmall,
            ),
            limit(
                SharedMemory,
                "shmmin",
                "min seg size (bytes)",
                self.shmmin,
                d.shmmin,
            ),
            limit(
                SemaphoreSet,
                "semmni",
                "max number of arrays",
                self.semmni,
                d.semmni,
            ),
            limit(
                SemaphoreSet,
                "semmsl",
                "max semaphores per array",
                self.semmsl,
                d.semmsl,
            ),
            limit(
                SemaphoreSet,
                "semmns",
                "max semaphores system wide",
                self.semmns,
                d.semmns,
            ),
            limit(
                SemaphoreSet,
                "semopm",
                "max ops per semop call",
                self.semopm,
                d.semopm,
            ),
            limit(
                SemaphoreSet,
                "semvmx",
                "semaphore max value",
                self.semvmx,
                d.semvmx,
            ),
        ]
    }
}

fn read_numbers(path: &str) -> Result<Vec<u64>> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::from_io("read", path, e))?;
    text.split_whitespace()
        .map(|word| {
            word.parse().map_err(|_| {
                Error::invalid(
                    "read",
                    path,
                    format!("'{word}' is not a number"),
                )
            })
        })
        .collect()
}

fn read_number(path: &str) -> Result<u64> {
    match read_numbers(path)?[..] {
        [number] => Ok(number),
        ref other => Err(Error::invalid(
            "read",
            path,
            format!("expected one number, found {}", other.len()),
        )),
    }
}

fn sem_info() -> Result<libc::seminfo> {
    // SAFETY: `seminfo` is plain integers; all zeroes is a valid value.
    let mut info: libc::seminfo = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_INFO writes one `struct seminfo` through the pointer passed as the
    // `union semun` argument (semctl(2)); it points to a valid one for the whole call.
    let ret = unsafe {
        libc::semctl(0, 0, libc::IPC_INFO, &mut info as *mut libc::seminfo)
    };
    check(ret, "IPC_INFO", Id::from_raw(Kind::SemaphoreSet, 0))?;
    Ok(info)
}

fn shm_info() -> Result<ShmInfo> {
    let mut info = ShmInfo {
        shmmax: 0,
        shmmin: 0,
        shmmni: 0,
        shmseg: 0,
        shmall: 0,
        unused: [0; 4],
    };
    // SAFETY: IPC_INFO writes one `struct shminfo` (ShmInfo has its layout) through the
    // pointer (shmctl(2)); it points to a valid one for the whole call.
    let ret = unsafe {
        libc::shmctl(
            0,
            libc::IPC_INFO,
            &mut info as *mut ShmInfo as *mut libc::shmid_ds,
        )
    };
    check(ret, "IPC_INFO", Id::from_raw(Kind::SharedMemory, 0))?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn ftok_keeps_only_the_documented_bits() {
        let meta = fs::metadata("Cargo.toml").unwrap();
        for id in [1, 42, 255] {
            let key = Key::ftok("Cargo.toml", id).unwrap();
            assert_eq!(key, Key::ftok_bits(meta.dev(), meta.ino(), id as u8));
        }
    }

    #[test]
    fn ftok_refuses_ids_c_would_truncate() {
        for id in [0, 256, 257, -1] {
            let err = Key::ftok("Cargo.toml", id).unwrap_err();
            assert_eq!(err.errno(), None, "{err}");
            assert!(err
                .to_string()
                .starts_with("ftok(Cargo.toml): project id"));
        }
        let missing = Key::ftok("/no/such/file", 1).unwrap_err();
        assert_eq!(missing.errno(), Some(Errno::ENOENT));
    }

    #[test]
    fn keys_print_as_ipcs_does() {
        assert_eq!(Key::PRIVATE.to_string(), "0x00000000");
        assert_eq!(Key::from_raw(-1).to_string(), "0xffffffff");
    }

    #[test]
    fn parses_proc_sysvipc() {
        let text = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n\
                    \x20  1234          7   666           5          1   100     0  1000  1000     0     0          0          0 1700000000\n";
        let entries = parse_sysvipc(Kind::MessageQueue, text).unwrap();
        assert_eq!(
            entries,
            [Entry {
                id: Id::from_raw(Kind::MessageQueue, 7),
                key: Key::from_raw(1234),
                mode: 0o666,
                uid: 1000,
                gid: 1000,
                cuid: 0,
                cgid: 0,
            }]
        );
        assert!(parse_sysvipc(Kind::SemaphoreSet, text).is_err());
    }

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

    #[test]
    fn set_mode_and_owner() {
        for kind in Kind::ALL {
            let object = Object::new(kind).unwrap();
            let id = object.id();
            id.set_mode(0o644).unwrap();
            assert_eq!(id.perm().unwrap().mode & 0o777, 0o644);
            let me = id.perm().unwrap();
            // The creator may give the object away, and still removes it on drop.
            id.set_owner(65534, 65534).unwrap();
            let given = id.perm().unwrap();
            assert_eq!((given.uid, given.gid), (65534, 65534));
            assert_eq!((given.cuid, given.cgid), (me.cuid, me.cgid));
            drop(object);
            assert!(!id.is_listed().unwrap());
        }
    }

    #[test]
    fn limits_agree_with_ipc_info() {
        let limits = Limits::read().unwrap();
        let (msgmax, msgmnb, msgmni) = Limits::msg_info().unwrap();
        assert_eq!(
            (limits.msgmax, limits.msgmnb, limits.msgmni),
            (msgmax, msgmnb, msgmni)
        );
        let sem = sem_info().unwrap();
        assert_eq!(limits.semmsl, sem.semmsl as u64);
        assert_eq!(limits.semopm, sem.semopm as u64);
        let shm = shm_info().unwrap();
        assert_eq!(limits.shmmni, shm.shmmni as u64);
        assert_eq!(limits.shmall, shm.shmall as u64);
        assert_eq!(limits.entries().len(), 12);
    }
}
