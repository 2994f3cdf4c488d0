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
