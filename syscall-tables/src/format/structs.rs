//! Structures in app memory (x86_64 layouts), printed in strace's default abbreviated style.
//! Each decoder returns `None` when the memory cannot be read, and the caller prints the address.

use super::strings::{addr, quote, MAX_STRLEN};
use super::{int, Ctx};
use crate::flags::{self, flags, hex, xval};
use crate::signals::{signal_name, sigset as sigset_names};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Little-endian fields of a structure read in one piece.
struct Fields(Vec<u8>);

impl Fields {
    fn read(ctx: &Ctx<'_>, address: u64, len: usize) -> Option<Self> {
        ctx.read(address, len).map(Fields)
    }
    fn bytes<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.0[offset..offset + N]);
        out
    }
    fn u64(&self, offset: usize) -> u64 {
        u64::from_le_bytes(self.bytes(offset))
    }
    fn i64(&self, offset: usize) -> i64 {
        i64::from_le_bytes(self.bytes(offset))
    }
    fn u32(&self, offset: usize) -> u32 {
        u32::from_le_bytes(self.bytes(offset))
    }
    fn i32(&self, offset: usize) -> i32 {
        i32::from_le_bytes(self.bytes(offset))
    }
    fn u16(&self, offset: usize) -> u16 {
        u16::from_le_bytes(self.bytes(offset))
    }
    fn i16(&self, offset: usize) -> i16 {
        i16::from_le_bytes(self.bytes(offset))
    }
}

/// `struct stat`: `{st_mode=S_IFREG|0644, st_size=1221, ...}`; devices show `st_rdev` instead.
pub(crate) fn stat(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 144)?;
    let mode = u64::from(f.u32(24));
    let kind = mode & 0o170000;
    let detail = if kind == 0o020000 || kind == 0o060000 {
        format!("st_rdev={}", flags::makedev(f.u64(40)))
    } else {
        format!("st_size={}", f.i64(48))
    };
    Some(format!(
        "{{st_mode={}, {detail}, ...}}",
        flags::file_mode(mode)
    ))
}

/// `struct statx`: `{stx_mask=STATX_BASIC_STATS, stx_attributes=0, stx_mode=..., stx_size=..., ...}`.
pub(crate) fn statx(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 256)?;
    let mask = flags(u64::from(f.u32(0)), flags::STATX_MASK, "STATX_???");
    let attributes = flags(f.u64(8), flags::STATX_ATTRS, "STATX_ATTR_???");
    let mode = flags::file_mode(u64::from(f.u16(28)));
    Some(format!(
        "{{stx_mask={mask}, stx_attributes={attributes}, stx_mode={mode}, stx_size={}, ...}}",
        f.u64(40)
    ))
}

/// `struct statfs`: `{f_type=EXT2_SUPER_MAGIC, f_bsize=4096, ..., f_flags=ST_VALID|ST_RELATIME}`.
pub(crate) fn statfs(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 120)?;
    let kind =
        flags::lookup(f.u64(0), flags::FS_MAGIC).map_or_else(|| hex(f.u64(0)), str::to_string);
    Some(format!(
        "{{f_type={kind}, f_bsize={}, f_blocks={}, f_bfree={}, f_bavail={}, f_files={}, \
         f_ffree={}, f_fsid={{val=[{}, {}]}}, f_namelen={}, f_frsize={}, f_flags={}}}",
        f.i64(8),
        f.u64(16),
        f.u64(24),
        f.u64(32),
        f.u64(40),
        f.u64(48),
        hex(f.u32(56).into()),
        hex(f.u32(60).into()),
        f.i64(64),
        f.i64(72),
        flags(f.u64(80), flags::STATFS_FLAGS, "ST_???"),
    ))
}

/// `struct sysinfo`: `{uptime=9181, loads=[58816, 32384, 34112], totalram=..., mem_unit=1}`.
pub(crate) fn sysinfo(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 112)?;
    Some(format!(
        "{{uptime={}, loads=[{}, {}, {}], totalram={}, freeram={}, sharedram={}, bufferram={}, \
         totalswap={}, freeswap={}, procs={}, totalhigh={}, freehigh={}, mem_unit={}}}",
        f.i64(0),
        f.u64(8),
        f.u64(16),
        f.u64(24),
        f.u64(32),
        f.u64(40),
        f.u64(48),
        f.u64(56),
        f.u64(64),
        f.u64(72),
        f.u16(80),
        f.u64(88),
        f.u64(96),
        f.u32(104),
    ))
}

/// `count` group ids: `[0, 4, 27]`.
pub(crate) fn gids(ctx: &Ctx<'_>, address: u64, count: u64) -> Option<String> {
    let shown = usize::try_from(count.min(MAX_STRLEN as u64)).ok()?;
    let f = Fields::read(ctx, address, shown * 4)?;
    let mut items: Vec<String> = (0..shown).map(|i| f.u32(i * 4).to_string()).collect();
    if count > shown as u64 {
        items.push("...".to_string());
    }
    Some(format!("[{}]", items.join(", ")))
}

/// `struct timespec`: `{tv_sec=1, tv_nsec=0}`.
pub(crate) fn timespec(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 16)?;
    Some(format!("{{tv_sec={}, tv_nsec={}}}", f.i64(0), f.i64(8)))
}

/// `struct timeval`: `{tv_sec=1, tv_usec=0}`.
pub(crate) fn timeval(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 16)?;
    Some(format!("{{tv_sec={}, tv_usec={}}}", f.i64(0), f.i64(8)))
}

/// `struct itimerval`: `{it_interval={tv_sec=0, tv_usec=0}, it_value={...}}`.
pub(crate) fn itimerval(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let interval = timeval(ctx, address)?;
    let value = timeval(ctx, address.checked_add(16)?)?;
    Some(format!("{{it_interval={interval}, it_value={value}}}"))
}

/// `struct itimerspec`: `{it_interval={tv_sec=0, tv_nsec=0}, it_value={...}}`.
pub(crate) fn itimerspec(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let interval = timespec(ctx, address)?;
    let value = timespec(ctx, address.checked_add(16)?)?;
    Some(format!("{{it_interval={interval}, it_value={value}}}"))
}

/// A kernel signal set (64 signals): `[INT TERM]`.
pub(crate) fn sigset(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    Some(sigset_names(ctx.read_u64(address)?, 64))
}

/// The kernel's `struct sigaction` on x86_64: handler, flags, restorer, mask.
pub(crate) fn sigaction(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 32)?;
    let handler = match f.u64(0) {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        u64::MAX => "SIG_ERR".to_string(),
        h => format!("{h:#x}"),
    };
    let sa_flags = f.u64(8);
    let mut out = format!(
        "{{sa_handler={handler}, sa_mask={}, sa_flags={}",
        sigset_names(f.u64(24), 64),
        flags(sa_flags, flags::SA_FLAGS, "SA_???")
    );
    if sa_flags & flags::SA_RESTORER != 0 {
        out.push_str(&format!(", sa_restorer={}", addr(f.u64(16))));
    }
    out.push('}');
    Some(out)
}

/// An rlimit value: `RLIM64_INFINITY`, `8192*1024`, or the number.
fn rlim(value: u64) -> String {
    if value == u64::MAX {
        "RLIM64_INFINITY".to_string()
    } else if value > 1024 && value & 1023 == 0 {
        format!("{}*1024", value / 1024)
    } else {
        value.to_string()
    }
}

/// `struct rlimit`: `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
pub(crate) fn rlimit(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 16)?;
    Some(format!(
        "{{rlim_cur={}, rlim_max={}}}",
        rlim(f.u64(0)),
        rlim(f.u64(8))
    ))
}

/// Two `int`s: `[3, 4]`.
pub(crate) fn fd_pair(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 8)?;
    Some(format!("[{}, {}]", f.i32(0), f.i32(4)))
}

/// `struct utsname`: `{sysname="Linux", nodename="box", ...}`.
pub(crate) fn utsname(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 65 * 2)?;
    let field = |i: usize| {
        let raw = &f.0[i * 65..(i + 1) * 65];
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        quote(&raw[..end], false)
    };
    Some(format!(
        "{{sysname={}, nodename={}, ...}}",
        field(0),
        field(1)
    ))
}

/// An iovec array: `[{iov_base="hello", iov_len=5}, ...]`. With `filled`, the kernel wrote that
/// many bytes across the buffers in order (readv) and only those are shown.
pub(crate) fn iovecs(
    ctx: &Ctx<'_>,
    address: u64,
    count: u64,
    filled: Option<u64>,
) -> Option<String> {
    let mut left = filled;
    let mut items = Vec::new();
    for i in 0..count {
        if i == MAX_STRLEN as u64 {
            items.push("...".to_string());
            break;
        }
        let f = Fields::read(ctx, address.checked_add(16 * i)?, 16)?;
        let (base, len) = (f.u64(0), f.u64(8));
        let data_len = match left.as_mut() {
            Some(left) => {
                let here = len.min(*left);
                *left -= here;
                here
            }
            None => len,
        };
        let data = ctx.buffer(base, data_len, false);
        items.push(format!("{{iov_base={data}, iov_len={len}}}"));
    }
    Some(format!("[{}]", items.join(", ")))
}

/// A pollfd array: `[{fd=3, events=POLLIN}]`; with `revents`, only the entries with results:
/// `[{fd=3, revents=POLLIN}]`.
pub(crate) fn pollfds(ctx: &Ctx<'_>, address: u64, count: u64, revents: bool) -> Option<String> {
    let mut items = Vec::new();
    for i in 0..count.min(1024) {
        if items.len() == MAX_STRLEN {
            items.push("...".to_string());
            break;
        }
        let f = Fields::read(ctx, address.checked_add(8 * i)?, 8)?;
        let fd = f.i32(0);
        let (events, returned) = (f.i16(4) as u16, f.i16(6) as u16);
        if revents {
            if returned != 0 {
                let names = flags(returned.into(), flags::POLL_EVENTS, "POLL???");
                items.push(format!("{{fd={fd}, revents={names}}}"));
            }
        } else if fd < 0 {
            items.push(format!("{{fd={fd}}}"));
        } else {
            let names = flags(events.into(), flags::POLL_EVENTS, "POLL???");
            items.push(format!("{{fd={fd}, events={names}}}"));
        }
    }
    Some(format!("[{}]", items.join(", ")))
}

/// An fd_set of select with `nfds` descriptors: `[1 3]`.
pub(crate) fn fd_set(ctx: &Ctx<'_>, address: u64, nfds: u64) -> Option<String> {
    let nfds = u64::try_from(int(nfds)).ok()?.min(1024);
    let words = nfds.div_ceil(64);
    let bytes = ctx.read(address, usize::try_from(words * 8).ok()?)?;
    let fds: Vec<String> = (0..nfds)
        .filter(|&fd| {
            let byte = bytes[usize::try_from(fd / 8).unwrap_or(0)];
            byte & (1 << (fd % 8)) != 0
        })
        .map(|fd| fd.to_string())
        .collect();
    Some(format!("[{}]", fds.join(" ")))
}

/// One `struct epoll_event` (packed on x86_64): `{events=EPOLLIN, data={u32=5, u64=5}}`.
pub(crate) fn epoll_event(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 12)?;
    let events = flags(f.u32(0).into(), flags::EPOLL_EVENTS, "EPOLL???");
    let data = f.u64(4);
    Some(format!(
        "{{events={events}, data={{u32={}, u64={data}}}}}",
        data & 0xffff_ffff
    ))
}

/// `count` epoll events the kernel filled: `[{events=EPOLLIN, data={u32=5, u64=5}}]`.
pub(crate) fn epoll_events(ctx: &Ctx<'_>, address: u64, count: u64) -> Option<String> {
    let mut items = Vec::new();
    for i in 0..count {
        if i == MAX_STRLEN as u64 {
            items.push("...".to_string());
            break;
        }
        items.push(epoll_event(ctx, address.checked_add(12 * i)?)?);
    }
    Some(format!("[{}]", items.join(", ")))
}

/// A CPU mask of `len` bytes: `[0 1]`.
pub(crate) fn cpu_set(ctx: &Ctx<'_>, address: u64, len: u64) -> Option<String> {
    let len = usize::try_from(len).ok()?.min(1024);
    let bytes = ctx.read(address, len)?;
    let cpus: Vec<String> = (0..len * 8)
        .filter(|&bit| bytes[bit / 8] & (1 << (bit % 8)) != 0)
        .map(|cpu| cpu.to_string())
        .collect();
    Some(format!("[{}]", cpus.join(" ")))
}

/// A socket address of `len` bytes.
pub(crate) fn sockaddr(ctx: &Ctx<'_>, address: u64, len: u64) -> Option<String> {
    let len = usize::try_from(len & 0xffff_ffff).ok()?.min(128);
    if len < 2 {
        return None;
    }
    let f = Fields::read(ctx, address, len)?;
    let family = u64::from(f.u16(0));
    let name = xval(family, flags::ADDRESS_FAMILIES, "AF_???");
    let body = match family {
        flags::AF_UNIX if len == 2 => String::new(),
        flags::AF_UNIX => {
            let path = &f.0[2..];
            if path.first() == Some(&0) {
                format!(", sun_path=@{}", quote(&path[1..], false))
            } else {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                format!(", sun_path={}", quote(&path[..end], false))
            }
        }
        flags::AF_INET if len >= 8 => {
            let port = u16::from_be_bytes(f.bytes(2));
            let ip = Ipv4Addr::from(f.bytes::<4>(4));
            format!(", sin_port=htons({port}), sin_addr=inet_addr(\"{ip}\")")
        }
        flags::AF_INET6 if len >= 24 => {
            let port = u16::from_be_bytes(f.bytes(2));
            let flow = u32::from_be_bytes(f.bytes(4));
            let ip = Ipv6Addr::from(f.bytes::<16>(8));
            let scope = if len >= 28 { f.u32(24) } else { 0 };
            format!(
                ", sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), \
                 inet_pton(AF_INET6, \"{ip}\", &sin6_addr), sin6_scope_id={scope}"
            )
        }
        flags::AF_NETLINK if len >= 12 => {
            format!(", nl_pid={}, nl_groups={:08x}", f.u32(4), f.u32(8))
        }
        _ => format!(", sa_data={}", quote(&f.0[2..], false)),
    };
    Some(format!("{{sa_family={name}{body}}}"))
}

/// `struct sigevent`: `{sigev_signo=SIGALRM, sigev_notify=SIGEV_SIGNAL}`.
pub(crate) fn sigevent(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let f = Fields::read(ctx, address, 20)?;
    let signo = f.i32(8);
    let signo = signal_name(signo).map_or_else(|| signo.to_string(), str::to_string);
    let notify = f.i32(12);
    let how = match notify {
        0 => "SIGEV_SIGNAL".to_string(),
        1 => "SIGEV_NONE".to_string(),
        2 => "SIGEV_THREAD".to_string(),
        4 => format!("SIGEV_THREAD_ID, sigev_notify_thread_id={}", f.i32(16)),
        other => format!("{} /* SIGEV_??? */", hex(u64::from(other.unsigned_abs()))),
    };
    Some(format!("{{sigev_signo={signo}, sigev_notify={how}}}"))
}

/// `struct msghdr`; with `filled`, the kernel wrote that many bytes into the iovecs (recvmsg).
pub(crate) fn msghdr(ctx: &Ctx<'_>, address: u64, filled: Option<u64>) -> Option<String> {
    let f = Fields::read(ctx, address, 56)?;
    let (name, namelen) = (f.u64(0), f.u32(8));
    let (iov, iovlen) = (f.u64(16), f.u64(24));
    let (control, controllen) = (f.u64(32), f.u64(40));
    let name = if name == 0 {
        addr(name)
    } else {
        sockaddr(ctx, name, namelen.into()).unwrap_or_else(|| addr(name))
    };
    let iovs = if iov == 0 {
        addr(iov)
    } else {
        iovecs(ctx, iov, iovlen, filled).unwrap_or_else(|| addr(iov))
    };
    let mut out =
        format!("{{msg_name={name}, msg_namelen={namelen}, msg_iov={iovs}, msg_iovlen={iovlen}, ");
    if controllen > 0 {
        let cmsgs = cmsgs(ctx, control, controllen).unwrap_or_else(|| addr(control));
        out.push_str(&format!("msg_control={cmsgs}, "));
    }
    let msg_flags = flags(f.u32(48).into(), flags::MSG_FLAGS, "MSG_???");
    out.push_str(&format!(
        "msg_controllen={controllen}, msg_flags={msg_flags}}}"
    ));
    Some(out)
}

/// Control messages: `[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}]`.
fn cmsgs(ctx: &Ctx<'_>, address: u64, len: u64) -> Option<String> {
    let bytes = ctx.read(address, usize::try_from(len.min(4096)).ok()?)?;
    let f = Fields(bytes);
    let mut items = Vec::new();
    let mut offset = 0;
    while offset + 16 <= f.0.len() {
        let cmsg_len = f.u64(offset);
        let (level, kind) = (f.i32(offset + 8), f.i32(offset + 12));
        let data_len = usize::try_from(cmsg_len).ok()?.saturating_sub(16);
        let data_end = (offset + 16 + data_len).min(f.0.len());
        let level_name = xval(u64::from(level as u32), flags::SOCK_LEVELS, "SOL_??");
        let mut item = format!("{{cmsg_len={cmsg_len}, cmsg_level={level_name}, cmsg_type=");
        match (level, kind) {
            (1, 1) => {
                let fds: Vec<String> = (offset + 16..data_end)
                    .step_by(4)
                    .filter(|&o| o + 4 <= data_end)
                    .map(|o| f.i32(o).to_string())
                    .collect();
                item.push_str(&format!("SCM_RIGHTS, cmsg_data=[{}]}}", fds.join(", ")));
            }
            (1, 2) if data_end >= offset + 28 => item.push_str(&format!(
                "SCM_CREDENTIALS, cmsg_data={{pid={}, uid={}, gid={}}}}}",
                f.i32(offset + 16),
                f.u32(offset + 20),
                f.u32(offset + 24)
            )),
            _ => item.push_str(&format!("{}}}", hex(u64::from(kind as u32)))),
        }
        items.push(item);
        if cmsg_len < 16 {
            break;
        }
        offset += usize::try_from((cmsg_len + 7) & !7).ok()?;
    }
    Some(format!("[{}]", items.join(", ")))
}

/// A wait status: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
pub(crate) fn wait_status(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let status = ctx.read_i32(address)?;
    let sig = |s: i32| signal_name(s).map_or_else(|| s.to_string(), str::to_string);
    let low = status & 0x7f;
    let mut text = if status & 0xffff == 0xffff {
        "WIFCONTINUED(s)".to_string()
    } else if low == 0 {
        format!("WIFEXITED(s) && WEXITSTATUS(s) == {}", (status >> 8) & 0xff)
    } else if low == 0x7f {
        format!(
            "WIFSTOPPED(s) && WSTOPSIG(s) == {}",
            sig((status >> 8) & 0xff)
        )
    } else {
        let core = if status & 0x80 != 0 {
            " && WCOREDUMP(s)"
        } else {
            ""
        };
        format!("WIFSIGNALED(s) && WTERMSIG(s) == {}{core}", sig(low))
    };
    text = format!("{{{text}}}");
    let event = (status >> 16) & 0xffff;
    if event != 0 {
        let name = match event {
            1 => "PTRACE_EVENT_FORK".to_string(),
            2 => "PTRACE_EVENT_VFORK".to_string(),
            3 => "PTRACE_EVENT_CLONE".to_string(),
            4 => "PTRACE_EVENT_EXEC".to_string(),
            5 => "PTRACE_EVENT_VFORK_DONE".to_string(),
            6 => "PTRACE_EVENT_EXIT".to_string(),
            7 => "PTRACE_EVENT_SECCOMP".to_string(),
            128 => "PTRACE_EVENT_STOP".to_string(),
            other => hex(u64::from(other.unsigned_abs())),
        };
        text.push_str(&format!(" | {name} << 16"));
    }
    Some(format!("[{text}]"))
}

/// A getdents buffer with `len` bytes filled: `0x55... /* 9 entries */`.
pub(crate) fn dirents(ctx: &Ctx<'_>, address: u64, len: u64) -> String {
    let Some(bytes) = usize::try_from(len)
        .ok()
        .and_then(|len| ctx.read(address, len))
    else {
        return addr(address);
    };
    let mut count = 0;
    let mut offset = 0;
    while offset + 18 <= bytes.len() {
        let reclen = usize::from(u16::from_le_bytes([bytes[offset + 16], bytes[offset + 17]]));
        if reclen == 0 {
            break;
        }
        count += 1;
        offset += reclen;
    }
    let noun = if count == 1 { "entry" } else { "entries" };
    format!("{address:#x} /* {count} {noun} */")
}
