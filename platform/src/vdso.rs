//! The host's vDSO in every stub, so that clock_gettime, gettimeofday, time and getcpu run in
//! the app without a trap.
//!
//! A stub starts as a fork of the sentry, with the sentry's `[vvar]` (the kernel's time data,
//! read-only) and `[vdso]` (the code that reads it) mapped. Instead of unmapping them with
//! the rest, the stub moves them (mremap, as CRIU does; the kernel keeps its vDSO bookkeeping
//! right) to [`VDSO_AREA`], a fixed place above the app's range, where no app mapping can
//! reach them, and the loader names the vDSO in the app's auxv (AT_SYSINFO_EHDR).
//!
//! Nothing of the app reaches the host kernel through it: the vDSO only reads memory. When
//! it cannot answer from the data page (a clock the vDSO does not serve, a clock source
//! without user-space reads), it falls back to a real `syscall` instruction, which traps to
//! the sentry like any other. The clocks it reads are the host's, which is what the sentry's
//! own clock_gettime answers too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::{PAGE_SIZE, STUB_CODE_ADDR};

/// Where each stub keeps the vDSO and its data pages: 1 MiB below the stub's code page, the
/// top of which ends the app's range.
pub const VDSO_AREA: u64 = STUB_CODE_ADDR - VDSO_AREA_SIZE;
const VDSO_AREA_SIZE: u64 = 1 << 20;

/// The sentry's own vDSO mappings, as the stubs inherit them.
#[derive(Debug)]
pub(crate) struct HostVdso {
    /// `[start, end)` and name of each mapping (`[vvar]`, `[vvar_vclock]`, `[vdso]`), in
    /// address order and contiguous.
    pub maps: Vec<(u64, u64, String)>,
    /// Where the vDSO's ELF image starts.
    pub image: u64,
}

impl HostVdso {
    fn lo(&self) -> u64 {
        self.maps[0].0
    }

    /// Where `host` (an address in the sentry's vDSO mappings) is in a stub.
    pub fn moved(&self, host: u64) -> u64 {
        VDSO_AREA + (host - self.lo())
    }
}

/// Cleared when a stub could not move the vDSO: later address spaces get none.
static USABLE: AtomicBool = AtomicBool::new(true);

/// The sentry's vDSO mappings, if it has a usable set: contiguous, page-aligned, small enough
/// for [`VDSO_AREA`].
pub(crate) fn host() -> Option<&'static HostVdso> {
    static HOST: OnceLock<Option<HostVdso>> = OnceLock::new();
    HOST.get_or_init(|| {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        parse_maps(&maps)
    })
    .as_ref()
}

/// Picks the vDSO mappings out of a `/proc/self/maps` text.
fn parse_maps(text: &str) -> Option<HostVdso> {
    let mut maps = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(name)) = (fields.next(), fields.last()) else {
            continue;
        };
        if !matches!(name, "[vvar]" | "[vvar_vclock]" | "[vdso]") {
            continue;
        }
        let (a, b) = range.split_once('-')?;
        let start = u64::from_str_radix(a, 16).ok()?;
        let end = u64::from_str_radix(b, 16).ok()?;
        maps.push((start, end, name.to_string()));
    }
    maps.sort();
    let image = maps.iter().find(|m| m.2 == "[vdso]")?.0;
    let contiguous = maps.windows(2).all(|w| w[0].1 == w[1].0);
    let (lo, hi) = (maps.first()?.0, maps.last()?.1);
    let aligned = maps
        .iter()
        .all(|m| m.0 % PAGE_SIZE == 0 && m.1 % PAGE_SIZE == 0 && m.0 < m.1);
    let fits = hi - lo <= VDSO_AREA_SIZE;
    // A vDSO already overlapping the area cannot be moved there in one piece.
    let apart = hi <= VDSO_AREA || lo >= STUB_CODE_ADDR;
    (contiguous && aligned && fits && apart).then_some(HostVdso { maps, image })
}

/// The stubs' vDSO mappings as the app sees them (address range and name, for
/// /proc/PID/maps), empty if stubs have none.
pub fn app_mappings() -> Vec<(u64, u64, String)> {
    match host() {
        Some(h) if USABLE.load(Ordering::Relaxed) => h
            .maps
            .iter()
            .map(|(s, e, n)| (h.moved(*s), h.moved(*e), n.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The vDSO's address in every stub, for AT_SYSINFO_EHDR; `None` if stubs have none.
pub fn image_address() -> Option<u64> {
    let h = host()?;
    USABLE.load(Ordering::Relaxed).then(|| h.moved(h.image))
}

/// Reads the vDSO code at `addr` (an app address) into `buf`, from the sentry's own copy of
/// the same pages; false unless all of it lies in the `[vdso]` mapping. The sentry checks
/// which instruction a trapped syscall came from, and the vDSO's fallback path makes them.
pub fn read_code(addr: u64, buf: &mut [u8]) -> bool {
    let Some(h) = host() else {
        return false;
    };
    if !USABLE.load(Ordering::Relaxed) {
        return false;
    }
    let Some((start, end, _)) = h.maps.iter().find(|m| m.2 == "[vdso]") else {
        return false;
    };
    let (app_start, app_end) = (h.moved(*start), h.moved(*end));
    let Some(last) = addr.checked_add(buf.len() as u64) else {
        return false;
    };
    if addr < app_start || last > app_end {
        return false;
    }
    let host_addr = start + (addr - app_start);
    // SAFETY: [host_addr, host_addr + buf.len()) lies within the sentry's own [vdso]
    // mapping (checked above), which is readable and never unmapped while the sentry runs.
    unsafe {
        std::ptr::copy_nonoverlapping(host_addr as *const u8, buf.as_mut_ptr(), buf.len());
    }
    true
}

/// A stub failed to move the vDSO: stop offering it (the sentry logs that the app gets
/// none when [`image_address`] answers `None`).
pub(crate) fn disable() {
    USABLE.store(false, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPS: &str = "\
55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
7fccfe4ab000-7fccfe4af000 r--p 00000000 00:00 0                          [vvar]
7fccfe4af000-7fccfe4b1000 r--p 00000000 00:00 0                          [vvar_vclock]
7fccfe4b1000-7fccfe4b3000 r-xp 00000000 00:00 0                          [vdso]
7ffd1e7e2000-7ffd1e803000 rw-p 00000000 00:00 0                          [stack]
";

    #[test]
    fn finds_the_vdso_and_its_data_pages() {
        let v = parse_maps(MAPS).expect("found");
        assert_eq!(v.maps.len(), 3);
        assert_eq!(v.image, 0x7fcc_fe4b_1000);
        assert_eq!(v.moved(0x7fcc_fe4a_b000), VDSO_AREA);
        assert_eq!(v.moved(v.image), VDSO_AREA + 0x6000);
    }

    #[test]
    fn refuses_what_it_cannot_move() {
        assert!(parse_maps("").is_none());
        let gap = MAPS.replace("7fccfe4b1000-7fccfe4b3000", "7fccfe4b2000-7fccfe4b4000");
        assert!(parse_maps(&gap).is_none());
        let no_code = MAPS.replace("[vdso]", "[anon]");
        assert!(parse_maps(&no_code).is_none());
    }

    #[test]
    fn reads_the_code_of_the_moved_image() {
        let Some(base) = image_address() else {
            return;
        };
        let mut magic = [0u8; 4];
        assert!(read_code(base, &mut magic));
        assert_eq!(&magic, b"\x7fELF");
        assert!(!read_code(base - 4096 * 64, &mut magic));
        assert!(!read_code(u64::MAX - 1, &mut magic));
    }

    #[test]
    fn this_host_has_one() {
        // The machines this runs on have a vDSO; if one ever does not, the sandbox still
        // works (every clock read traps), but the benchmark figures change.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(parse_maps(&maps).is_some(), "{maps}");
    }
}
