//! Memory: mmap, munmap, mprotect, brk, mremap, madvise. Checked against the sentry's VMA map,
//! then applied to the stub.

use std::sync::Arc;

use platform::{Prot, APP_MAX_ADDR, PAGE_SIZE};

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;
use crate::mm::{page_up, Placement, VmaKind};

const MAP_TYPE: u64 = 0x0f;
const MAP_SHARED: u64 = libc::MAP_SHARED as u64;
const MAP_PRIVATE: u64 = libc::MAP_PRIVATE as u64;
const MAP_SHARED_VALIDATE: u64 = 0x03;
/// The flags MAP_SHARED_VALIDATE accepts (the rest give EOPNOTSUPP).
const MAP_KNOWN: u64 = (libc::MAP_SHARED
    | libc::MAP_PRIVATE
    | libc::MAP_FIXED
    | libc::MAP_ANONYMOUS
    | libc::MAP_32BIT
    | libc::MAP_GROWSDOWN
    | libc::MAP_DENYWRITE
    | libc::MAP_EXECUTABLE
    | libc::MAP_LOCKED
    | libc::MAP_NORESERVE
    | libc::MAP_POPULATE
    | libc::MAP_NONBLOCK
    | libc::MAP_STACK
    | libc::MAP_HUGETLB
    | libc::MAP_SYNC
    | libc::MAP_FIXED_NOREPLACE) as u64
    | (0x3f << 26); // the huge page size bits

fn is_aligned(addr: u64) -> bool {
    addr.is_multiple_of(PAGE_SIZE)
}

/// The protection bits mmap and mprotect accept; PROT_SEM and the GROWS bits are accepted and
/// have no effect here.
fn prot_arg(bits: u64, strict: bool) -> Result<Prot, Errno> {
    // PROT_SEM is 0x8.
    let extra = (0x8 | libc::PROT_GROWSDOWN | libc::PROT_GROWSUP) as u64;
    if strict && bits & !(Prot::ALL.bits() as u64 | extra) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Prot::from_bits(bits & Prot::ALL.bits() as u64).unwrap_or(Prot::NONE))
}

pub fn sys_mmap(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags, fd, offset) = (a.u64(0), a.u64(1), a.u64(3), a.int(4), a.u64(5));
    let prot = prot_arg(a.u64(2), false)?;
    if !is_aligned(offset) || len == 0 {
        return Err(Errno::EINVAL);
    }
    match flags & MAP_TYPE {
        MAP_SHARED | MAP_PRIVATE => {}
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN != 0 => return Err(Errno::EOPNOTSUPP),
        MAP_SHARED_VALIDATE => {}
        _ => return Err(Errno::EINVAL),
    }
    let len = page_up(len)
        .filter(|&l| l <= APP_MAX_ADDR)
        .ok_or(Errno::ENOMEM)?;
    let placement = if flags & libc::MAP_FIXED as u64 != 0 {
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        Placement::Fixed(addr)
    } else if flags & libc::MAP_FIXED_NOREPLACE as u64 != 0 {
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        Placement::FixedNoReplace(addr)
    } else if flags & libc::MAP_32BIT as u64 != 0 {
        Placement::Below2G
    } else {
        Placement::Hint(addr)
    };
    if flags & libc::MAP_ANONYMOUS as u64 != 0 {
        if flags & MAP_TYPE != MAP_PRIVATE {
            return task
                .mm
                .lock()
                .map_shared_anon(&mut *task.ctx, len, prot, placement);
        }
        if prot == Prot::NONE {
            return task.mm.lock().map_reserved(&mut *task.ctx, len, placement);
        }
        return task
            .mm
            .lock()
            .map_anon(&mut *task.ctx, len, prot, placement, VmaKind::Anon);
    }

    let file = task.fds().get(fd)?;
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    let shared = flags & MAP_TYPE != MAP_PRIVATE;
    if shared && prot.contains(Prot::WRITE) && !file.writable() {
        return Err(Errno::EACCES);
    }
    if offset.checked_add(len).is_none_or(|e| e > i64::MAX as u64) {
        return Err(Errno::EOVERFLOW);
    }
    let name: Arc<str> = match &file.location {
        Some(p) => Arc::from(task.kernel.vfs.path_string(p, &task.fs().root)),
        None => Arc::from(file.ops.path()),
    };
    if shared {
        let end = offset + page_up(len).ok_or(Errno::ENOMEM)?;
        if let Some(region) = file.ops.share(&task.kernel.mem, end) {
            let region = region?;
            let range = crate::mm::SharedFileRange {
                region,
                offset,
                path: name,
            };
            return task
                .mm
                .lock()
                .map_shared_region(&mut *task.ctx, range, len, prot, placement);
        }
    }
    // A MAP_SHARED mapping of a file that cannot share its pages (a host file on a volume):
    // a copy, written back by msync and when unmapped (see VmaKind::File).
    let writeback = (shared && file.writable()).then(|| crate::mm::WriteBack(file.ops.clone()));
    let kind = VmaKind::File {
        path: name,
        offset,
        writeback,
    };
    if let (Some(id), Some(fd), false) = (file.ops.cache_identity(), file.ops.mappable_fd(), shared)
    {
        // An immutable file (ld.so mapping a library): the pages are shared with every other
        // private mapping of this range, copy-on-write. Bytes past the file's end are zeros.
        let size = u64::try_from(file.stat()?.st_size).unwrap_or(0);
        let fill = size.saturating_sub(offset).min(len);
        let pages = page_up(len).ok_or(Errno::ENOMEM)?;
        let region = task
            .kernel
            .page_cache
            .get(&task.kernel.mem, id, offset, pages, fill, fd)?;
        return task
            .mm
            .lock()
            .map_cached(&mut *task.ctx, region, prot, placement, kind);
    }
    let Some(host_fd) = file.ops.mappable_fd() else {
        // A private copy of a file without a host fd (a shared tmpfs file): read it in.
        let at = task
            .mm
            .lock()
            .map_anon(&mut *task.ctx, len, prot, placement, kind)?;
        let mut buf = vec![0u8; len as usize];
        let mut done = 0;
        while done < buf.len() {
            match file.ops.pread(&mut buf[done..], offset + done as u64)? {
                0 => break,
                n => done += n,
            }
        }
        task.mm.lock().fill(at, &buf[..done])?;
        return Ok(at);
    };
    let at = task
        .mm
        .lock()
        .map_anon(&mut *task.ctx, len, prot, placement, kind)?;
    // Pages past the end of the file read as zeros (Linux would SIGBUS on them).
    if let Err(e) = task.mm.lock().fill_from_fd(at, len, host_fd, offset) {
        let _ = task.mm.lock().unmap_range(&mut *task.ctx, at, at + len);
        return Err(e);
    }
    Ok(at)
}

/// The page range `[addr, addr + len)` clipped to app addresses, or EINVAL as munmap answers.
fn range_arg(addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    if !is_aligned(addr) || len == 0 {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len)
        .and_then(|l| addr.checked_add(l))
        .filter(|&e| e <= 0x7fff_ffff_f000)
        .ok_or(Errno::EINVAL)?;
    Ok((addr, end))
}

pub fn sys_munmap(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (start, end) = range_arg(a.u64(0), a.u64(1))?;
    // Nothing of the app lies above APP_MAX_ADDR (the stub's own code page does).
    let end = end.min(APP_MAX_ADDR);
    if start < end {
        task.mm.lock().unmap_range(&mut *task.ctx, start, end)?;
    }
    Ok(0)
}

/// msync(2), with Linux's checks in its order: an unaligned address or a bad flag EINVAL,
/// a range that wraps ENOMEM, an empty one 0; then MAP_SHARED copies of host files are written
/// back (MS_SYNC also syncs them) and a hole in the range is ENOMEM.
pub fn sys_msync(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags) = (a.u64(0), a.u64(1), a.int(2));
    if !is_aligned(addr) || flags & !(libc::MS_ASYNC | libc::MS_INVALIDATE | libc::MS_SYNC) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & libc::MS_ASYNC != 0 && flags & libc::MS_SYNC != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end == addr {
        return Ok(0);
    }
    task.mm
        .lock()
        .msync(addr, end, flags & libc::MS_SYNC != 0)?;
    Ok(0)
}

pub fn sys_mprotect(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len) = (a.u64(0), a.u64(1));
    let prot = prot_arg(a.u64(2), true)?;
    if !is_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let end = page_up(len)
        .and_then(|l| addr.checked_add(l))
        .ok_or(Errno::ENOMEM)?;
    task.mm.lock().protect(&mut *task.ctx, addr, end, prot)?;
    Ok(0)
}

/// CAP_IPC_LOCK: lock memory past RLIMIT_MEMLOCK.
const CAP_IPC_LOCK: u32 = 14;
const MLOCK_ONFAULT: u64 = 1;
const MCL_CURRENT: i32 = 1;
const MCL_FUTURE: i32 = 2;
const MCL_ONFAULT: i32 = 4;

/// The page-aligned range mlock and munlock work on (the start rounded down, the length up).
fn lock_range(addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    let start = addr & !(PAGE_SIZE - 1);
    let end = addr
        .checked_add(len)
        .and_then(page_up)
        .ok_or(Errno::ENOMEM)?;
    Ok((start, end))
}

/// RLIMIT_MEMLOCK, unless the caller may lock any amount (CAP_IPC_LOCK): EPERM with a zero
/// limit, ENOMEM past it (can_do_mlock and mlock's check).
fn check_lock_limit(task: &Task, bytes: u64) -> Result<(), Errno> {
    if task.cred.capable(CAP_IPC_LOCK) {
        return Ok(());
    }
    let limit = task.rlimits[libc::RLIMIT_MEMLOCK as usize].rlim_cur;
    if limit == 0 {
        return Err(Errno::EPERM);
    }
    if bytes > limit {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// mlock(2) and mlock2(2): the range gets memory now (unless MLOCK_ONFAULT); there is no
/// swap, so nothing more is needed to keep it there.
fn do_mlock(task: &mut Task, addr: u64, len: u64, flags: u64) -> SysResult {
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    let (start, end) = lock_range(addr, len)?;
    check_lock_limit(task, end - start)?;
    let mm = task.mm.lock();
    mm.check_mapped(start, end)?;
    if flags & MLOCK_ONFAULT == 0 {
        mm.populate(start, end)?;
    }
    Ok(0)
}

pub fn sys_mlock(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mlock(task, a.u64(0), a.u64(1), 0)
}

pub fn sys_mlock2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mlock(task, a.u64(0), a.u64(1), a.u64(2))
}

pub fn sys_munlock(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (start, end) = lock_range(a.u64(0), a.u64(1))?;
    task.mm.lock().check_mapped(start, end)?;
    Ok(0)
}

/// mlockall(2): MCL_CURRENT populates every mapping now; MCL_FUTURE has nothing to do.
pub fn sys_mlockall(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(0);
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT
    {
        return Err(Errno::EINVAL);
    }
    let mm = task.mm.lock();
    if !task.cred.capable(CAP_IPC_LOCK) {
        let total = mm.extents().iter().map(|(s, e)| e - s).sum();
        check_lock_limit(task, total)?;
    }
    if flags & MCL_CURRENT != 0 && flags & MCL_ONFAULT == 0 {
        for (start, end) in mm.extents() {
            mm.populate(start, end)?;
        }
    }
    Ok(0)
}

pub fn sys_munlockall(_task: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(0)
}

/// mincore(2): which pages of the range have memory behind them.
pub fn sys_mincore(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, vec) = (a.u64(0), a.u64(1), a.u64(2));
    if !is_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len)
        .and_then(|l| addr.checked_add(l))
        .ok_or(Errno::ENOMEM)?;
    let pages = task.mm.lock().resident(addr, end)?;
    task.mm.write(vec, &pages)?;
    Ok(0)
}

/// process_vm_readv(2) and process_vm_writev(2): copies between the caller's memory and
/// another process's of the sandbox (its owner's, or with CAP_SYS_PTRACE), iovec by iovec;
/// a fault after some bytes ends the copy with what was done, a fault at once is EFAULT.
fn process_vm(task: &mut Task, a: &SyscallArgs, write: bool) -> SysResult {
    if a.u64(5) != 0 {
        return Err(Errno::EINVAL);
    }
    let local = super::read_write::read_iovecs(task, a.u64(1), a.int(2))?;
    let remote = super::read_write::read_iovecs(task, a.u64(3), a.int(4))?;
    let pid = a.int(0);
    let process = task.kernel.process(pid).ok_or(Errno::ESRCH)?;
    let other = {
        let p = process.lock();
        let owner = p.cred.as_ref().map_or(task.cred.ruid, |c| c.ruid);
        if owner != task.cred.ruid && !task.cred.capable(19) {
            return Err(Errno::EPERM);
        }
        p.view.as_ref().map(|v| v.mm.clone()).ok_or(Errno::ESRCH)?
    };
    let (mut li, mut loff, mut done) = (0usize, 0u64, 0u64);
    let mut buf = Vec::new();
    for (rbase, rlen) in remote {
        let mut roff = 0;
        while roff < rlen {
            while li < local.len() && loff == local[li].1 {
                li += 1;
                loff = 0;
            }
            let Some(&(lbase, llen)) = local.get(li) else {
                return Ok(done);
            };
            let n = (rlen - roff).min(llen - loff).min(1 << 20);
            buf.resize(n as usize, 0);
            let (r, l) = (rbase.wrapping_add(roff), lbase.wrapping_add(loff));
            let copied = if write {
                task.mm
                    .read(l, &mut buf)
                    .and_then(|()| other.write(r, &buf))
            } else {
                other
                    .read(r, &mut buf)
                    .and_then(|()| task.mm.write(l, &buf))
            };
            if let Err(e) = copied {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            done += n;
            roff += n;
            loff += n;
        }
    }
    Ok(done)
}

pub fn sys_process_vm_readv(task: &mut Task, a: &SyscallArgs) -> SysResult {
    process_vm(task, a, false)
}

pub fn sys_process_vm_writev(task: &mut Task, a: &SyscallArgs) -> SysResult {
    process_vm(task, a, true)
}

/// pkey_mprotect(2): the CPUs the sandbox runs on give no protection keys here (as Linux
/// without PKU: no key can be allocated), so key -1 is mprotect and any other is EINVAL,
/// after the checks mprotect makes first.
pub fn sys_pkey_mprotect(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(3) == -1 {
        return sys_mprotect(task, a);
    }
    let (addr, len) = (a.u64(0), a.u64(1));
    prot_arg(a.u64(2), true)?;
    if !is_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    page_up(len)
        .and_then(|l| addr.checked_add(l))
        .ok_or(Errno::ENOMEM)?;
    Err(Errno::EINVAL)
}

/// pkey_alloc(2) and pkey_free(2): no protection keys (see `sys_pkey_mprotect`), EINVAL as
/// Linux answers on a CPU without them.
pub fn sys_pkey_alloc(_task: &mut Task, _a: &SyscallArgs) -> SysResult {
    Err(Errno::EINVAL)
}

pub fn sys_pkey_free(_task: &mut Task, _a: &SyscallArgs) -> SysResult {
    Err(Errno::EINVAL)
}

pub fn sys_brk(task: &mut Task, a: &SyscallArgs) -> SysResult {
    Ok(task.mm.lock().brk(&mut *task.ctx, a.u64(0)))
}

const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;

pub fn sys_mremap(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) =
        (a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.u64(4));
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || !is_aligned(old) {
        return Err(Errno::EINVAL);
    }
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_DONTUNMAP != 0 {
        crate::errno!(EINVAL, "MREMAP_DONTUNMAP is not supported yet");
    }
    let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_up(new_len).filter(|&l| l > 0).ok_or(Errno::EINVAL)?;
    if old_len == 0 {
        // Duplicating a shared mapping: not supported for our (private) mappings, as Linux
        // refuses it for private ones.
        return Err(Errno::EINVAL);
    }
    let fixed = if flags & MREMAP_FIXED != 0 {
        if !is_aligned(new_addr) {
            return Err(Errno::EINVAL);
        }
        Some(new_addr)
    } else {
        None
    };
    let may_move = flags & MREMAP_MAYMOVE != 0;
    task.mm
        .lock()
        .remap(&mut *task.ctx, old, old_len, new_len, may_move, fixed)
}

pub fn sys_madvise(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, advice) = (a.u64(0), a.u64(1), a.int(2));
    if !is_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    let discards = matches!(
        advice,
        libc::MADV_DONTNEED | libc::MADV_FREE | libc::MADV_REMOVE
    );
    let known = discards
        || matches!(
            advice,
            libc::MADV_NORMAL
                | libc::MADV_RANDOM
                | libc::MADV_SEQUENTIAL
                | libc::MADV_WILLNEED
                | libc::MADV_DONTFORK
                | libc::MADV_DOFORK
                | libc::MADV_MERGEABLE
                | libc::MADV_UNMERGEABLE
                | libc::MADV_HUGEPAGE
                | libc::MADV_NOHUGEPAGE
                | libc::MADV_DONTDUMP
                | libc::MADV_DODUMP
                | libc::MADV_WIPEONFORK
                | libc::MADV_KEEPONFORK
                | libc::MADV_COLD
                | libc::MADV_PAGEOUT
        );
    if !known {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    let end = page_up(len)
        .and_then(|l| addr.checked_add(l))
        .ok_or(Errno::EINVAL)?;
    if discards {
        task.mm.lock().discard(addr, end)?;
    } else {
        task.mm.lock().check_mapped(addr, end)?;
    }
    Ok(0)
}
