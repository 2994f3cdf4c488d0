//! An app address space: the sentry's authoritative map of its VMAs, applied to the stub.
//!
//! Every VMA is backed by a range of the memory file that it owns. mmap, munmap, mprotect, brk
//! and mremap are checked here, against this map, and only then applied to the stub. Copying
//! syscall buffers in and out ([`MemoryManager::read`], [`MemoryManager::write`]) walks the map
//! and copies through the sentry's own mapping of the memory file; an address the app has not
//! mapped (or may not access) gives EFAULT.

mod user;

use std::collections::BTreeMap;
use std::sync::Arc;

use std::sync::{Mutex, MutexGuard};

use platform::{
    Context, MapOp, MemoryFile, PlatformError, Prot, APP_MAX_ADDR, APP_MIN_ADDR, PAGE_SIZE,
};

use crate::errno::Errno;
pub use user::{Pod, UserCStr};

/// Rounds `x` down to a page boundary.
pub fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// Rounds `x` up to a page boundary; `None` on overflow.
pub fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(page_down)
}

/// What a VMA holds, for logs and (later) /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmaKind {
    Anon,
    /// A file's pages: a private copy, or the pages of a MAP_SHARED mapping.
    File {
        path: Arc<str>,
        offset: u64,
        /// A MAP_SHARED mapping of a file whose pages the sandbox cannot share with the host
        /// (a host file on a volume) holds a copy, written back to the file by msync and when
        /// unmapped.
        writeback: Option<WriteBack>,
    },
    Heap,
    Stack,
}

/// The open file a MAP_SHARED copy is written back to (see `VmaKind::File`).
#[derive(Clone)]
pub struct WriteBack(pub Arc<dyn crate::fs::FileOps>);

/// The same open file.
impl PartialEq for WriteBack {
    fn eq(&self, other: &WriteBack) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for WriteBack {}

impl std::fmt::Debug for WriteBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteBack")
    }
}

/// One mapping: `[start, end)` backed by the memory file from `mem_offset`.
#[derive(Clone, Debug)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
    pub mem_offset: u64,
    pub kind: VmaKind,
    /// For MAP_SHARED memory: the memory-file region the mapping shows, shared with every
    /// other mapping of it (a forked child's too) and freed when the last goes. Private
    /// VMAs own their pages instead, or (`cow`) share them with a fork until one writes.
    pub shared: Option<Arc<SharedRegion>>,
    /// Private pages shared copy-on-write (through `shared`) with a forked relative: mapped
    /// without write access in the stub; the first write copies them (or takes them over
    /// when nobody else holds them).
    pub cow: bool,
    /// The stub's mapping no longer shows `mem_offset` with `prot` (a copy-on-write break
    /// done by the sentry on the app's behalf): fixed before the app runs again.
    pub host_stale: bool,
    /// Address space held back with no access (an anonymous private PROT_NONE mmap): no
    /// memory-file pages behind it (`mem_offset` means nothing) until an mprotect opens part
    /// of it, which then gets fresh pages. Sanitizers and runtimes (V8, Go, the JVM) reserve
    /// terabytes this way.
    pub reserved: bool,
}

impl Vma {
    /// A private mapping of `len` bytes at `start` owning the memory-file pages at
    /// `mem_offset` (callers set what differs: sharing, copy-on-write, a reservation).
    fn new(start: u64, len: u64, prot: Prot, mem_offset: u64, kind: VmaKind) -> Vma {
        Vma {
            start,
            end: start + len,
            prot,
            mem_offset,
            kind,
            shared: None,
            cow: false,
            host_stale: false,
            reserved: false,
        }
    }

    /// The host call that makes the stub show this VMA.
    fn host_op(&self) -> MapOp {
        if self.reserved {
            MapOp::Reserve {
                addr: self.start,
                len: self.end - self.start,
            }
        } else {
            MapOp::Map {
                addr: self.start,
                len: self.end - self.start,
                prot: self.host_prot(),
                offset: self.mem_offset,
            }
        }
    }

    /// The protection the stub maps the VMA with: no write access while copy-on-write.
    pub fn host_prot(&self) -> Prot {
        if self.cow {
            Prot::from_bits(u64::from(self.prot.bits() & !Prot::WRITE.bits())).unwrap_or(Prot::NONE)
        } else {
            self.prot
        }
    }
}

/// A file's pages in the memory file, shared by every private mapping of the same range of
/// the same immutable file (the loader's segments, ld.so's libraries): mapped copy-on-write,
/// so a process that writes gets its own copy. Kept while some mapping holds them.
/// (device, inode, file offset, length, bytes read from the file).
type CacheKey = (u64, u64, u64, u64, u64);

#[derive(Default)]
pub struct PageCache {
    map: Mutex<std::collections::HashMap<CacheKey, std::sync::Weak<SharedRegion>>>,
    /// The most recently used regions, kept although nothing maps them (a compiler run nine
    /// times by make reads its binary once), up to [`PAGE_CACHE_KEEP`] bytes.
    recent: Mutex<std::collections::VecDeque<Arc<SharedRegion>>>,
}

/// How much of the page cache stays while unmapped.
const PAGE_CACHE_KEEP: u64 = 128 << 20;

impl PageCache {
    /// `len` bytes (page-aligned) of file `id` (device, inode) from `offset`: its first
    /// `fill` bytes from `fd`, zeros after.
    pub fn get(
        &self,
        mem: &Arc<MemoryFile>,
        id: (u64, u64),
        offset: u64,
        len: u64,
        fill: u64,
        fd: std::os::fd::BorrowedFd<'_>,
    ) -> Result<Arc<SharedRegion>, Errno> {
        let key = (id.0, id.1, offset, len, fill);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(region) = map.get(&key).and_then(std::sync::Weak::upgrade) {
            self.keep(&region);
            return Ok(region);
        }
        let region = SharedRegion::new(mem, len)?;
        let got = mem
            .read_from_fd(fd, offset, region.offset, fill.min(len))
            .map_err(|e| Errno::from_io(&e))?;
        if got < fill.min(len) {
            // The file is shorter than its headers say: bytes past its end read as zeros.
            tracing::debug!("page cache: short read {got} < {fill}");
        }
        if map.len() > 4096 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        map.insert(key, Arc::downgrade(&region));
        drop(map);
        self.keep(&region);
        Ok(region)
    }

    /// Marks `region` recently used, dropping the oldest kept ones past the budget.
    fn keep(&self, region: &Arc<SharedRegion>) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|r| !Arc::ptr_eq(r, region));
        recent.push_back(region.clone());
        let mut total: u64 = recent.iter().map(|r| r.len()).sum();
        while total > PAGE_CACHE_KEEP && recent.len() > 1 {
            if let Some(old) = recent.pop_front() {
                total -= old.len();
            }
        }
    }
}

/// What a MAP_SHARED file mapping shows: `region` (the file's bytes) from `offset`.
pub struct SharedFileRange {
    pub region: Arc<SharedRegion>,
    pub offset: u64,
    /// The file's name, for /proc/PID/maps.
    pub path: Arc<str>,
}

/// Memory-file pages that several mappings show (MAP_SHARED): freed with the last of them.
pub struct SharedRegion {
    mem: Arc<MemoryFile>,
    offset: u64,
    len: u64,
}

impl SharedRegion {
    /// Takes over pages a private VMA owns (fork shares them copy-on-write).
    fn adopt(mem: &Arc<MemoryFile>, offset: u64, len: u64) -> Arc<SharedRegion> {
        Arc::new(SharedRegion {
            mem: mem.clone(),
            offset,
            len,
        })
    }

    /// `len` bytes of fresh zeroed shared memory.
    pub fn new(mem: &Arc<MemoryFile>, len: u64) -> Result<Arc<SharedRegion>, Errno> {
        let offset = mem.allocate(len).map_err(|_| Errno::ENOMEM)?;
        Ok(Arc::new(SharedRegion {
            mem: mem.clone(),
            offset,
            len,
        }))
    }
}

impl SharedRegion {
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn memory(&self) -> Arc<MemoryFile> {
        self.mem.clone()
    }

    /// Reads `buf.len()` bytes at `at` (within the region).
    pub fn read(&self, at: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if at.saturating_add(buf.len() as u64) > self.len {
            return Err(Errno::EFAULT);
        }
        self.mem
            .read(self.offset + at, buf)
            .map_err(|_| Errno::EFAULT)
    }

    /// Writes `buf` at `at` (within the region).
    pub fn write(&self, at: u64, buf: &[u8]) -> Result<(), Errno> {
        if at.saturating_add(buf.len() as u64) > self.len {
            return Err(Errno::EFAULT);
        }
        self.mem
            .write(self.offset + at, buf)
            .map_err(|_| Errno::EFAULT)
    }

    /// Zeroes `[at, at + len)` of the region.
    pub fn zero(&self, at: u64, len: u64) -> Result<(), Errno> {
        self.mem
            .zero(self.offset + at, len)
            .map_err(|_| Errno::EFAULT)
    }
}

impl std::fmt::Debug for SharedRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedRegion({:#x}+{:#x})", self.offset, self.len)
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        self.mem.free(self.offset, self.len);
    }
}

impl Vma {
    fn len(&self) -> u64 {
        self.end - self.start
    }

    /// A MAP_SHARED copy of a host file, written back to it (see `VmaKind::File`).
    fn writes_back(&self) -> bool {
        matches!(
            self.kind,
            VmaKind::File {
                writeback: Some(_),
                ..
            }
        )
    }

    /// The part of this VMA in `[start, end)` (which must overlap it).
    fn slice(&self, start: u64, end: u64) -> Vma {
        let start = start.max(self.start);
        let end = end.min(self.end);
        let kind = match &self.kind {
            VmaKind::File {
                path,
                offset,
                writeback,
            } => VmaKind::File {
                path: path.clone(),
                offset: offset + (start - self.start),
                writeback: writeback.clone(),
            },
            k => k.clone(),
        };
        Vma {
            start,
            end,
            prot: self.prot,
            mem_offset: self.mem_offset + (start - self.start),
            kind,
            shared: self.shared.clone(),
            cow: self.cow,
            host_stale: self.host_stale,
            reserved: self.reserved,
        }
    }
}

/// Where a new mapping goes.
#[derive(Clone, Copy, Debug)]
pub enum Placement {
    /// Exactly here, replacing what is there (MAP_FIXED).
    Fixed(u64),
    /// Exactly here, or EEXIST if anything is there (MAP_FIXED_NOREPLACE).
    FixedNoReplace(u64),
    /// Here if free, else wherever fits (a hint, or 0 for none).
    Hint(u64),
    /// Anywhere below 2 GiB (MAP_32BIT).
    Below2G,
}

/// Layout constants of a new address space.
pub mod layout {
    /// One past the top of the initial stack.
    pub const STACK_TOP: u64 = platform::APP_MAX_ADDR - platform::PAGE_SIZE;
    /// The initial stack's size: Linux's default RLIMIT_STACK.
    pub const STACK_SIZE: u64 = 8 << 20;
    /// Top-down mmap searches start below the stack and a gap.
    pub const MMAP_BASE: u64 = STACK_TOP - STACK_SIZE - (128 << 20);
    /// Where a position-independent executable is loaded (Linux's ELF_ET_DYN_BASE without
    /// randomisation).
    pub const PIE_BASE: u64 = 0x5555_5555_4000;
}

/// An app address space: shared by the threads of a process (CLONE_VM). Changes take the
/// calling thread's platform context, through which they are applied to the stub.
pub struct MemoryManager {
    mem: Arc<MemoryFile>,
    state: Mutex<Vmas>,
}

/// The VMA map and heap bounds, under the MemoryManager's lock.
pub struct Vmas {
    mem: Arc<MemoryFile>,
    vmas: BTreeMap<u64, Vma>,
    brk_start: u64,
    brk: u64,
    /// Some VMA's stub mapping is stale (see `Vma::host_stale`).
    any_stale: bool,
    /// Forks of this address space so far: each makes writable mappings read-only in the
    /// stub again (copy-on-write), which a write fault's retry must tell from the app's own
    /// (see `resolve_write_fault`).
    forks: u64,
}

impl MemoryManager {
    pub fn new(mem: Arc<MemoryFile>) -> MemoryManager {
        MemoryManager {
            state: Mutex::new(Vmas {
                mem: mem.clone(),
                vmas: BTreeMap::new(),
                brk_start: 0,
                brk: 0,
                any_stale: false,
                forks: 0,
            }),
            mem,
        }
    }

    /// Locks the VMA map for a change or a series of copies.
    pub fn lock(&self) -> MutexGuard<'_, Vmas> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The memory file the mappings show.
    pub fn memory_file(&self) -> Arc<MemoryFile> {
        self.mem.clone()
    }

    /// Copies app memory at `addr` into `buf`; EFAULT unless all of it is mapped readable.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.lock().read(addr, buf)
    }

    /// Copies `buf` to app memory at `addr`; EFAULT unless all of it is mapped writable.
    pub fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        let mut vmas = self.lock();
        vmas.check_access(addr, buf.len() as u64, Prot::WRITE)?;
        vmas.break_range(addr, buf.len() as u64)?;
        vmas.write(addr, buf)
    }

    /// EFAULT unless all of `[addr, addr + len)` is mapped with at least `need`.
    pub fn check_access(&self, addr: u64, len: u64, need: Prot) -> Result<(), Errno> {
        self.lock().check_access(addr, len, need)
    }

    /// Reads up to `max` readable bytes at `addr` (for strings and `--strace`).
    pub fn read_partial(&self, addr: u64, max: usize) -> Vec<u8> {
        self.lock().read_partial(addr, max)
    }

    /// Reads app memory regardless of protections (an instruction at the app's `rip`).
    pub fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.lock().read_code(addr, buf)
    }

    /// The futex key of the word at `addr`, as Linux's get_futex_key: private memory by this
    /// address space and the address (so copy-on-write moves do not change it), shared
    /// memory by its place in the memory file (so every mapping of it meets). EFAULT if
    /// unmapped.
    pub fn futex_key(&self, addr: u64) -> Result<(u64, u64), Errno> {
        let vmas = self.lock();
        let vma = vmas.find(addr).ok_or(Errno::EFAULT)?;
        if vma.shared.is_some() && !vma.cow {
            return Ok((0, vma.mem_offset + (addr - vma.start)));
        }
        Ok((self as *const MemoryManager as u64, addr))
    }

    /// Atomically updates the 32-bit word at `addr` (which must be writable) with `f`; returns
    /// the old value.
    pub fn update_u32(&self, addr: u64, f: impl Fn(u32) -> Option<u32>) -> Result<u32, Errno> {
        let mut vmas = self.lock();
        if vmas
            .find(addr)
            .is_some_and(|v| v.prot.contains(Prot::WRITE))
        {
            vmas.break_range(addr, 4)?;
        }
        let vma = vmas
            .find(addr)
            .filter(|v| v.prot.contains(Prot::WRITE) && addr + 4 <= v.end)
            .ok_or(Errno::EFAULT)?;
        self.mem
            .update_u32(vma.mem_offset + (addr - vma.start), f)
            .map_err(|_| Errno::EFAULT)
    }

    /// Forks the address space (in the parent's thread, with the parent's context): every
    /// private mapping becomes copy-on-write, shared with the child until either writes, and
    /// then the parent's stub is forked, under the VMA lock, so the child's stub inherits
    /// the mappings the returned image describes (see [`MemoryManager::forked`]). When the
    /// caller is the address space's only user (`sole_user`: one thread, nobody sharing it,
    /// so nothing writes meanwhile), small writable mappings are copied for the child at
    /// once instead (`eager_copy`); the child's stub maps those copies before it runs.
    pub fn fork(
        &self,
        parent: &mut dyn Context,
        sole_user: bool,
    ) -> Result<(platform::NewThread, ForkImage), Errno> {
        let mut vmas = self.lock();
        vmas.sync_host(parent)?;
        vmas.forks += 1;
        let mem = self.mem.clone();
        let mut out = Vec::with_capacity(vmas.vmas.len());
        let mut stale = false;
        let mut protect = Vec::new();
        for vma in vmas.vmas.values_mut() {
            if vma.shared.is_none() && vma.writes_back() {
                // A MAP_SHARED copy of a host file (see `VmaKind::File`): parent and child
                // share it as they share the file, never copy-on-write.
                vma.shared = Some(SharedRegion::adopt(&mem, vma.mem_offset, vma.len()));
                out.push(vma.clone());
                continue;
            }
            if sole_user && vma.shared.is_none() && vma.prot.contains(Prot::WRITE) {
                if let Some(copy) = eager_copy(&mem, vma) {
                    out.push(copy);
                    stale = true;
                    continue;
                }
            }
            if vma.shared.is_none() && !vma.reserved {
                vma.shared = Some(SharedRegion::adopt(&mem, vma.mem_offset, vma.len()));
                vma.cow = true;
                if vma.prot.contains(Prot::WRITE) {
                    protect.push(MapOp::Protect {
                        addr: vma.start,
                        len: vma.len(),
                        prot: vma.host_prot(),
                    });
                }
            }
            out.push(vma.clone());
        }
        // Built first, so that a failure frees the copies (`Drop`).
        let image = ForkImage {
            mem,
            vmas: out,
            brk_start: vmas.brk_start,
            brk: vmas.brk,
            stale,
        };
        parent.apply(&protect).map_err(host_failure)?;
        let child = parent.fork_process().map_err(|e| {
            tracing::error!("clone: forking a stub: {e}");
            Errno::ENOMEM
        })?;
        Ok((child, image))
    }

    /// The forked child's address space: its stub inherited the mappings when it was forked
    /// (see [`MemoryManager::fork`]), so only the bookkeeping is copied.
    pub fn forked(mem: Arc<MemoryFile>, mut image: ForkImage) -> MemoryManager {
        let copy = MemoryManager::new(mem);
        {
            let mut c = copy.lock();
            c.brk_start = image.brk_start;
            c.brk = image.brk;
            c.any_stale = image.stale;
            for vma in std::mem::take(&mut image.vmas) {
                c.vmas.insert(vma.start, vma);
            }
        }
        copy
    }
}

/// What a forked child's address space starts as: the parent's mappings, shared or
/// copy-on-write.
pub struct ForkImage {
    mem: Arc<MemoryFile>,
    vmas: Vec<Vma>,
    brk_start: u64,
    brk: u64,
    /// Some of `vmas` are copies the child's stub does not map yet (`eager_copy`).
    stale: bool,
}

impl Drop for ForkImage {
    /// A fork that did not happen: the child's own copies go back (shared regions go with
    /// their last holder).
    fn drop(&mut self) {
        for vma in self
            .vmas
            .iter()
            .filter(|v| v.shared.is_none() && !v.reserved)
        {
            self.mem.free(vma.mem_offset, vma.len());
        }
    }
}

/// A private writable mapping with at most this many bytes of pages is copied at once rather
/// than shared copy-on-write: for a forked child (see `eager_copy`), and from the page cache
/// (see `map_cached`).
const EAGER_COPY_MAX: u64 = 256 << 10;

/// The child's copy of `vma`, made now, if its pages are few: copying a few pages costs a
/// few microseconds, while sharing them costs a host mprotect in the parent, and later a
/// trapped write fault and a remap in each process that writes (a stack, a `.data`, a small
/// heap are written by both sides of nearly every fork, and the child that execs at once
/// still writes them first). The parent keeps its pages and its writable mapping; the
/// child's copy is mapped in its stub before it first runs (`host_stale`).
fn eager_copy(mem: &MemoryFile, vma: &Vma) -> Option<Vma> {
    let len = vma.len();
    let extents = mem
        .populated_extents(vma.mem_offset, len, EAGER_COPY_MAX)
        .ok()??;
    let fresh = mem.allocate(len).ok()?;
    if mem
        .copy_extents(vma.mem_offset, fresh, len, &extents)
        .is_err()
    {
        mem.free(fresh, len);
        return None;
    }
    let mut copy = vma.clone();
    copy.mem_offset = fresh;
    copy.host_stale = true;
    Some(copy)
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        self.lock().release_all();
    }
}

impl Vmas {
    /// Sets where the heap starts (after the executable's last segment).
    /// The memory file the mappings show.
    pub fn memory(&self) -> Arc<MemoryFile> {
        self.mem.clone()
    }

    /// Every mapping, in address order (/proc/PID/maps).
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    pub fn set_brk_start(&mut self, addr: u64) {
        self.brk_start = addr;
        self.brk = addr;
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| addr < v.end)
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas
            .range(..end)
            .next_back()
            .is_some_and(|(_, v)| v.end > start)
    }

    /// Finds a free range of `len` bytes, top-down from `below` to `above`.
    fn find_free(&self, len: u64, above: u64, below: u64) -> Option<u64> {
        let mut top = below;
        for (_, v) in self.vmas.range(..below).rev() {
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
            if top < above.saturating_add(len) {
                return None;
            }
        }
        (top >= above.saturating_add(len)).then(|| top - len)
    }

    /// Chooses the address of a new mapping of `len` (page-aligned) bytes.
    pub fn place(&mut self, len: u64, placement: Placement) -> Result<u64, Errno> {
        let fits =
            |a: u64| a >= APP_MIN_ADDR && a.checked_add(len).is_some_and(|e| e <= APP_MAX_ADDR);
        match placement {
            Placement::Fixed(addr) => {
                if !fits(addr) {
                    return Err(Errno::ENOMEM);
                }
                Ok(addr)
            }
            Placement::FixedNoReplace(addr) => {
                if !fits(addr) {
                    return Err(Errno::ENOMEM);
                }
                if self.overlaps(addr, addr + len) {
                    return Err(Errno::EEXIST);
                }
                Ok(addr)
            }
            Placement::Hint(hint) => {
                let hint = page_down(hint);
                if hint != 0 && fits(hint) && !self.overlaps(hint, hint + len) {
                    return Ok(hint);
                }
                self.find_free(len, APP_MIN_ADDR, layout::MMAP_BASE)
                    .or_else(|| self.find_free(len, layout::MMAP_BASE, APP_MAX_ADDR))
                    .ok_or(Errno::ENOMEM)
            }
            Placement::Below2G => self
                .find_free(len, 0x4000_0000, 0x8000_0000)
                .ok_or(Errno::ENOMEM),
        }
    }

    /// Maps `len` bytes of fresh zeroed memory at a place chosen by `placement`; returns the
    /// address. The caller fills it through [`MemoryManager::fill`] before the app runs on.
    pub fn map_anon(
        &mut self,
        ctx: &mut dyn Context,
        len: u64,
        prot: Prot,
        placement: Placement,
        kind: VmaKind,
    ) -> Result<u64, Errno> {
        let len = page_up(len).filter(|&l| l > 0).ok_or(Errno::ENOMEM)?;
        let addr = self.place(len, placement)?;
        let offset = self.mem.allocate(len).map_err(|_| Errno::ENOMEM)?;
        self.insert_over(ctx, Vma::new(addr, len, prot, offset, kind))?;
        Ok(addr)
    }

    /// Reserves `len` bytes of address space with no access and no pages (an anonymous
    /// private PROT_NONE mmap; see `Vma::reserved`).
    pub fn map_reserved(
        &mut self,
        ctx: &mut dyn Context,
        len: u64,
        placement: Placement,
    ) -> Result<u64, Errno> {
        let len = page_up(len).filter(|&l| l > 0).ok_or(Errno::ENOMEM)?;
        let addr = self.place(len, placement)?;
        let vma = Vma {
            reserved: true,
            ..Vma::new(addr, len, Prot::NONE, 0, VmaKind::Anon)
        };
        self.insert_over(ctx, vma)?;
        Ok(addr)
    }

    /// Maps `len` bytes of fresh zeroed MAP_SHARED memory: a forked child shares the pages.
    pub fn map_shared_anon(
        &mut self,
        ctx: &mut dyn Context,
        len: u64,
        prot: Prot,
        placement: Placement,
    ) -> Result<u64, Errno> {
        let len = page_up(len).filter(|&l| l > 0).ok_or(Errno::ENOMEM)?;
        let addr = self.place(len, placement)?;
        let region = SharedRegion::new(&self.mem, len)?;
        let offset = region.offset;
        let vma = Vma {
            shared: Some(region),
            ..Vma::new(addr, len, prot, offset, VmaKind::Anon)
        };
        self.insert_over(ctx, vma)?;
        Ok(addr)
    }

    /// Maps `[file_offset, file_offset + len)` of a shared region (a MAP_SHARED file).
    pub fn map_shared_region(
        &mut self,
        ctx: &mut dyn Context,
        file: SharedFileRange,
        len: u64,
        prot: Prot,
        placement: Placement,
    ) -> Result<u64, Errno> {
        let SharedFileRange {
            region,
            offset: file_offset,
            path,
        } = file;
        let len = page_up(len).filter(|&l| l > 0).ok_or(Errno::ENOMEM)?;
        if file_offset.saturating_add(len) > region.len() {
            return Err(Errno::ENOMEM);
        }
        let addr = self.place(len, placement)?;
        let kind = VmaKind::File {
            path,
            offset: file_offset,
            writeback: None,
        };
        let offset = region.offset + file_offset;
        let vma = Vma {
            shared: Some(region),
            ..Vma::new(addr, len, prot, offset, kind)
        };
        self.insert_over(ctx, vma)?;
        Ok(addr)
    }

    /// Maps `len` bytes of a page-cache region (a file's pages, shared by every private
    /// mapping of them) copy-on-write: a write copies them for this mapping alone.
    pub fn map_cached(
        &mut self,
        ctx: &mut dyn Context,
        region: Arc<SharedRegion>,
        prot: Prot,
        placement: Placement,
        kind: VmaKind,
    ) -> Result<u64, Errno> {
        let len = region.len();
        let addr = self.place(len, placement)?;
        // A small writable mapping (a library's .data and GOT) is written at once, nearly
        // always: a copy now costs less than the trapped write fault that would make it.
        let (mem_offset, shared, cow) = if prot.contains(Prot::WRITE) && len <= EAGER_COPY_MAX {
            let fresh = self.mem.allocate(len).map_err(|_| Errno::ENOMEM)?;
            if self.mem.copy_populated(region.offset, fresh, len).is_err() {
                self.mem.free(fresh, len);
                return Err(Errno::ENOMEM);
            }
            (fresh, None, false)
        } else {
            (region.offset, Some(region), true)
        };
        let vma = Vma {
            shared,
            cow,
            ..Vma::new(addr, len, prot, mem_offset, kind)
        };
        self.insert_over(ctx, vma)?;
        Ok(addr)
    }

    /// Frees a VMA's pages unless they are shared (the region frees them with its last user).
    fn free_vma(&self, vma: &Vma) {
        if vma.shared.is_none() && !vma.reserved {
            self.mem.free(vma.mem_offset, vma.len());
        }
    }

    /// Inserts `vma` over whatever its range held, with one host call (a fixed mmap replaces
    /// what was there); the old VMAs' pages are freed once the stub no longer shows them.
    fn insert_over(&mut self, ctx: &mut dyn Context, vma: Vma) -> Result<(), Errno> {
        let gone = self.split_out(vma.start, vma.end);
        if let Err(e) = ctx.apply(&[vma.host_op()]) {
            // As Linux's failed MAP_FIXED mmap, the old mapping is gone too; its pages are
            // freed only if the stub surely no longer shows them (else they leak).
            let unmapped = ctx.unmap(vma.start, vma.len()).is_ok();
            self.free_vma(&vma);
            if unmapped {
                gone.iter().for_each(|g| self.free_vma(g));
            }
            return Err(host_failure(e));
        }
        gone.iter().for_each(|g| self.free_vma(g));
        self.vmas.insert(vma.start, vma);
        Ok(())
    }

    /// Inserts `vma` (whose range must be free) and maps it in the stub.
    fn insert(&mut self, ctx: &mut dyn Context, vma: Vma) -> Result<(), Errno> {
        let r = ctx.apply(&[vma.host_op()]);
        if let Err(e) = r {
            self.free_vma(&vma);
            return Err(host_failure(e));
        }
        self.vmas.insert(vma.start, vma);
        Ok(())
    }

    /// Writes `data` at app address `addr` regardless of protections: for the loader, which
    /// fills read-only segments.
    pub fn fill(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        self.break_range(addr, data.len() as u64)?;
        self.copy_pieces(addr, data.len() as u64, Prot::NONE, |mem, off, pos, n| {
            mem.write(off, &data[pos..pos + n])
                .map_err(|_| Errno::EFAULT)
        })
    }

    /// Fills `[addr, addr + len)` from a host file at `file_offset`, regardless of protections.
    /// Returns the bytes read (fewer at the end of the file).
    pub fn fill_from_fd(
        &mut self,
        addr: u64,
        len: u64,
        fd: std::os::fd::BorrowedFd<'_>,
        file_offset: u64,
    ) -> Result<u64, Errno> {
        self.break_range(addr, len)?;
        let mut total = 0;
        self.copy_pieces(addr, len, Prot::NONE, |mem, off, pos, n| {
            let got = mem
                .read_from_fd(fd, file_offset + pos as u64, off, n as u64)
                .map_err(|e| Errno::from_io(&e))?;
            total += got;
            Ok(())
        })?;
        Ok(total)
    }

    /// Calls `f(memory file, offset, position in the buffer, length)` for each piece of
    /// `[addr, addr + len)`, which must be mapped with at least `need`.
    fn copy_pieces(
        &self,
        addr: u64,
        len: u64,
        need: Prot,
        mut f: impl FnMut(&MemoryFile, u64, usize, usize) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let end = addr.checked_add(len).ok_or(Errno::EFAULT)?;
        let mut cur = addr;
        while cur < end {
            let vma = self.find(cur).ok_or(Errno::EFAULT)?;
            if !vma.prot.contains(need) || vma.reserved {
                return Err(Errno::EFAULT);
            }
            let n = vma.end.min(end) - cur;
            f(
                &self.mem,
                vma.mem_offset + (cur - vma.start),
                (cur - addr) as usize,
                n as usize,
            )?;
            cur += n;
        }
        Ok(())
    }

    /// Reads app memory regardless of protections (an instruction at the app's `rip`).
    pub fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.copy_pieces(addr, buf.len() as u64, Prot::NONE, |mem, off, pos, n| {
            mem.read(off, &mut buf[pos..pos + n])
                .map_err(|_| Errno::EFAULT)
        })
    }

    /// EFAULT unless all of `[addr, addr + len)` is mapped with at least `need`.
    pub fn check_access(&self, addr: u64, len: u64, need: Prot) -> Result<(), Errno> {
        self.copy_pieces(addr, len, need, |_, _, _, _| Ok(()))
    }

    /// Copies app memory at `addr` into `buf`; EFAULT unless all of it is mapped readable.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let len = buf.len() as u64;
        self.copy_pieces(addr, len, Prot::READ, |mem, off, pos, n| {
            mem.read(off, &mut buf[pos..pos + n])
                .map_err(|_| Errno::EFAULT)
        })
    }

    /// Copies `buf` to app memory at `addr`; EFAULT unless all of it is mapped writable.
    pub fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.copy_pieces(addr, buf.len() as u64, Prot::WRITE, |mem, off, pos, n| {
            mem.write(off, &buf[pos..pos + n])
                .map_err(|_| Errno::EFAULT)
        })
    }

    /// Reads up to `max` bytes at `addr`, stopping early at the first unreadable byte; for
    /// strings and `--strace`. Returns what was readable.
    pub fn read_partial(&self, addr: u64, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cur = addr;
        while out.len() < max {
            let Some(vma) = self.find(cur).filter(|v| v.prot.contains(Prot::READ)) else {
                break;
            };
            let n = ((vma.end - cur) as usize).min(max - out.len());
            let at = out.len();
            out.resize(at + n, 0);
            if self
                .mem
                .read(vma.mem_offset + (cur - vma.start), &mut out[at..])
                .is_err()
            {
                out.truncate(at);
                break;
            }
            cur += n as u64;
        }
        out
    }

    /// Takes the parts of all VMAs inside `[start, end)` out of the map, leaving the parts
    /// outside in place, and returns them in address order.
    fn split_out(&mut self, start: u64, end: u64) -> Vec<Vma> {
        let hit: Vec<u64> = self
            .vmas
            .range(..end)
            .rev()
            .take_while(|(_, v)| v.end > start)
            .map(|(&s, _)| s)
            .collect();
        let mut inside = Vec::with_capacity(hit.len());
        for s in hit.into_iter().rev() {
            let Some(vma) = self.vmas.remove(&s) else {
                continue;
            };
            if vma.start < start {
                self.vmas.insert(vma.start, vma.slice(vma.start, start));
            }
            if vma.end > end {
                let tail = vma.slice(end, vma.end);
                self.vmas.insert(tail.start, tail);
            }
            inside.push(vma.slice(start, end));
        }
        inside
    }

    /// Removes every mapping in `[start, end)` (page-aligned), splitting VMAs at the edges.
    pub fn unmap_range(
        &mut self,
        ctx: &mut dyn Context,
        start: u64,
        end: u64,
    ) -> Result<(), Errno> {
        let gone = self.split_out(start, end);
        if gone.is_empty() {
            return Ok(());
        }
        // Unmapped in the stub before the pages can go to anyone else.
        ctx.unmap(start, end - start).map_err(host_failure)?;
        for vma in gone {
            self.write_back_quietly(&vma);
            self.free_vma(&vma);
        }
        Ok(())
    }

    /// Writes a MAP_SHARED copy's pages back to its file (see `VmaKind::File`): only the
    /// bytes the file has (a mapping past its end does not grow it). Others: nothing.
    fn write_back(&self, vma: &Vma) -> Result<Option<WriteBack>, Errno> {
        let VmaKind::File {
            offset,
            writeback: Some(wb),
            ..
        } = &vma.kind
        else {
            return Ok(None);
        };
        let size = u64::try_from(wb.0.stat()?.st_size).unwrap_or(0);
        let len = vma.len().min(size.saturating_sub(*offset));
        let mut buf = vec![0u8; len.min(1 << 20) as usize];
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(buf.len() as u64) as usize;
            self.mem
                .read(vma.mem_offset + done, &mut buf[..n])
                .map_err(|_| Errno::EFAULT)?;
            let mut put = 0;
            while put < n {
                match wb.0.pwrite(&buf[put..n], offset + done + put as u64)? {
                    0 => return Err(Errno::EIO),
                    k => put += k,
                }
            }
            done += n as u64;
        }
        Ok(Some(wb.clone()))
    }

    /// `write_back` when the mapping goes: a failure is logged, as the kernel's writeback
    /// would record it on the file.
    fn write_back_quietly(&self, vma: &Vma) {
        if let Err(e) = self.write_back(vma) {
            tracing::warn!("writing back a shared mapping of {:?}: {e:?}", vma.kind);
        }
    }

    /// msync(2) of `[start, end)`: MAP_SHARED copies are written back to their files (and
    /// synced with MS_SYNC); memory the sandbox shares (tmpfs, anonymous) is the file's
    /// already. ENOMEM if part of the range is not mapped, after syncing the rest (as Linux);
    /// EBUSY for MS_INVALIDATE of a locked mapping cannot happen (no mlock).
    pub fn msync(&self, start: u64, end: u64, sync: bool) -> Result<(), Errno> {
        let mut cur = start;
        let mut hole = false;
        while cur < end {
            let Some(vma) = self.find(cur).or_else(|| {
                hole = true;
                self.vmas.range(cur..end).next().map(|(_, v)| v)
            }) else {
                break;
            };
            let piece = vma.slice(cur.max(vma.start), end);
            if let Some(wb) = self.write_back(&piece)? {
                if sync {
                    wb.0.fsync(false)?;
                }
            }
            cur = vma.end;
        }
        if hole {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// Changes the protection of `[start, end)`, which must be entirely mapped (else ENOMEM).
    pub fn protect(
        &mut self,
        ctx: &mut dyn Context,
        start: u64,
        end: u64,
        prot: Prot,
    ) -> Result<(), Errno> {
        self.check_mapped(start, end)?;
        let mut ops = Vec::new();
        for mut vma in self.split_out(start, end) {
            vma.prot = prot;
            if vma.reserved && prot != Prot::NONE {
                // Opening reserved space: it gets fresh zeroed pages now.
                match self.mem.allocate(vma.len()) {
                    Ok(offset) => {
                        vma.mem_offset = offset;
                        vma.reserved = false;
                        ops.push(vma.host_op());
                    }
                    Err(_) => {
                        vma.prot = Prot::NONE;
                        self.vmas.insert(vma.start, vma);
                        ctx.apply(&ops).map_err(host_failure)?;
                        return Err(Errno::ENOMEM);
                    }
                }
            } else if !vma.reserved {
                ops.push(MapOp::Protect {
                    addr: vma.start,
                    len: vma.len(),
                    prot: vma.host_prot(),
                });
            }
            self.vmas.insert(vma.start, vma);
        }
        ctx.apply(&ops).map_err(host_failure)
    }

    /// mincore(2): one byte per page of `[start, end)` (page-aligned), 1 if the page is
    /// backed by memory (populated in the memory file), else 0; ENOMEM if part of the range
    /// is not mapped.
    pub fn resident(&self, start: u64, end: u64) -> Result<Vec<u8>, Errno> {
        self.check_mapped(start, end)?;
        let mut out = Vec::with_capacity(((end - start) / PAGE_SIZE) as usize);
        let mut cur = start;
        while cur < end {
            let vma = self.find(cur).ok_or(Errno::ENOMEM)?;
            let piece_end = vma.end.min(end);
            let pages = ((piece_end - cur) / PAGE_SIZE) as usize;
            let at = out.len();
            out.resize(at + pages, 0);
            if !vma.reserved {
                let offset = vma.mem_offset + (cur - vma.start);
                let extents = self
                    .mem
                    .populated_extents(offset, piece_end - cur, u64::MAX)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                for (from, to) in extents {
                    let first = ((from - offset) / PAGE_SIZE) as usize;
                    let n = (to - from).div_ceil(PAGE_SIZE) as usize;
                    for b in out.iter_mut().skip(at + first).take(n) {
                        *b = 1;
                    }
                }
            }
            cur = piece_end;
        }
        Ok(out)
    }

    /// mlock(2)'s population of `[start, end)` (page-aligned): every page of the accessible
    /// mappings in it gets memory now (there is no swap to lock out of); ENOMEM if part of
    /// the range is not mapped, or the memory is not there.
    pub fn populate(&self, start: u64, end: u64) -> Result<(), Errno> {
        self.check_mapped(start, end)?;
        let mut cur = start;
        while cur < end {
            let vma = self.find(cur).ok_or(Errno::ENOMEM)?;
            let piece_end = vma.end.min(end);
            // As Linux, PROT_NONE mappings are locked but not populated.
            if !vma.reserved && vma.prot != Prot::NONE {
                let offset = vma.mem_offset + (cur - vma.start);
                self.mem
                    .populate(offset, piece_end - cur)
                    .map_err(|_| Errno::ENOMEM)?;
            }
            cur = piece_end;
        }
        Ok(())
    }

    /// The bounds of every mapping (mlockall).
    pub fn extents(&self) -> Vec<(u64, u64)> {
        self.vmas.values().map(|v| (v.start, v.end)).collect()
    }

    /// ENOMEM unless every page of `[start, end)` is mapped.
    pub fn check_mapped(&self, start: u64, end: u64) -> Result<(), Errno> {
        let mut cur = start;
        while cur < end {
            cur = self.find(cur).ok_or(Errno::ENOMEM)?.end;
        }
        Ok(())
    }

    /// Releases the pages of `[start, end)` so they read as zeros again (MADV_DONTNEED on
    /// private anonymous memory). The range must be mapped, else ENOMEM.
    pub fn discard(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        let mut cur = start;
        let mut pieces = Vec::new();
        while cur < end {
            let vma = self.find(cur).ok_or(Errno::ENOMEM)?;
            let n = vma.end.min(end) - cur;
            if !vma.reserved {
                pieces.push((vma.mem_offset + (cur - vma.start), n));
            }
            cur += n;
        }
        for (off, n) in pieces {
            self.mem.decommit(off, n).map_err(|_| Errno::EFAULT)?;
        }
        Ok(())
    }

    /// brk(2): moves the end of the heap; returns the new (or, on failure, the old) break.
    pub fn brk(&mut self, ctx: &mut dyn Context, new: u64) -> u64 {
        if new < self.brk_start {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_up(self.brk), page_up(new)) else {
            return self.brk;
        };
        if new_end > old_end {
            if new_end > APP_MAX_ADDR || self.overlaps(old_end, new_end) {
                return self.brk;
            }
            let placed = self.map_anon(
                ctx,
                new_end - old_end,
                Prot::READ | Prot::WRITE,
                Placement::Fixed(old_end),
                VmaKind::Heap,
            );
            if placed.is_err() {
                return self.brk;
            }
        } else if new_end < old_end && self.unmap_range(ctx, new_end, old_end).is_err() {
            return self.brk;
        }
        self.brk = new;
        new
    }

    /// mremap(2) of `[old, old + old_len)` (page-aligned) to `new_len` (page-aligned, > 0).
    ///
    /// The old range must be mapped without holes (EFAULT otherwise). Our VMAs are finer than
    /// Linux's (we never merge neighbours), so a range over several adjacent VMAs counts as one.
    /// Moving never copies: the same memory-file pages are mapped at the new address.
    pub fn remap(
        &mut self,
        ctx: &mut dyn Context,
        old: u64,
        old_len: u64,
        new_len: u64,
        may_move: bool,
        fixed: Option<u64>,
    ) -> Result<u64, Errno> {
        let old_end = old.checked_add(old_len).ok_or(Errno::EFAULT)?;
        let mut pieces = Vec::new();
        let mut cur = old;
        while cur < old_end {
            let vma = self.find(cur).ok_or(Errno::EFAULT)?;
            pieces.push(vma.slice(cur, old_end));
            cur = vma.end;
        }
        let last = pieces.last().cloned().ok_or(Errno::EFAULT)?;
        if fixed.is_none() && new_len <= old_len {
            self.unmap_range(ctx, old + new_len, old_end)?;
            return Ok(old);
        }
        let grow = |at: u64, len: u64, mem: &MemoryFile| -> Result<Vma, Errno> {
            let mut extra = last.clone();
            extra.start = at;
            extra.end = at + len;
            if !extra.reserved {
                extra.mem_offset = mem.allocate(len).map_err(|_| Errno::ENOMEM)?;
            }
            // The new pages are the mapping's own, even when it was shared.
            extra.shared = None;
            if let VmaKind::File { offset, .. } = &mut extra.kind {
                *offset += last.end - last.start;
            }
            Ok(extra)
        };
        let new_end = old.checked_add(new_len).ok_or(Errno::ENOMEM)?;
        let at_vma_end = self.find(old_end - 1).is_some_and(|v| v.end == old_end);
        if fixed.is_none()
            && at_vma_end
            && new_end <= APP_MAX_ADDR
            && !self.overlaps(old_end, new_end)
        {
            let extra = grow(old_end, new_len - old_len, &self.mem)?;
            self.insert(ctx, extra)?;
            return Ok(old);
        }
        if !may_move {
            return Err(Errno::ENOMEM);
        }
        let dest = match fixed {
            Some(addr) if addr < old_end && old < addr.saturating_add(new_len) => {
                return Err(Errno::EINVAL)
            }
            Some(addr) => self.place(new_len, Placement::Fixed(addr))?,
            None => self.place(new_len, Placement::Hint(0))?,
        };
        self.unmap_range(ctx, dest, dest + new_len)?;
        let keep_end = old + old_len.min(new_len);
        for piece in pieces.into_iter().filter(|p| p.start < keep_end) {
            let mut moved = piece.slice(piece.start, keep_end);
            self.detach(ctx, moved.start, moved.end)?;
            moved.end = dest + (moved.end - old);
            moved.start = dest + (moved.start - old);
            self.insert(ctx, moved)?;
        }
        if new_len > old_len {
            let extra = grow(dest + old_len, new_len - old_len, &self.mem)?;
            self.insert(ctx, extra)?;
        } else if old_len > new_len {
            self.unmap_range(ctx, keep_end, old_end)?;
        }
        Ok(dest)
    }

    /// Unmaps `[start, end)` without freeing its memory-file pages (they are being mapped
    /// elsewhere).
    fn detach(&mut self, ctx: &mut dyn Context, start: u64, end: u64) -> Result<(), Errno> {
        self.split_out(start, end);
        ctx.unmap(start, end - start).map_err(host_failure)
    }

    /// Ends the copy-on-write sharing of the VMA holding `addr`: the pages are taken over if
    /// nobody else holds them, copied otherwise. The stub's mapping is left to
    /// [`Vmas::sync_host`]. Returns whether there was anything to break.
    fn break_cow(&mut self, addr: u64) -> Result<bool, Errno> {
        let Some(start) = self.find(addr).filter(|v| v.cow).map(|v| v.start) else {
            return Ok(false);
        };
        let Some(mut vma) = self.vmas.remove(&start) else {
            return Ok(false);
        };
        let region = vma.shared.take().ok_or(Errno::EFAULT)?;
        let whole = vma.mem_offset == region.offset && vma.len() == region.len;
        let region = if whole {
            match Arc::try_unwrap(region) {
                Ok(only) => {
                    // Nobody else shares the pages: they are this VMA's now, as before the
                    // fork (forgetting the region keeps it from freeing them).
                    std::mem::forget(only);
                    None
                }
                Err(shared) => Some(shared),
            }
        } else {
            Some(region)
        };
        if region.is_some() {
            let len = vma.len();
            let fresh = self.mem.allocate(len).map_err(|_| Errno::ENOMEM)?;
            if self.mem.copy_populated(vma.mem_offset, fresh, len).is_err() {
                self.mem.free(fresh, len);
                vma.shared = region;
                self.vmas.insert(vma.start, vma);
                return Err(Errno::ENOMEM);
            }
            vma.mem_offset = fresh;
        }
        vma.cow = false;
        vma.host_stale = true;
        self.vmas.insert(vma.start, vma);
        self.any_stale = true;
        Ok(true)
    }

    /// Breaks copy-on-write sharing for every writable VMA in `[addr, addr + len)`: the
    /// sentry is about to write there on the app's behalf.
    fn break_range(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        let end = addr.saturating_add(len);
        let mut cur = addr;
        while cur < end {
            let Some(vma) = self.find(cur) else {
                return Ok(());
            };
            let next = vma.end;
            if vma.cow {
                self.break_cow(cur)?;
            }
            cur = next;
        }
        Ok(())
    }

    /// Brings the stub's mappings up to date after copy-on-write breaks made by the sentry
    /// (called before the app runs again, by any thread of the address space).
    pub fn sync_host(&mut self, ctx: &mut dyn Context) -> Result<(), Errno> {
        if !self.any_stale {
            return Ok(());
        }
        let ops: Vec<MapOp> = self
            .vmas
            .values()
            .filter(|v| v.host_stale)
            .map(Vma::host_op)
            .collect();
        ctx.apply(&ops).map_err(host_failure)?;
        for vma in self.vmas.values_mut() {
            vma.host_stale = false;
        }
        self.any_stale = false;
        Ok(())
    }

    /// A write fault of the app at `addr`: if it hit copy-on-write pages (or a mapping a
    /// break left stale), resolves it and says so; the app then retries the write.
    ///
    /// A writable mapping that is neither may have been resolved by another thread of the
    /// address space between this thread's fault and now (two threads writing one mapping
    /// after a fork: a stack whose thread descriptor the joiner writes, a heap), perhaps
    /// after yet another fork made it read-only again: the stub's mapping is made right
    /// again and the write retried. Only a second fault at the same address with no fork
    /// between (`last`, the thread's previous write fault, updated here) is the app's own.
    pub fn resolve_write_fault(
        &mut self,
        ctx: &mut dyn Context,
        addr: u64,
        last: &mut Option<WriteFault>,
    ) -> Result<bool, Errno> {
        let this = WriteFault {
            addr,
            forks: self.forks,
        };
        let retry = last.replace(this) != Some(this);
        let Some(vma) = self.find(addr) else {
            return Ok(false);
        };
        if !vma.prot.contains(Prot::WRITE) {
            return Ok(false);
        }
        if !(vma.cow || vma.host_stale) {
            if !retry {
                return Ok(false);
            }
            let (start, len, prot, offset) =
                (vma.start, vma.len(), vma.host_prot(), vma.mem_offset);
            ctx.map(start, len, prot, offset).map_err(host_failure)?;
            return Ok(true);
        }
        self.break_cow(addr)?;
        self.sync_host(ctx)?;
        Ok(true)
    }

    /// Frees every VMA's memory (the stub is going away), writing MAP_SHARED copies back.
    pub fn release_all(&mut self) {
        for (_, vma) in std::mem::take(&mut self.vmas) {
            self.write_back_quietly(&vma);
            self.free_vma(&vma);
        }
    }
}

/// A thread's NUMA memory policy (set_mempolicy), as the app set it: the mode with its flags,
/// and the nodes (the sandbox has one, node 0). Kept and reported; the memory file has no
/// nodes to bind to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemPolicy {
    pub mode: i32,
    pub nodes: u64,
}

/// A thread's write fault, as `resolve_write_fault` remembers it: where, and after how many
/// forks of the address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteFault {
    addr: u64,
    forks: u64,
}

/// A host call into the stub failed: not the app's doing. Logged; the app sees ENOMEM, as it
/// would if the kernel could not set up a mapping.
fn host_failure(e: PlatformError) -> Errno {
    tracing::error!("platform: {e}");
    Errno::ENOMEM
}
