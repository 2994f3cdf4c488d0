//! The initial stack of a new program, laid out as Linux's binfmt_elf does (from the top):
//! a zero word, AT_EXECFN's string, the environment strings, the argument strings, the
//! platform string, 16 random bytes; then, 16-byte aligned, argc, argv[], NULL, envp[], NULL,
//! and the auxiliary vector.

use super::MAX_ARG_STRLEN;
use crate::errno::Errno;
use crate::mm::{layout, Vmas};

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_HWCAP2: u64 = 26;
const AT_EXECFN: u64 = 31;
const AT_SYSINFO_EHDR: u64 = 33;
const AT_MINSIGSTKSZ: u64 = 51;

const PLATFORM: &[u8] = b"x86_64\0";
/// Linux limits argv and envp together to a quarter of the stack limit.
const ARG_MAX: usize = (layout::STACK_SIZE / 4) as usize;

/// The ids the auxiliary vector reports.
#[derive(Clone, Copy, Debug)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
}

/// What the auxiliary vector says about the loaded program.
pub struct AuxInfo {
    pub phdr: u64,
    pub phnum: u16,
    pub base: u64,
    pub entry: u64,
}

/// E2BIG if the strings do not fit, as Linux checks them.
pub fn check_size(argv: &[Vec<u8>], envp: &[Vec<u8>], execfn: &[u8]) -> Result<(), Errno> {
    let mut total = execfn.len() + 1;
    for s in argv.iter().chain(envp) {
        if s.len() + 1 > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        total += s.len() + 1 + 8;
    }
    if total > ARG_MAX {
        return Err(Errno::E2BIG);
    }
    Ok(())
}

/// The host kernel's value of an auxiliary vector entry (hardware capabilities are the host
/// CPU's), read from /proc/self/auxv: glibc's getauxval answers AT_HWCAP on x86_64 with a value
/// of its own, not the kernel's.
fn host_auxval(kind: u64) -> u64 {
    static AUXV: std::sync::OnceLock<Vec<(u64, u64)>> = std::sync::OnceLock::new();
    let auxv = AUXV.get_or_init(|| {
        let raw = std::fs::read("/proc/self/auxv").unwrap_or_default();
        let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]));
        raw.chunks_exact(16)
            .map(|p| (word(&p[..8]), word(&p[8..])))
            .collect()
    });
    auxv.iter().find(|(k, _)| *k == kind).map_or(0, |(_, v)| *v)
}

/// Writes the initial stack below `layout::STACK_TOP`; returns the stack pointer (at argc).
pub fn build(
    mm: &mut Vmas,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    aux: &AuxInfo,
    creds: &Credentials,
) -> Result<(u64, Vec<u8>), Errno> {
    // The string area, in address order: argv, envp, execfn, a zero word.
    let mut strings = Vec::new();
    let mut argv_at = Vec::with_capacity(argv.len());
    let mut envp_at = Vec::with_capacity(envp.len());
    for (list, at) in [(argv, &mut argv_at), (envp, &mut envp_at)] {
        for s in list {
            at.push(strings.len() as u64);
            strings.extend_from_slice(s);
            strings.push(0);
        }
    }
    let execfn_at = strings.len() as u64;
    strings.extend_from_slice(execfn);
    strings.push(0);
    strings.extend_from_slice(&[0u8; 8]);
    let strings_start = layout::STACK_TOP - strings.len() as u64;
    mm.fill(strings_start, &strings)?;

    let platform_at = strings_start - PLATFORM.len() as u64;
    mm.fill(platform_at, PLATFORM)?;
    let mut random = [0u8; 16];
    crate::fs::dev::fill_random(&mut random)?;
    let random_at = (platform_at - 16) & !15;
    mm.fill(random_at, &random)?;

    let minsigstksz = match host_auxval(AT_MINSIGSTKSZ) {
        0 => 2048,
        v => v,
    };
    // The host's vDSO, moved into the stub (platform's vdso module), comes first as Linux
    // orders it.
    let vdso = platform::vdso_address().map(|a| (AT_SYSINFO_EHDR, a));
    let auxv = vdso.into_iter().chain([
        (AT_HWCAP, host_auxval(AT_HWCAP)),
        (AT_MINSIGSTKSZ, minsigstksz),
        (AT_PAGESZ, platform::PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_PHDR, aux.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, u64::from(aux.phnum)),
        (AT_BASE, aux.base),
        (AT_FLAGS, 0),
        (AT_ENTRY, aux.entry),
        (AT_UID, u64::from(creds.uid)),
        (AT_EUID, u64::from(creds.euid)),
        (AT_GID, u64::from(creds.gid)),
        (AT_EGID, u64::from(creds.egid)),
        (AT_SECURE, 0),
        (AT_RANDOM, random_at),
        (AT_HWCAP2, host_auxval(AT_HWCAP2)),
        (AT_EXECFN, strings_start + execfn_at),
        (AT_PLATFORM, platform_at),
    ]);
    let mut words: Vec<u64> = Vec::with_capacity(3 + argv.len() + envp.len() + 2 * 20 + 2);
    words.push(argv.len() as u64);
    words.extend(argv_at.iter().map(|o| strings_start + o));
    words.push(0);
    words.extend(envp_at.iter().map(|o| strings_start + o));
    words.push(0);
    let auxv_start = words.len();
    for (k, v) in auxv {
        words.extend([k, v]);
    }
    words.extend([AT_NULL, 0]);
    // /proc/PID/auxv: the same pairs, AT_NULL included.
    let auxv_bytes: Vec<u8> = words[auxv_start..]
        .iter()
        .flat_map(|w| w.to_ne_bytes())
        .collect();
    let sp = (random_at - 8 * words.len() as u64) & !15;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    mm.fill(sp, &bytes)?;
    Ok((sp, auxv_bytes))
}
