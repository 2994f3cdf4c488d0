//! execve: builds a new address space from an executable — ELF (static, dynamic with its
//! interpreter, static-pie) or a `#!` script — and the initial stack Linux gives a program.

pub mod elf;
mod stack;

use std::sync::Arc;

use platform::{Context, Prot, Regs};

use crate::errno::Errno;
use crate::fs::FileOps;
use crate::kernel::Kernel;
use crate::mm::{layout, page_down, page_up, MemoryManager, Placement, VmaKind, Vmas};
use crate::vfs::{Lookup, Path};
use elf::{ProgramHeader, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};
pub use stack::Credentials;

/// Linux's limit on one argument or environment string (MAX_ARG_STRLEN).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Linux's BINPRM_BUF_SIZE: how much of a file is read to recognise it (and the longest `#!`
/// line).
const BINPRM_BUF_SIZE: usize = 256;
/// How many `#!` interpreters may chain before ELOOP (Linux allows 4 levels of rewriting).
const MAX_INTERP_DEPTH: usize = 4;

/// What execve is asked to run.
pub struct ExecArgs {
    /// The path to open (relative ones from the start directory given to [`load`]).
    pub path: Vec<u8>,
    /// The path as the caller gave it (AT_EXECFN, and argv of a script's interpreter).
    pub filename: Vec<u8>,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
}

/// A program loaded and ready to run.
pub struct Loaded {
    /// The first thread of the new address space, run by the calling sentry thread.
    pub ctx: Box<dyn Context>,
    pub mm: Arc<MemoryManager>,
    pub regs: Regs,
    /// The absolute path of the executable finally loaded (the interpreter of a script):
    /// /proc/self/exe.
    pub exe: String,
    /// Where that executable is in the tree.
    pub exe_path: Path,
    /// argv and envp, each string NUL-terminated (/proc/PID/cmdline and environ).
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
    /// The auxiliary vector given to the program (/proc/PID/auxv).
    pub auxv: Vec<u8>,
}

/// An ELF object mapped into an address space.
struct Mapped {
    /// The ELF entry point, relocated.
    entry: u64,
    /// The load bias (0 for ET_EXEC).
    bias: u64,
    /// Where the program headers are in memory.
    phdr: u64,
    phnum: u16,
    /// One past the last byte of the highest segment.
    end: u64,
    interp: Option<String>,
}

fn read_head(file: &dyn FileOps) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; BINPRM_BUF_SIZE];
    let n = file.pread(&mut buf, 0)?;
    buf.truncate(n);
    Ok(buf)
}

/// Opens an executable: it must be a regular file we may execute (EACCES otherwise).
fn open_exec(
    lookup: &Lookup<'_>,
    start: Option<&Path>,
    path: &[u8],
) -> Result<(Arc<dyn FileOps>, Path), Errno> {
    let (file, p) = match (path, start) {
        // execveat(fd, "", AT_EMPTY_PATH), fexecve: the file `fd` is open on.
        (b"", Some(start)) => lookup.open_path(start.clone(), libc::O_RDONLY as u32)?,
        _ => lookup.open(start, path, libc::O_RDONLY as u32, 0)?,
    };
    if p.stat()?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EACCES);
    }
    lookup.access(&p, libc::X_OK)?;
    Ok((file, p))
}

/// Splits a `#!` line into the interpreter and its optional single argument, as Linux does
/// (binfmt_script): blanks around, everything after the first blank run is one argument.
fn parse_shebang(head: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let line = &head[2..];
    let line = match line.iter().position(|&b| b == b'\n') {
        Some(n) => &line[..n],
        // No newline within the buffer: Linux accepts it only if the interpreter name ends
        // before the buffer does; we accept the truncated line like older kernels.
        None => line,
    };
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let trimmed: &[u8] = {
        let start = line.iter().position(|b| !is_blank(b)).unwrap_or(line.len());
        let end = line
            .iter()
            .rposition(|b| !is_blank(b))
            .map_or(start, |e| e + 1);
        &line[start..end.max(start)]
    };
    if trimmed.is_empty() {
        return Err(Errno::ENOEXEC);
    }
    let name_end = trimmed.iter().position(is_blank).unwrap_or(trimmed.len());
    let interp = trimmed[..name_end].to_vec();
    let rest = &trimmed[name_end..];
    let arg_start = rest.iter().position(|b| !is_blank(b));
    let arg = arg_start.map(|s| rest[s..].to_vec());
    Ok((interp, arg))
}

/// Loads `args` into a fresh address space, resolving its path with `lookup` from `start`
/// (the working directory if `None`). Nothing of the caller changes; on error its address
/// space is untouched.
pub fn load(
    kernel: &Kernel,
    lookup: &Lookup<'_>,
    start: Option<&Path>,
    mut args: ExecArgs,
    creds: &Credentials,
    from: Option<&mut dyn Context>,
) -> Result<Loaded, Errno> {
    let mut depth = 0;
    let mut start = start.cloned();
    let (file, exe_path, head) = loop {
        let (file, p) = open_exec(lookup, start.as_ref(), &args.path)?;
        let head = read_head(&*file)?;
        if !head.starts_with(b"#!") {
            break (file, p, head);
        }
        depth += 1;
        if depth > MAX_INTERP_DEPTH {
            return Err(Errno::ELOOP);
        }
        let (interp, arg) = parse_shebang(&head)?;
        let mut argv = vec![interp.clone()];
        argv.extend(arg);
        argv.push(args.filename.clone());
        argv.extend(args.argv.into_iter().skip(1));
        args.argv = argv;
        // The interpreter is found as open(2) would find it, from the working directory.
        args.path = interp.clone();
        args.filename = interp;
        start = None;
    };
    if !elf::is_elf(&head) {
        return Err(Errno::ENOEXEC);
    }
    let header = elf::parse_header(&head)?;
    stack::check_size(&args.argv, &args.envp, &args.filename)?;

    let stub_error = |e: platform::PlatformError| {
        tracing::error!("starting a stub: {e}");
        Errno::ENOMEM
    };
    let (mut ctx, forked) = match from {
        // A fork of the caller's stub with every app mapping removed (below): a fresh
        // address space without forking the whole sentry.
        Some(caller) => {
            let child = caller.fork_process().map_err(stub_error)?;
            (kernel.platform.adopt(child).map_err(stub_error)?, true)
        }
        None => (
            kernel
                .platform
                .new_address_space(&kernel.mem)
                .map_err(stub_error)?,
            false,
        ),
    };
    let mm = Arc::new(MemoryManager::new(kernel.mem.clone()));
    // Nothing runs in the new address space yet: emptying it and mapping the new image's
    // segments are done in one go.
    let mut deferred = platform::Deferred::new(&mut *ctx);
    if forked {
        deferred
            .unmap(0, platform::APP_MAX_ADDR)
            .map_err(stub_error)?;
    }
    let ctx_ref: &mut dyn Context = &mut deferred;
    let mut vmas = mm.lock();
    let exe = kernel.vfs.path_string(&exe_path, &lookup.root);
    let main = map_elf(
        &mut vmas,
        ctx_ref,
        &kernel.page_cache,
        &*file,
        &exe,
        &header,
        layout::PIE_BASE,
    )?;
    vmas.set_brk_start(page_up(main.end).ok_or(Errno::ENOMEM)?);
    let (entry, base) = match &main.interp {
        Some(interp_path) => {
            let (interp_file, _) =
                lookup.open(None, interp_path.as_bytes(), libc::O_RDONLY as u32, 0)?;
            let ihead = read_head(&*interp_file)?;
            let iheader = elf::parse_header(&ihead)?;
            let interp = map_elf(
                &mut vmas,
                ctx_ref,
                &kernel.page_cache,
                &*interp_file,
                interp_path,
                &iheader,
                0,
            )?;
            if interp.interp.is_some() {
                return Err(Errno::ELIBBAD);
            }
            (interp.entry, interp.bias)
        }
        None => (main.entry, 0),
    };

    vmas.map_anon(
        ctx_ref,
        layout::STACK_SIZE,
        Prot::READ | Prot::WRITE,
        Placement::Fixed(layout::STACK_TOP - layout::STACK_SIZE),
        VmaKind::Stack,
    )?;
    let aux = stack::AuxInfo {
        phdr: main.phdr,
        phnum: main.phnum,
        base,
        entry: main.entry,
    };
    let (sp, auxv) = stack::build(
        &mut vmas,
        &args.argv,
        &args.envp,
        &args.filename,
        &aux,
        creds,
    )?;
    drop(vmas);
    deferred.flush().map_err(stub_error)?;

    let mut regs = ctx.initial_regs();
    regs.0.rip = entry;
    regs.0.rsp = sp;
    Ok(Loaded {
        ctx,
        mm,
        regs,
        exe,
        exe_path,
        cmdline: nul_joined(&args.argv),
        environ: nul_joined(&args.envp),
        auxv,
    })
}

/// The strings, each followed by a NUL.
fn nul_joined(strings: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.extend_from_slice(s);
        out.push(0);
    }
    out
}

fn prot_of(flags: u32) -> Prot {
    let mut prot = Prot::NONE;
    if flags & PF_R != 0 {
        prot = prot | Prot::READ;
    }
    if flags & PF_W != 0 {
        prot = prot | Prot::WRITE;
    }
    if flags & PF_X != 0 {
        prot = prot | Prot::EXEC;
    }
    prot
}

/// Maps the PT_LOAD segments of an ELF file. ET_DYN objects go at `dyn_base` if it is free
/// (0: wherever the top-down search finds room).
fn map_elf(
    mm: &mut Vmas,
    ctx: &mut dyn Context,
    cache: &crate::mm::PageCache,
    file: &dyn FileOps,
    path: &str,
    header: &elf::Header,
    dyn_base: u64,
) -> Result<Mapped, Errno> {
    let mut table = vec![0u8; elf::phdrs_size(header)];
    if file.pread(&mut table, header.phoff)? != table.len() {
        return Err(Errno::ENOEXEC);
    }
    let phdrs = elf::parse_phdrs(&table)?;
    let loads: Vec<&ProgramHeader> = phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let lowest = page_down(loads.iter().map(|p| p.vaddr).min().ok_or(Errno::ENOEXEC)?);
    let highest = loads
        .iter()
        .map(|p| p.vaddr + p.memsz)
        .max()
        .ok_or(Errno::ENOEXEC)?;
    // The bias may be "negative" (an ET_DYN object linked high, placed lower): addresses are
    // computed modulo 2^64 from it, and each segment's end is then checked.
    let bias = if header.e_type == elf::ET_DYN {
        let span = page_up(highest - lowest).ok_or(Errno::ENOMEM)?;
        mm.place(span, Placement::Hint(dyn_base))?
            .wrapping_sub(lowest)
    } else {
        0
    };
    let fd = file.mappable_fd().ok_or(Errno::EACCES)?;
    let path: Arc<str> = Arc::from(path);
    for ph in &loads {
        if ph.vaddr % platform::PAGE_SIZE != ph.offset % platform::PAGE_SIZE {
            return Err(Errno::EINVAL);
        }
        let vaddr = bias.wrapping_add(ph.vaddr);
        let start = page_down(vaddr);
        let end = vaddr
            .checked_add(ph.memsz)
            .and_then(page_up)
            .ok_or(Errno::ENOMEM)?;
        if end == start {
            continue;
        }
        let lead = vaddr - start;
        let file_start = ph.offset - lead;
        let kind = VmaKind::File {
            path: path.clone(),
            offset: file_start,
            writeback: None,
        };
        if let Some(id) = file.cache_identity() {
            // An immutable file: every process mapping this segment shares its pages
            // (copy-on-write), instead of reading its own copy.
            let mem = mm.memory();
            let region = cache.get(&mem, id, file_start, end - start, lead + ph.filesz, fd)?;
            mm.map_cached(
                ctx,
                region,
                prot_of(ph.flags),
                Placement::Fixed(start),
                kind,
            )?;
            continue;
        }
        mm.map_anon(
            ctx,
            end - start,
            prot_of(ph.flags),
            Placement::Fixed(start),
            kind,
        )?;
        mm.fill_from_fd(start, lead + ph.filesz, fd, file_start)?;
    }
    let phdr = match phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        Some(p) => bias.wrapping_add(p.vaddr),
        // Without PT_PHDR: the table inside the segment that maps file offset 0.
        None => loads
            .iter()
            .find(|p| p.offset == 0)
            .map_or(0, |p| bias.wrapping_add(p.vaddr).wrapping_add(header.phoff)),
    };
    let interp = match phdrs.iter().find(|p| p.p_type == PT_INTERP) {
        Some(p) => {
            if p.filesz < 2 || p.filesz > libc::PATH_MAX as u64 {
                return Err(Errno::ENOEXEC);
            }
            let mut name = vec![0u8; p.filesz as usize];
            if file.pread(&mut name, p.offset)? != name.len() || name.last() != Some(&0) {
                return Err(Errno::ENOEXEC);
            }
            name.pop();
            Some(String::from_utf8(name).map_err(|_| Errno::ENOEXEC)?)
        }
        None => None,
    };
    Ok(Mapped {
        entry: bias.wrapping_add(header.entry),
        bias,
        phdr,
        phnum: header.phnum,
        end: bias.wrapping_add(highest),
        interp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines_split_like_linux() {
        assert_eq!(
            parse_shebang(b"#!/bin/sh\necho").unwrap(),
            (b"/bin/sh".to_vec(), None)
        );
        assert_eq!(
            parse_shebang(b"#! /usr/bin/env  python3 -u \n").unwrap(),
            (b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec()))
        );
        assert_eq!(parse_shebang(b"#!   \n").unwrap_err(), Errno::ENOEXEC);
    }
}
