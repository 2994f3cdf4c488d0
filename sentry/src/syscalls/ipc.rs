//! System V IPC calls: shmget/shmat/shmdt/shmctl, semget/semop/semtimedop/semctl,
//! msgget/msgsnd/msgrcv/msgctl, in the sandbox's own namespace (kernel/ipc.rs).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::Prot;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::ipc::{
    now_secs, IpcState, Msg, MsgQueue, Perm, Registry, SemSet, Shm, MSGMAX, MSGMNB, SEMMSL, SEMOPM,
    SEMVMX, SHMMAX,
};
use crate::kernel::Task;
use crate::mm::{page_up, Placement, SharedRegion};

const IPC_CREAT: i32 = 0o1000;
const IPC_EXCL: i32 = 0o2000;
const IPC_NOWAIT: i32 = 0o4000;
const IPC_RMID: i32 = 0;
const IPC_SET: i32 = 1;
const IPC_STAT: i32 = 2;
const IPC_INFO: i32 = 3;
const SHM_RDONLY: i32 = 0o10000;
const SHM_RND: i32 = 0o20000;
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SEM_UNDO: i16 = 0x1000;
const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETALL: i32 = 13;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;
const SETVAL: i32 = 16;
const SETALL: i32 = 17;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_NOERROR: i32 = 0o10000;
const MSG_EXCEPT: i32 = 0o20000;
/// CAP_IPC_OWNER: bypasses IPC permission checks.
const CAP_IPC_OWNER: u32 = 15;

fn new_perm(task: &Task, key: i32, flags: i32, seq: u16) -> Perm {
    Perm {
        key,
        uid: task.cred.euid,
        gid: task.cred.egid,
        cuid: task.cred.euid,
        cgid: task.cred.egid,
        mode: (flags & 0o777) as u16,
        seq,
    }
}

fn may(task: &Task, perm: &Perm, want: u16) -> Result<(), Errno> {
    let root = task.cred.capable(CAP_IPC_OWNER);
    if perm.allows(task.cred.euid, task.cred.egid, root, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// The owner (or creator) or root may change or remove an object.
fn may_own(task: &Task, perm: &Perm) -> Result<(), Errno> {
    let uid = task.cred.euid;
    if uid == perm.uid || uid == perm.cuid || task.cred.capable(21) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// shmget/semget/msgget: the object `key` names (checked by `check`), or a new one made by
/// `make` with the caller as owner.
fn lookup_or_create<T>(
    task: &Task,
    reg: &mut Registry<T>,
    key: i32,
    flags: i32,
    check: impl FnOnce(&T) -> Result<(), Errno>,
    perm_of: impl Fn(&T) -> Perm,
    make: impl FnOnce(Perm) -> Result<T, Errno>,
) -> SysResult {
    if let Some(id) = reg.by_key(key) {
        if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
            return Err(Errno::EEXIST);
        }
        let obj = reg.get(id)?;
        // The access asked for: the mode bits given (as Linux's ipcperms with the flags).
        let want = ((flags >> 6) & 6) as u16;
        may(task, &perm_of(obj), want)?;
        check(obj)?;
        return Ok(id as u64);
    }
    if key != crate::kernel::ipc::IPC_PRIVATE && flags & IPC_CREAT == 0 {
        return Err(Errno::ENOENT);
    }
    let id = reg.insert(key, |seq| make(new_perm(task, key, flags, seq)))?;
    Ok(id as u64)
}

// ------------------------------------------------------------------------------------------
// Shared memory

pub fn sys_shmget(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, size, flags) = (a.int(0), a.u64(1), a.int(2));
    let mem = task.kernel.mem.clone();
    let pid = task.process.pid;
    let mut s = task.kernel.ipc.lock();
    s.reap_shm();
    lookup_or_create(
        task,
        &mut s.shm,
        key,
        flags,
        |shm: &Shm| {
            if size > shm.size {
                return Err(Errno::EINVAL);
            }
            Ok(())
        },
        |shm| shm.perm,
        |perm| {
            if !(1..=SHMMAX).contains(&size) {
                return Err(Errno::EINVAL);
            }
            let region = SharedRegion::new(&mem, page_up(size).ok_or(Errno::EINVAL)?)?;
            Ok(Shm {
                perm,
                size,
                region,
                cpid: pid,
                lpid: 0,
                atime: 0,
                dtime: 0,
                ctime: now_secs(),
                removed: false,
            })
        },
    )
}

pub fn sys_shmat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, addr, flags) = (a.int(0), a.u64(1), a.int(2));
    let (region, size, key) = {
        let mut s = task.kernel.ipc.lock();
        let shm = s.shm.get(id)?;
        let want = if flags & SHM_RDONLY != 0 { 4 } else { 6 };
        may(task, &shm.perm, want)?;
        if shm.removed {
            return Err(Errno::EIDRM);
        }
        let r = (shm.region.clone(), shm.size, shm.perm.key);
        let shm = s.shm.get_mut(id)?;
        shm.atime = now_secs();
        shm.lpid = task.process.pid;
        r
    };
    let addr = if flags & SHM_RND != 0 {
        addr & !0xfff
    } else {
        addr
    };
    if addr & 0xfff != 0 {
        return Err(Errno::EINVAL);
    }
    let prot = if flags & SHM_RDONLY != 0 {
        Prot::READ
    } else {
        Prot::READ | Prot::WRITE
    } | if flags & 0o100000 != 0 {
        Prot::EXEC
    } else {
        Prot::NONE
    };
    let placement = if addr != 0 {
        Placement::Fixed(addr)
    } else {
        Placement::Hint(0)
    };
    let range = crate::mm::SharedFileRange {
        region,
        offset: 0,
        path: Arc::from(format!("/SYSV{key:08x} (deleted)")),
    };
    let len = page_up(size).ok_or(Errno::EINVAL)?;
    task.mm
        .lock()
        .map_shared_region(&mut *task.ctx, range, len, prot, placement)
}

pub fn sys_shmdt(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let addr = a.u64(0);
    if addr & 0xfff != 0 {
        return Err(Errno::EINVAL);
    }
    let region = {
        let vmas = task.mm.lock();
        let vma = vmas
            .find(addr)
            .filter(|v| v.start == addr)
            .ok_or(Errno::EINVAL)?;
        vma.shared.clone().ok_or(Errno::EINVAL)?
    };
    let is_sysv = task
        .kernel
        .ipc
        .lock()
        .shm
        .objects
        .values()
        .any(|s| Arc::ptr_eq(&s.region, &region));
    if !is_sysv {
        return Err(Errno::EINVAL);
    }
    // The attachment: every mapping from `addr` that shows this segment.
    let mut end = addr;
    loop {
        let vmas = task.mm.lock();
        match vmas
            .find(end)
            .filter(|v| v.shared.as_ref().is_some_and(|r| Arc::ptr_eq(r, &region)))
        {
            Some(v) => end = v.end,
            None => break,
        }
    }
    drop(region);
    task.mm.lock().unmap_range(&mut *task.ctx, addr, end)?;
    let mut s = task.kernel.ipc.lock();
    for shm in s.shm.objects.values_mut() {
        if shm.nattch() == 0 {
            shm.dtime = now_secs();
        }
    }
    s.reap_shm();
    Ok(0)
}

/// `struct shmid64_ds` (112 bytes).
fn shmid_ds(shm: &Shm) -> [u8; 112] {
    let mut b = [0u8; 112];
    let mut perm = shm.perm;
    if shm.removed {
        perm.mode |= 0o1000; // SHM_DEST
    }
    b[..48].copy_from_slice(&perm.to_bytes());
    b[48..56].copy_from_slice(&shm.size.to_ne_bytes());
    b[56..64].copy_from_slice(&shm.atime.to_ne_bytes());
    b[64..72].copy_from_slice(&shm.dtime.to_ne_bytes());
    b[72..80].copy_from_slice(&shm.ctime.to_ne_bytes());
    b[80..84].copy_from_slice(&shm.cpid.to_ne_bytes());
    b[84..88].copy_from_slice(&shm.lpid.to_ne_bytes());
    b[88..96].copy_from_slice(&shm.nattch().to_ne_bytes());
    b
}

/// IPC_SET's new uid, gid and mode, from the start of a `*id_ds`.
fn read_set(task: &Task, addr: u64) -> Result<(u32, u32, u16), Errno> {
    let raw: [u8; 48] = task.mm.read_val(addr)?;
    let uid = u32::from_ne_bytes([raw[4], raw[5], raw[6], raw[7]]);
    let gid = u32::from_ne_bytes([raw[8], raw[9], raw[10], raw[11]]);
    let mode = u16::from_ne_bytes([raw[20], raw[21]]) & 0o777;
    Ok((uid, gid, mode))
}

fn apply_set(perm: &mut Perm, set: (u32, u32, u16)) {
    perm.uid = set.0;
    perm.gid = set.1;
    perm.mode = (perm.mode & !0o777) | set.2;
}

pub fn sys_shmctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, cmd, buf) = (a.int(0), a.int(1) & !0x100, a.u64(2));
    let kernel = task.kernel.clone();
    let mut s = kernel.ipc.lock();
    s.reap_shm();
    match cmd {
        IPC_STAT | SHM_STAT => {
            let (shm, ret) = if cmd == SHM_STAT {
                let (&real, shm) = s.shm.objects.iter().nth(id as usize).ok_or(Errno::EINVAL)?;
                (shm, real as u64)
            } else {
                (s.shm.get(id)?, 0)
            };
            may(task, &shm.perm, 4)?;
            task.mm.write(buf, &shmid_ds(shm))?;
            Ok(ret)
        }
        IPC_SET => {
            let set = read_set(task, buf)?;
            let shm = s.shm.get_mut(id)?;
            may_own(task, &shm.perm)?;
            apply_set(&mut shm.perm, set);
            shm.ctime = now_secs();
            Ok(0)
        }
        IPC_RMID => {
            may_own(task, &s.shm.get(id)?.perm)?;
            s.shm.unname(id);
            let shm = s.shm.get_mut(id)?;
            shm.removed = true;
            shm.perm.key = crate::kernel::ipc::IPC_PRIVATE;
            s.reap_shm();
            Ok(0)
        }
        IPC_INFO | SHM_INFO => {
            // struct shminfo / shm_info: the limits, then the highest index in use.
            let mut b = [0u64; 8];
            b[0] = SHMMAX;
            b[1] = 1;
            b[2] = crate::kernel::ipc::SHMMNI as u64;
            b[3] = 4096;
            b[4] = SHMMAX / 4096;
            let bytes: Vec<u8> = b.iter().flat_map(|v| v.to_ne_bytes()).collect();
            task.mm
                .write(buf, &bytes[..if cmd == IPC_INFO { 64 } else { 56 }])?;
            Ok(s.shm.objects.len().saturating_sub(1) as u64)
        }
        _ => Err(Errno::EINVAL),
    }
}

// ------------------------------------------------------------------------------------------
// Semaphores

pub fn sys_semget(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, nsems, flags) = (a.int(0), a.int(1), a.int(2));
    let kernel = task.kernel.clone();
    let mut s = kernel.ipc.lock();
    lookup_or_create(
        task,
        &mut s.sem,
        key,
        flags,
        |set: &SemSet| {
            if nsems < 0 || nsems as usize > set.vals.len() {
                return Err(Errno::EINVAL);
            }
            Ok(())
        },
        |set| set.perm,
        |perm| {
            if nsems <= 0 || nsems as usize > SEMMSL {
                return Err(Errno::EINVAL);
            }
            Ok(SemSet {
                perm,
                vals: vec![0; nsems as usize],
                pids: vec![0; nsems as usize],
                otime: 0,
                ctime: now_secs(),
            })
        },
    )
}

/// One `struct sembuf`.
#[derive(Clone, Copy)]
struct SemOp {
    num: u16,
    op: i16,
    flags: i16,
}

/// Applies all of `ops` or none: Ok(true) done, Ok(false) must wait.
fn try_semop(s: &mut IpcState, id: i32, ops: &[SemOp], pid: i32) -> Result<bool, Errno> {
    let set = s.sem.get(id).map_err(|_| Errno::EIDRM)?;
    let mut vals = set.vals.clone();
    for o in ops {
        let v = vals.get_mut(o.num as usize).ok_or(Errno::EFBIG)?;
        match o.op {
            0 if *v != 0 => return blocked(o),
            0 => {}
            n if n < 0 && *v < -i32::from(n) => return blocked(o),
            n => {
                let nv = *v + i32::from(n);
                if nv > SEMVMX {
                    return Err(Errno::ERANGE);
                }
                *v = nv;
            }
        }
    }
    let set = s.sem.get_mut(id)?;
    set.vals = vals;
    for o in ops {
        set.pids[o.num as usize] = pid;
    }
    set.otime = now_secs();
    for o in ops.iter().filter(|o| o.flags & SEM_UNDO != 0 && o.op != 0) {
        *s.undo
            .entry(pid)
            .or_default()
            .entry((id, o.num as usize))
            .or_default() -= i32::from(o.op);
    }
    Ok(true)
}

fn blocked(o: &SemOp) -> Result<bool, Errno> {
    if o.flags & IPC_NOWAIT as i16 != 0 {
        return Err(Errno::EAGAIN);
    }
    Ok(false)
}

fn do_semop(task: &mut Task, id: i32, sops: u64, nsops: u64, timeout: u64) -> SysResult {
    if nsops == 0 || id < 0 {
        return Err(Errno::EINVAL);
    }
    if nsops as usize > SEMOPM {
        return Err(Errno::E2BIG);
    }
    let raw: Vec<[u16; 3]> = task.mm.read_vals(sops, nsops as usize)?;
    let ops: Vec<SemOp> = raw
        .iter()
        .map(|r| SemOp {
            num: r[0],
            op: r[1] as i16,
            flags: r[2] as i16,
        })
        .collect();
    let deadline = if timeout != 0 {
        let ts: libc::timespec = task.mm.read_val(timeout)?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Instant::now().checked_add(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    } else {
        None
    };
    {
        let s = task.kernel.ipc.lock();
        let set = s.sem.get(id)?;
        if ops.iter().any(|o| o.num as usize >= set.vals.len()) {
            return Err(Errno::EFBIG);
        }
        let alters = ops.iter().any(|o| o.op != 0);
        may(task, &set.perm, if alters { 2 } else { 4 })?;
    }
    let pid = task.process.pid;
    let kernel = task.kernel.clone();
    let done = crate::fs::poll::wait_ready(deadline, || {
        try_semop(&mut kernel.ipc.lock(), id, &ops, pid)
    });
    match done {
        Ok(true) => {
            crate::fs::poll::notify();
            Ok(0)
        }
        Ok(false) => Err(Errno::EAGAIN),
        Err(Errno::ERESTARTNOHAND) => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}

pub fn sys_semop(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_semop(task, a.int(0), a.u64(1), a.u64(2), 0)
}

pub fn sys_semtimedop(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_semop(task, a.int(0), a.u64(1), a.u64(2), a.u64(3))
}

pub fn sys_semctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, num, cmd, arg) = (a.int(0), a.int(1), a.int(2) & !0x100, a.u64(3));
    let kernel = task.kernel.clone();
    let mut s = kernel.ipc.lock();
    let ret = match cmd {
        IPC_INFO | SEM_INFO => {
            // struct seminfo: the limits (ten ints).
            let info: [i32; 10] = [
                32000,
                32000,
                1024000000,
                SEMMSL as i32,
                SEMOPM as i32,
                32767,
                1024,
                32767,
                SEMVMX,
                32767,
            ];
            let bytes: Vec<u8> = info.iter().flat_map(|v| v.to_ne_bytes()).collect();
            task.mm.write(arg, &bytes)?;
            return Ok(s.sem.objects.len().saturating_sub(1) as u64);
        }
        IPC_RMID => {
            may_own(task, &s.sem.get(id)?.perm)?;
            s.sem.unname(id);
            s.sem.objects.remove(&id);
            for u in s.undo.values_mut() {
                u.retain(|(sid, _), _| *sid != id);
            }
            0
        }
        IPC_STAT | SEM_STAT => {
            let (set, ret) = if cmd == SEM_STAT {
                let (&real, set) = s.sem.objects.iter().nth(id as usize).ok_or(Errno::EINVAL)?;
                (set, real as u64)
            } else {
                (s.sem.get(id)?, 0)
            };
            may(task, &set.perm, 4)?;
            // struct semid64_ds: perm, otime, pad, ctime, pad, nsems.
            let mut b = [0u8; 104];
            b[..48].copy_from_slice(&set.perm.to_bytes());
            b[48..56].copy_from_slice(&set.otime.to_ne_bytes());
            b[64..72].copy_from_slice(&set.ctime.to_ne_bytes());
            b[80..88].copy_from_slice(&(set.vals.len() as u64).to_ne_bytes());
            task.mm.write(arg, &b)?;
            ret
        }
        IPC_SET => {
            let new = read_set(task, arg)?;
            let set = s.sem.get_mut(id)?;
            may_own(task, &set.perm)?;
            apply_set(&mut set.perm, new);
            set.ctime = now_secs();
            0
        }
        GETVAL | GETPID | GETNCNT | GETZCNT => {
            let set = s.sem.get(id)?;
            may(task, &set.perm, 4)?;
            let i = usize::try_from(num).map_err(|_| Errno::EINVAL)?;
            let v = *set.vals.get(i).ok_or(Errno::EINVAL)?;
            match cmd {
                GETVAL => v as u64,
                GETPID => set.pids[i] as u64,
                // Waiters are not counted per semaphore.
                _ => 0,
            }
        }
        GETALL => {
            let set = s.sem.get(id)?;
            may(task, &set.perm, 4)?;
            let bytes: Vec<u8> = set
                .vals
                .iter()
                .flat_map(|v| (*v as u16).to_ne_bytes())
                .collect();
            task.mm.write(arg, &bytes)?;
            0
        }
        SETVAL => {
            let v = arg as i32;
            if !(0..=SEMVMX).contains(&v) {
                return Err(Errno::ERANGE);
            }
            let pid = task.process.pid;
            let set = s.sem.get_mut(id)?;
            may(task, &set.perm, 2)?;
            let i = usize::try_from(num).map_err(|_| Errno::EINVAL)?;
            *set.vals.get_mut(i).ok_or(Errno::EINVAL)? = v;
            set.pids[i] = pid;
            set.ctime = now_secs();
            for u in s.undo.values_mut() {
                u.remove(&(id, i));
            }
            0
        }
        SETALL => {
            let n = s.sem.get(id)?.vals.len();
            let vals: Vec<u16> = task.mm.read_vals(arg, n)?;
            if vals.iter().any(|&v| i32::from(v) > SEMVMX) {
                return Err(Errno::ERANGE);
            }
            let set = s.sem.get_mut(id)?;
            may(task, &set.perm, 2)?;
            set.vals = vals.iter().map(|&v| i32::from(v)).collect();
            set.ctime = now_secs();
            for u in s.undo.values_mut() {
                u.retain(|(sid, _), _| *sid != id);
            }
            0
        }
        _ => return Err(Errno::EINVAL),
    };
    drop(s);
    crate::fs::poll::notify();
    Ok(ret)
}

// ------------------------------------------------------------------------------------------
// Message queues

pub fn sys_msgget(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, flags) = (a.int(0), a.int(1));
    let kernel = task.kernel.clone();
    let mut s = kernel.ipc.lock();
    lookup_or_create(
        task,
        &mut s.msg,
        key,
        flags,
        |_| Ok(()),
        |q| q.perm,
        |perm| {
            Ok(MsgQueue {
                perm,
                msgs: VecDeque::new(),
                bytes: 0,
                qbytes: MSGMNB,
                lspid: 0,
                lrpid: 0,
                stime: 0,
                rtime: 0,
                ctime: now_secs(),
            })
        },
    )
}

pub fn sys_msgsnd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, ptr, size, flags) = (a.int(0), a.u64(1), a.u64(2) as usize, a.int(3));
    if id < 0 || size > MSGMAX {
        return Err(Errno::EINVAL);
    }
    let mtype: i64 = task.mm.read_val(ptr)?;
    if mtype < 1 {
        return Err(Errno::EINVAL);
    }
    let mut text = vec![0u8; size];
    task.mm.read(ptr + 8, &mut text)?;
    let pid = task.process.pid;
    let kernel = task.kernel.clone();
    {
        let s = kernel.ipc.lock();
        may(task, &s.msg.get(id)?.perm, 2)?;
    }
    let mut msg = Some(Msg { mtype, text });
    let r = crate::fs::poll::wait_ready(None, || {
        let mut s = kernel.ipc.lock();
        let q = s.msg.get_mut(id).map_err(|_| Errno::EIDRM)?;
        let len = msg.as_ref().map_or(0, |m| m.text.len());
        if q.bytes + len > q.qbytes {
            if flags & IPC_NOWAIT != 0 {
                return Err(Errno::EAGAIN);
            }
            return Ok(false);
        }
        q.bytes += len;
        q.msgs.extend(msg.take());
        q.lspid = pid;
        q.stime = now_secs();
        Ok(true)
    });
    match r {
        Ok(_) => {
            crate::fs::poll::notify();
            Ok(0)
        }
        Err(Errno::ERESTARTNOHAND) => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}

pub fn sys_msgrcv(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, ptr, size, mtype, flags) = (a.int(0), a.u64(1), a.i64(2), a.i64(3), a.int(4));
    if id < 0 || size < 0 {
        return Err(Errno::EINVAL);
    }
    let pid = task.process.pid;
    let kernel = task.kernel.clone();
    {
        let s = kernel.ipc.lock();
        may(task, &s.msg.get(id)?.perm, 4)?;
    }
    let mut got: Option<Msg> = None;
    let r = crate::fs::poll::wait_ready(None, || {
        let mut s = kernel.ipc.lock();
        let q = s.msg.get_mut(id).map_err(|_| Errno::EIDRM)?;
        let pick = match mtype {
            0 => (!q.msgs.is_empty()).then_some(0),
            t if t > 0 && flags & MSG_EXCEPT != 0 => q.msgs.iter().position(|m| m.mtype != t),
            t if t > 0 => q.msgs.iter().position(|m| m.mtype == t),
            t => q
                .msgs
                .iter()
                .enumerate()
                .filter(|(_, m)| m.mtype <= -t)
                .min_by_key(|(_, m)| m.mtype)
                .map(|(i, _)| i),
        };
        let Some(i) = pick else {
            if flags & IPC_NOWAIT != 0 {
                return Err(Errno::ENOMSG);
            }
            return Ok(false);
        };
        if q.msgs[i].text.len() > size as usize && flags & MSG_NOERROR == 0 {
            return Err(Errno::E2BIG);
        }
        let m = q.msgs.remove(i).ok_or(Errno::EIO)?;
        q.bytes -= m.text.len();
        q.lrpid = pid;
        q.rtime = now_secs();
        got = Some(m);
        Ok(true)
    });
    match r {
        Ok(_) => {}
        Err(Errno::ERESTARTNOHAND) => return Err(Errno::EINTR),
        Err(e) => return Err(e),
    }
    crate::fs::poll::notify();
    let m = got.ok_or(Errno::EIO)?;
    let n = m.text.len().min(size as usize);
    task.mm.write_val(ptr, &m.mtype)?;
    task.mm.write(ptr + 8, &m.text[..n])?;
    Ok(n as u64)
}

pub fn sys_msgctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, cmd, buf) = (a.int(0), a.int(1) & !0x100, a.u64(2));
    let kernel = task.kernel.clone();
    let mut s = kernel.ipc.lock();
    let ret = match cmd {
        IPC_INFO | MSG_INFO => {
            // struct msginfo: eight ints.
            let info: [i32; 8] = [0, 0, MSGMAX as i32, MSGMNB as i32, 32000, 0, 16, 0xffff];
            let bytes: Vec<u8> = info.iter().flat_map(|v| v.to_ne_bytes()).collect();
            task.mm.write(buf, &bytes)?;
            s.msg.objects.len().saturating_sub(1) as u64
        }
        IPC_STAT | MSG_STAT => {
            let (q, ret) = if cmd == MSG_STAT {
                let (&real, q) = s.msg.objects.iter().nth(id as usize).ok_or(Errno::EINVAL)?;
                (q, real as u64)
            } else {
                (s.msg.get(id)?, 0)
            };
            may(task, &q.perm, 4)?;
            // struct msqid64_ds: perm, stime, rtime, ctime, cbytes, qnum, qbytes, lspid, lrpid.
            let mut b = [0u8; 120];
            b[..48].copy_from_slice(&q.perm.to_bytes());
            b[48..56].copy_from_slice(&q.stime.to_ne_bytes());
            b[56..64].copy_from_slice(&q.rtime.to_ne_bytes());
            b[64..72].copy_from_slice(&q.ctime.to_ne_bytes());
            b[72..80].copy_from_slice(&(q.bytes as u64).to_ne_bytes());
            b[80..88].copy_from_slice(&(q.msgs.len() as u64).to_ne_bytes());
            b[88..96].copy_from_slice(&(q.qbytes as u64).to_ne_bytes());
            b[96..100].copy_from_slice(&q.lspid.to_ne_bytes());
            b[100..104].copy_from_slice(&q.lrpid.to_ne_bytes());
            task.mm.write(buf, &b)?;
            ret
        }
        IPC_SET => {
            let set = read_set(task, buf)?;
            let qbytes: u64 = task.mm.read_val(buf + 88)?;
            let q = s.msg.get_mut(id)?;
            may_own(task, &q.perm)?;
            if qbytes as usize > MSGMNB && !task.cred.capable(24) {
                return Err(Errno::EPERM);
            }
            apply_set(&mut q.perm, set);
            q.qbytes = qbytes as usize;
            q.ctime = now_secs();
            0
        }
        IPC_RMID => {
            may_own(task, &s.msg.get(id)?.perm)?;
            s.msg.unname(id);
            s.msg.objects.remove(&id);
            0
        }
        _ => return Err(Errno::EINVAL),
    };
    drop(s);
    crate::fs::poll::notify();
    Ok(ret)
}
