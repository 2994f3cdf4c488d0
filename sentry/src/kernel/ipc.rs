//! System V IPC in the sandbox's own IPC namespace: shared memory segments (backed by shared
//! regions of the memory file), semaphore sets (with SEM_UNDO) and message queues. Blocked
//! semop and msgsnd/msgrcv callers wait on the readiness counter, so signals interrupt them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::errno::Errno;
use crate::mm::SharedRegion;

/// Linux's defaults, as /proc/sys/kernel shows them.
pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMMNI: usize = 4096;
pub const SEMMSL: usize = 32000;
pub const SEMVMX: i32 = 32767;
pub const SEMOPM: usize = 500;
pub const MSGMAX: usize = 8192;
pub const MSGMNB: usize = 16384;

/// The owner and mode of an IPC object (`struct ipc64_perm`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Perm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub mode: u16,
    pub seq: u16,
}

impl Perm {
    /// `struct ipc64_perm` as x86_64 lays it out (48 bytes).
    pub fn to_bytes(self) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0..4].copy_from_slice(&self.key.to_ne_bytes());
        b[4..8].copy_from_slice(&self.uid.to_ne_bytes());
        b[8..12].copy_from_slice(&self.gid.to_ne_bytes());
        b[12..16].copy_from_slice(&self.cuid.to_ne_bytes());
        b[16..20].copy_from_slice(&self.cgid.to_ne_bytes());
        b[20..22].copy_from_slice(&self.mode.to_ne_bytes());
        b[24..26].copy_from_slice(&self.seq.to_ne_bytes());
        b
    }

    /// ipcperms(): `want` is 4 (read) and/or 2 (write) bits.
    pub fn allows(&self, uid: u32, gid: u32, root: bool, want: u16) -> bool {
        if root {
            return true;
        }
        let bits = if uid == self.uid || uid == self.cuid {
            self.mode >> 6
        } else if gid == self.gid || gid == self.cgid {
            self.mode >> 3
        } else {
            self.mode
        } & 7;
        want & !bits == 0
    }
}

pub struct Shm {
    pub perm: Perm,
    pub size: u64,
    pub region: Arc<SharedRegion>,
    pub cpid: i32,
    pub lpid: i32,
    pub atime: i64,
    pub dtime: i64,
    pub ctime: i64,
    /// IPC_RMID was asked: it goes when the last attachment does.
    pub removed: bool,
}

impl Shm {
    /// Attachments: the mappings holding the region (the table holds one more).
    pub fn nattch(&self) -> u64 {
        (Arc::strong_count(&self.region) - 1) as u64
    }
}

pub struct SemSet {
    pub perm: Perm,
    pub vals: Vec<i32>,
    pub pids: Vec<i32>,
    pub otime: i64,
    pub ctime: i64,
}

pub struct Msg {
    pub mtype: i64,
    pub text: Vec<u8>,
}

pub struct MsgQueue {
    pub perm: Perm,
    pub msgs: VecDeque<Msg>,
    pub bytes: usize,
    pub qbytes: usize,
    pub lspid: i32,
    pub lrpid: i32,
    pub stime: i64,
    pub rtime: i64,
    pub ctime: i64,
}

/// One kind of IPC object: ids and keys.
pub struct Registry<T> {
    pub objects: BTreeMap<i32, T>,
    keys: HashMap<i32, i32>,
    next_seq: u16,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            objects: BTreeMap::new(),
            keys: HashMap::new(),
            next_seq: 0,
        }
    }
}

/// IPC_PRIVATE: always a new object.
pub const IPC_PRIVATE: i32 = 0;

impl<T> Registry<T> {
    /// The id of `key`'s object, if any (never for IPC_PRIVATE).
    pub fn by_key(&self, key: i32) -> Option<i32> {
        (key != IPC_PRIVATE)
            .then(|| self.keys.get(&key).copied())
            .flatten()
    }

    /// Adds an object: its id is Linux-like, `seq * 32768 + index`.
    pub fn insert(
        &mut self,
        key: i32,
        make: impl FnOnce(u16) -> Result<T, Errno>,
    ) -> Result<i32, Errno> {
        if self.objects.len() >= SHMMNI {
            return Err(Errno::ENOSPC);
        }
        let index = (0..SHMMNI as i32)
            .find(|i| !self.objects.keys().any(|id| id % 32768 == *i))
            .ok_or(Errno::ENOSPC)?;
        let seq = self.next_seq;
        let obj = make(seq)?;
        self.next_seq = self.next_seq.wrapping_add(1) % 512;
        let id = i32::from(seq) * 32768 + index;
        self.objects.insert(id, obj);
        if key != IPC_PRIVATE {
            self.keys.insert(key, id);
        }
        Ok(id)
    }

    /// Forgets `key`'s name (IPC_RMID): the key can be used again at once.
    pub fn unname(&mut self, id: i32) {
        self.keys.retain(|_, v| *v != id);
    }

    pub fn get(&self, id: i32) -> Result<&T, Errno> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        self.objects.get(&id).ok_or(Errno::EINVAL)
    }

    pub fn get_mut(&mut self, id: i32) -> Result<&mut T, Errno> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        self.objects.get_mut(&id).ok_or(Errno::EINVAL)
    }
}

/// SEM_UNDO adjustments of one process: (set id, semaphore) → value to add at exit.
pub type Undo = HashMap<(i32, usize), i32>;

#[derive(Default)]
pub struct IpcState {
    pub shm: Registry<Shm>,
    pub sem: Registry<SemSet>,
    pub msg: Registry<MsgQueue>,
    /// SEM_UNDO adjustments by pid.
    pub undo: HashMap<i32, Undo>,
}

impl IpcState {
    /// Drops removed segments nobody has attached any more.
    pub fn reap_shm(&mut self) {
        self.shm
            .objects
            .retain(|_, s| !(s.removed && Arc::strong_count(&s.region) == 1));
    }
}

/// The sandbox's IPC namespace.
#[derive(Default)]
pub struct Ipc {
    state: Mutex<IpcState>,
}

impl Ipc {
    pub fn lock(&self) -> MutexGuard<'_, IpcState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A process ended: its SEM_UNDO adjustments are applied (clamped at 0 and SEMVMX).
    pub fn exit(&self, pid: i32) {
        let mut s = self.lock();
        let Some(undo) = s.undo.remove(&pid) else {
            return;
        };
        for ((id, num), adj) in undo {
            if let Ok(set) = s.sem.get_mut(id) {
                if let Some(v) = set.vals.get_mut(num) {
                    *v = (*v + adj).clamp(0, SEMVMX);
                }
            }
        }
        drop(s);
        crate::fs::poll::notify();
    }
}

/// Seconds since the epoch, for the IPC times.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
