//! ELF64 headers, as far as loading needs them (see elf(5)). Parsed by hand: two fixed
//! little-endian structures, read field by field with bounds checks, so a malformed file is
//! ENOEXEC and never a panic.

use crate::errno::Errno;

pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
const EM_X86_64: u16 = 62;
/// The size of an ELF64 file header.
pub const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;

/// The ELF file header fields the loader uses.
#[derive(Debug, Clone)]
pub struct Header {
    pub e_type: u16,
    pub entry: u64,
    pub phoff: u64,
    pub phnum: u16,
}

/// A program header.
#[derive(Debug, Clone)]
pub struct ProgramHeader {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, Errno> {
    let s = b.get(at..at + 2).ok_or(Errno::ENOEXEC)?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, Errno> {
    let s = b.get(at..at + 4).ok_or(Errno::ENOEXEC)?;
    Ok(u32::from_le_bytes(
        s.try_into().map_err(|_| Errno::ENOEXEC)?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, Errno> {
    let s = b.get(at..at + 8).ok_or(Errno::ENOEXEC)?;
    Ok(u64::from_le_bytes(
        s.try_into().map_err(|_| Errno::ENOEXEC)?,
    ))
}

/// Whether `b` starts with the ELF magic.
pub fn is_elf(b: &[u8]) -> bool {
    b.starts_with(b"\x7fELF")
}

/// Parses and checks the file header: a 64-bit little-endian x86_64 executable or shared
/// object, else ENOEXEC.
pub fn parse_header(b: &[u8]) -> Result<Header, Errno> {
    if !is_elf(b) || b.len() < EHDR_SIZE {
        return Err(Errno::ENOEXEC);
    }
    // EI_CLASS 2 = 64-bit, EI_DATA 1 = little-endian, EI_VERSION 1.
    if b[4] != 2 || b[5] != 1 || b[6] != 1 {
        return Err(Errno::ENOEXEC);
    }
    let e_type = u16_at(b, 16)?;
    if (e_type != ET_EXEC && e_type != ET_DYN) || u16_at(b, 18)? != EM_X86_64 {
        return Err(Errno::ENOEXEC);
    }
    let phentsize = u16_at(b, 54)?;
    let phnum = u16_at(b, 56)?;
    // Linux refuses program header tables over 64 KiB, or with entries of another size.
    if usize::from(phentsize) != PHDR_SIZE || usize::from(phnum) * PHDR_SIZE > 65536 || phnum == 0 {
        return Err(Errno::ENOEXEC);
    }
    Ok(Header {
        e_type,
        entry: u64_at(b, 24)?,
        phoff: u64_at(b, 32)?,
        phnum,
    })
}

/// The byte size of the program header table.
pub fn phdrs_size(h: &Header) -> usize {
    usize::from(h.phnum) * PHDR_SIZE
}

/// Parses the program header table `b` (exactly `phdrs_size` bytes).
pub fn parse_phdrs(b: &[u8]) -> Result<Vec<ProgramHeader>, Errno> {
    b.chunks_exact(PHDR_SIZE)
        .map(|p| {
            let ph = ProgramHeader {
                p_type: u32_at(p, 0)?,
                flags: u32_at(p, 4)?,
                offset: u64_at(p, 8)?,
                vaddr: u64_at(p, 16)?,
                filesz: u64_at(p, 32)?,
                memsz: u64_at(p, 40)?,
            };
            if ph.p_type == PT_LOAD
                && (ph.filesz > ph.memsz || ph.vaddr.checked_add(ph.memsz).is_none())
            {
                return Err(Errno::ENOEXEC);
            }
            Ok(ph)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(parse_header(b"").unwrap_err(), Errno::ENOEXEC);
        assert_eq!(parse_header(b"\x7fELF").unwrap_err(), Errno::ENOEXEC);
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[6] = 1;
        h[16] = 2;
        h[18] = 62;
        h[54] = 56;
        assert_eq!(parse_header(&h).unwrap_err(), Errno::ENOEXEC, "zero phnum");
        h[56] = 1;
        assert_eq!(parse_header(&h).unwrap().phnum, 1);
        h[18] = 3; // i386
        assert_eq!(parse_header(&h).unwrap_err(), Errno::ENOEXEC);
        assert!(parse_phdrs(&[0u8; 10]).unwrap().is_empty());
    }

    #[test]
    fn parses_the_running_test_binary() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let h = parse_header(&exe).unwrap();
        let off = h.phoff as usize;
        let phdrs = parse_phdrs(&exe[off..off + phdrs_size(&h)]).unwrap();
        assert!(phdrs.iter().any(|p| p.p_type == PT_LOAD));
    }
}
