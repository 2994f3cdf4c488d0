//! /proc and /sys, generated from the sentry's own tables: never the host's. Every PID and
//! TID is the sandbox's.

use std::sync::{Arc, Weak};

use super::synth::{SynthDir, SynthFile, SynthFs, SynthLink};
use super::{anon_dev, Inode, Path};
use crate::errno::Errno;
use crate::fs::{File, FileOps, Statfs};
use crate::kernel::process::ProcView;
use crate::kernel::{Kernel, Process};
use crate::mm::VmaKind;

const PROC_SUPER_MAGIC: i64 = 0x9fa0;
const SYSFS_MAGIC: i64 = 0x6265_6572;
/// The release uname reports (kept in one place with uname's).
pub const OSRELEASE: &str = "6.1.0";

type K = Weak<Kernel>;

fn kernel(k: &K) -> Result<Arc<Kernel>, Errno> {
    k.upgrade().ok_or(Errno::ESRCH)
}

/// The pid of the task the calling sentry thread serves.
fn current_pid() -> Option<(i32, i32)> {
    crate::kernel::process::current_ids()
}

fn file(
    fs: &SynthFs,
    f: impl Fn() -> Result<Vec<u8>, Errno> + Send + Sync + 'static,
) -> Arc<dyn Inode> {
    Arc::new(SynthFile::new(fs, 0o444, f))
}

fn text(fs: &SynthFs, s: impl Into<String>) -> Arc<dyn Inode> {
    Arc::new(SynthFile::text(fs, s.into().into_bytes()))
}

/// A new /proc.
pub fn new(k: K) -> Arc<dyn Inode> {
    let fs = SynthFs {
        dev: anon_dev(),
        magic: PROC_SUPER_MAGIC,
        uid: 0,
        gid: 0,
    };
    let fixed = fixed_entries(&fs, &k);
    let (fs2, k2) = (fs.clone(), k.clone());
    let list = move || {
        let mut out: Vec<(Vec<u8>, Arc<dyn Inode>)> = fixed
            .iter()
            .map(|(n, i)| (n.as_bytes().to_vec(), i.clone()))
            .collect();
        if let Some(kern) = k2.upgrade() {
            for p in kern.processes() {
                if p.lock().exit.is_none() {
                    out.push((
                        p.pid.to_string().into_bytes(),
                        pid_dir(&fs2, &k2, &p, p.pid),
                    ));
                }
            }
        }
        out
    };
    let (fs3, k3) = (fs.clone(), k.clone());
    let fixed2 = fixed_entries(&fs, &k);
    let find = move |name: &[u8]| -> Option<Arc<dyn Inode>> {
        if let Some((_, i)) = fixed2.iter().find(|(n, _)| n.as_bytes() == name) {
            return Some(i.clone());
        }
        let pid: i32 = std::str::from_utf8(name).ok()?.parse().ok()?;
        let kern = k3.upgrade()?;
        // /proc/TID works for threads too, as on Linux (hidden from the listing).
        let p = kern.thread_process(pid)?;
        Some(pid_dir(&fs3, &k3, &p, pid))
    };
    Arc::new(
        SynthDir::new(&fs, 0o555, list)
            .with_lookup(find)
            .with_ino(1),
    )
}

fn fixed_entries(fs: &SynthFs, k: &K) -> Vec<(&'static str, Arc<dyn Inode>)> {
    let kk = k.clone();
    let uptime = move || {
        let t = kernel(&kk)?.boot.elapsed().as_secs_f64();
        Ok(format!("{t:.2} {:.2}\n", t * 0.9).into_bytes())
    };
    let kk = k.clone();
    let loadavg = move || {
        let kern = kernel(&kk)?;
        let n = kern.processes().len();
        let last = kern.processes().last().map_or(1, |p| p.pid);
        Ok(format!("0.00 0.00 0.00 1/{n} {last}\n").into_bytes())
    };
    let kk = k.clone();
    let stat = move || {
        let kern = kernel(&kk)?;
        let mut s = String::from("cpu  0 0 0 0 0 0 0 0 0 0\n");
        for c in cpu_ids(&kern) {
            s.push_str(&format!("cpu{c} 0 0 0 0 0 0 0 0 0 0\n"));
        }
        let btime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_sub(kern.boot.elapsed())
            .as_secs();
        s.push_str(&format!(
            "intr 0\nctxt 0\nbtime {btime}\nprocesses {}\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n",
            kern.processes().len()
        ));
        Ok(s.into_bytes())
    };
    let kk = k.clone();
    let hostname = move || {
        let k = kernel(&kk)?;
        let mut name = k
            .uts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .hostname
            .clone();
        name.push(b'\n');
        Ok(name)
    };
    let sys_kernel = SynthDir::fixed(
        fs,
        0o555,
        vec![
            ("hostname", file(fs, hostname)),
            ("osrelease", text(fs, format!("{OSRELEASE}\n"))),
            ("ostype", text(fs, "Linux\n")),
            ("pid_max", text(fs, "4194304\n")),
            ("ngroups_max", text(fs, "65536\n")),
            ("cap_last_cap", text(fs, "40\n")),
            ("overflowuid", text(fs, "65534\n")),
            ("overflowgid", text(fs, "65534\n")),
            ("threads-max", text(fs, "4096\n")),
            ("shmmax", text(fs, "18446744073692774399\n")),
            ("shmall", text(fs, "18446744073692774399\n")),
            ("shmmni", text(fs, "4096\n")),
            ("msgmax", text(fs, "8192\n")),
            ("msgmnb", text(fs, "16384\n")),
            ("msgmni", text(fs, "32000\n")),
            ("sem", text(fs, "32000\t1024000000\t500\t32000\n")),
            (
                "random",
                Arc::new(SynthDir::fixed(
                    fs,
                    0o555,
                    vec![(
                        "boot_id",
                        text(fs, "5e2a3b1c-0d4f-4a6b-9c8d-7e6f5a4b3c2d\n"),
                    )],
                )),
            ),
        ],
    );
    let sys_fs = SynthDir::fixed(
        fs,
        0o555,
        vec![
            ("file-max", text(fs, "9223372036854775807\n")),
            ("nr_open", text(fs, "1048576\n")),
            (
                "mqueue",
                Arc::new(SynthDir::fixed(
                    fs,
                    0o555,
                    vec![
                        ("msg_default", text(fs, "10\n")),
                        ("msg_max", text(fs, "10\n")),
                        ("msgsize_default", text(fs, "8192\n")),
                        ("msgsize_max", text(fs, "8192\n")),
                        ("queues_max", text(fs, "256\n")),
                    ],
                )),
            ),
        ],
    );
    let sys_vm = SynthDir::fixed(
        fs,
        0o555,
        vec![
            ("overcommit_memory", text(fs, "0\n")),
            ("max_map_count", text(fs, "65530\n")),
        ],
    );
    let sys = SynthDir::fixed(
        fs,
        0o555,
        vec![
            ("kernel", Arc::new(sys_kernel)),
            ("fs", Arc::new(sys_fs)),
            ("vm", Arc::new(sys_vm)),
        ],
    );
    let self_link = SynthLink::new(fs, || {
        let (pid, _) = current_pid().ok_or(Errno::ENOENT)?;
        Ok(pid.to_string().into_bytes())
    });
    let thread_self = SynthLink::new(fs, || {
        let (pid, tid) = current_pid().ok_or(Errno::ENOENT)?;
        Ok(format!("{pid}/task/{tid}").into_bytes())
    });
    vec![
        ("self", Arc::new(self_link)),
        ("thread-self", Arc::new(thread_self)),
        ("cpuinfo", {
            let kk = k.clone();
            file(fs, move || Ok(cpuinfo(&cpu_ids(&*kernel(&kk)?)).into_bytes()))
        }),
        ("meminfo", file(fs, || Ok(meminfo().into_bytes()))),
        ("uptime", file(fs, uptime)),
        ("loadavg", file(fs, loadavg)),
        ("stat", file(fs, stat)),
        (
            "mounts",
            Arc::new(SynthLink::new(fs, || Ok(b"self/mounts".to_vec()))),
        ),
        (
            "filesystems",
            text(
                fs,
                "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\toverlay\nnodev\t9p\n",
            ),
        ),
        (
            "version",
            text(
                fs,
                format!("Linux version {OSRELEASE} (blinders) #1 SMP PREEMPT_DYNAMIC\n"),
            ),
        ),
        ("sys", Arc::new(sys)),
    ]
}

/// The CPUs in a sched_getaffinity-style mask, by number.
fn mask_ids(mask: &[u8]) -> Vec<usize> {
    mask.iter()
        .enumerate()
        .flat_map(|(i, b)| {
            (0..8)
                .filter(move |bit| b & (1 << bit) != 0)
                .map(move |bit| i * 8 + bit)
        })
        .collect()
}

/// The sandbox's CPUs, by the host's numbers (sched_getaffinity's mask): /proc and /sys list
/// these, and getcpu (the vDSO's and the syscall) reports them. (The sentry's own thread is
/// pinned to one, so its available parallelism says nothing about the sandbox's.)
fn cpu_ids(k: &Kernel) -> Vec<usize> {
    let ids = mask_ids(&k.cpu_mask);
    if ids.is_empty() {
        vec![0]
    } else {
        ids
    }
}

/// A CPU list as /sys and /proc write them: "0-3", "0,2-3".
fn cpu_list(ids: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        while i + 1 < ids.len() && ids[i + 1] == ids[i] + 1 {
            i += 1;
        }
        parts.push(if ids[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", ids[i])
        });
        i += 1;
    }
    parts.join(",")
}

/// /proc/cpuinfo: the processors the sandbox has, described generically (the host's own
/// model strings stay hidden).
fn cpuinfo(ids: &[usize]) -> String {
    let n = ids.len();
    let mut s = String::new();
    for (core, &c) in ids.iter().enumerate() {
        s.push_str(&format!(
            "processor\t: {c}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n\
             model name\t: Blinders virtual CPU\nstepping\t: 0\ncpu MHz\t\t: 2000.000\n\
             cache size\t: 16384 KB\nphysical id\t: 0\nsiblings\t: {n}\ncore id\t\t: {core}\n\
             cpu cores\t: {n}\napicid\t\t: {c}\nfpu\t\t: yes\nfpu_exception\t: yes\n\
             cpuid level\t: 13\nwp\t\t: yes\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic \
             sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx lm \
             constant_tsc rep_good nopl xtopology pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 \
             x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm avx2 bmi1 \
             bmi2\nbogomips\t: 4000.00\nclflush size\t: 64\ncache_alignment\t: 64\n\
             address sizes\t: 46 bits physical, 48 bits virtual\npower management:\n\n"
        ));
    }
    s
}

fn meminfo() -> String {
    // SAFETY: sysinfo fills the struct it is given.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: si is a valid out-pointer.
    unsafe { libc::sysinfo(&mut si) };
    let unit = u64::from(si.mem_unit.max(1));
    let kb = |x: u64| x * unit / 1024;
    let total = kb(si.totalram);
    let free = kb(si.freeram);
    format!(
        "MemTotal:       {total:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\n\
         Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n\
         SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\n"
    )
}

fn view(p: &Process) -> Result<ProcView, Errno> {
    p.lock().view.clone().ok_or(Errno::ESRCH)
}

/// The text a file's /proc/PID/fd link shows.
fn file_name(kern: &Kernel, root: &Path, f: &File) -> Vec<u8> {
    match &f.location {
        Some(p) => kern.vfs.path_bytes(p, root),
        None => f.ops.path().as_bytes().to_vec(),
    }
}

/// An inode that opens as an already-open file (a pipe reached through /proc/PID/fd/N).
struct OpenFileInode {
    file: Arc<File>,
}

impl Inode for OpenFileInode {
    fn stat(&self) -> Result<libc::stat, Errno> {
        self.file.stat()
    }
    fn statfs(&self) -> Result<Statfs, Errno> {
        self.file.ops.statfs()
    }
    fn open(self: Arc<Self>, _flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        Ok(self.file.ops.clone())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

/// Where /proc/PID/fd/N leads: the file's place in the tree, or the open file itself.
fn fd_target(kern: &Kernel, f: &Arc<File>) -> Path {
    match &f.location {
        Some(p) => p.clone(),
        None => Path {
            mnt: kern.vfs.root().mnt,
            dentry: super::Dentry::new_root(Arc::new(OpenFileInode { file: f.clone() })),
        },
    }
}

fn fd_dir(fs: &SynthFs, k: &K, p: &Arc<Process>, info: bool) -> Arc<dyn Inode> {
    let (fs2, k2, p2) = (fs.clone(), k.clone(), p.clone());
    let list = move || {
        let Ok(v) = view(&p2) else {
            return Vec::new();
        };
        let files: Vec<(i32, Arc<File>)> = v
            .fds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .collect();
        files
            .into_iter()
            .map(|(fd, f)| {
                let name = fd.to_string().into_bytes();
                let inode: Arc<dyn Inode> = if info {
                    let f2 = f.clone();
                    file(&fs2, move || {
                        let pos = f2.ops.seek(0, libc::SEEK_CUR).unwrap_or(0);
                        Ok(
                            format!("pos:\t{pos}\nflags:\t0{:o}\nmnt_id:\t1\n", f2.flags())
                                .into_bytes(),
                        )
                    })
                } else {
                    let (k3, k4, f3, f4, v2) =
                        (k2.clone(), k2.clone(), f.clone(), f.clone(), v.clone());
                    Arc::new(
                        SynthLink::new(&fs2, move || {
                            let kern = kernel(&k3)?;
                            let root = v2.fs.lock().unwrap_or_else(|e| e.into_inner()).root.clone();
                            Ok(file_name(&kern, &root, &f3))
                        })
                        .magic(move || Ok(fd_target(&*kernel(&k4)?, &f4))),
                    )
                };
                (name, inode)
            })
            .collect()
    };
    Arc::new(SynthDir::new(fs, 0o500, list).uncached())
}

/// A magic link to one of the process's places (cwd, root, exe).
fn place_link(
    fs: &SynthFs,
    k: &K,
    p: &Arc<Process>,
    which: fn(&ProcView) -> Option<Path>,
) -> Arc<dyn Inode> {
    let (k1, p1, p2) = (k.clone(), p.clone(), p.clone());
    Arc::new(
        SynthLink::new(fs, move || {
            let kern = kernel(&k1)?;
            let v = view(&p1)?;
            let root = v.fs.lock().unwrap_or_else(|e| e.into_inner()).root.clone();
            let target = which(&v).ok_or(Errno::ENOENT)?;
            Ok(kern.vfs.path_bytes(&target, &root))
        })
        .magic(move || which(&view(&p2)?).ok_or(Errno::ENOENT)),
    )
}

/// The one-letter state /proc shows.
fn state_letter(p: &Process) -> (char, &'static str) {
    let s = p.lock();
    if s.exit.is_some() {
        ('Z', "zombie")
    } else if s.stopped {
        ('T', "stopped")
    } else {
        ('S', "sleeping")
    }
}

fn pid_dir(fs: &SynthFs, k: &K, p: &Arc<Process>, tid: i32) -> Arc<dyn Inode> {
    let mut entries: Vec<(&str, Arc<dyn Inode>)> = Vec::new();
    let pp = p.clone();
    entries.push(("cmdline", file(fs, move || Ok(view(&pp)?.cmdline.to_vec()))));
    let pp = p.clone();
    entries.push(("environ", file(fs, move || Ok(view(&pp)?.environ.to_vec()))));
    let pp = p.clone();
    entries.push(("auxv", file(fs, move || Ok(view(&pp)?.auxv.to_vec()))));
    // mem: the address space itself, offsets being addresses, read and written regardless of
    // protections (as with ptrace's FOLL_FORCE): what debuggers read through. Accesses stop
    // at the first page that cannot be, EIO if that is the first.
    let pp = p.clone();
    let mem = super::synth::SynthRandomAccess::new(fs, 0o600, move || {
        let mm = view(&pp)?.mm.clone();
        let mm2 = mm.clone();
        let read = move |buf: &mut [u8], at: u64| {
            let mut done = 0;
            while done < buf.len() {
                let page_left = (platform::PAGE_SIZE
                    - (at.wrapping_add(done as u64) % platform::PAGE_SIZE))
                    as usize;
                let n = page_left.min(buf.len() - done);
                let addr = at.wrapping_add(done as u64);
                let chunk = &mut buf[done..done + n];
                // The vDSO lies above the app's range (platform's vdso module).
                if mm.read_code(addr, chunk).is_err() && !platform::read_vdso_code(addr, chunk) {
                    break;
                }
                done += n;
            }
            if done == 0 && !buf.is_empty() {
                return Err(Errno::EIO);
            }
            Ok(done)
        };
        let write = move |buf: &[u8], at: u64| {
            mm2.lock().fill(at, buf).map_err(|_| Errno::EIO)?;
            Ok(buf.len())
        };
        Ok((Box::new(read) as Box<_>, Box::new(write) as Box<_>))
    });
    entries.push(("mem", Arc::new(mem)));
    let pp = p.clone();
    entries.push((
        "comm",
        file(fs, move || {
            let mut c = view(&pp)?.comm;
            c.push(b'\n');
            Ok(c)
        }),
    ));
    entries.push(("exe", place_link(fs, k, p, |v| v.exe.clone())));
    entries.push((
        "cwd",
        place_link(fs, k, p, |v| {
            Some(v.fs.lock().unwrap_or_else(|e| e.into_inner()).cwd.clone())
        }),
    ));
    entries.push((
        "root",
        place_link(fs, k, p, |v| {
            Some(v.fs.lock().unwrap_or_else(|e| e.into_inner()).root.clone())
        }),
    ));
    entries.push(("fd", fd_dir(fs, k, p, false)));
    entries.push(("fdinfo", fd_dir(fs, k, p, true)));
    let (pp, kk) = (p.clone(), k.clone());
    entries.push((
        "stat",
        file(fs, move || stat_line(&*kernel(&kk)?, &pp, tid)),
    ));
    let (pp, kk) = (p.clone(), k.clone());
    entries.push(("status", file(fs, move || status(&*kernel(&kk)?, &pp, tid))));
    let pp = p.clone();
    entries.push((
        "statm",
        file(fs, move || {
            let v = view(&pp)?;
            let pages: u64 = v.mm.lock().iter().map(|m| (m.end - m.start) / 4096).sum();
            Ok(format!("{pages} 0 0 0 0 0 0\n").into_bytes())
        }),
    ));
    let pp = p.clone();
    entries.push(("maps", file(fs, move || Ok(maps(&view(&pp)?).into_bytes()))));
    let (pp, kk) = (p.clone(), k.clone());
    entries.push((
        "mounts",
        file(fs, move || mounts(&*kernel(&kk)?, &pp, false)),
    ));
    let (pp, kk) = (p.clone(), k.clone());
    entries.push((
        "mountinfo",
        file(fs, move || mounts(&*kernel(&kk)?, &pp, true)),
    ));
    entries.push(("limits", file(fs, || Ok(limits().into_bytes()))));
    entries.push(("oom_score_adj", text(fs, "0\n")));
    entries.push(("loginuid", text(fs, "4294967295")));
    entries.push(("cgroup", text(fs, "0::/\n")));
    let (fs2, k2, p2) = (fs.clone(), k.clone(), p.clone());
    let tasks = move || {
        let tids: Vec<i32> = p2.lock().thread_signals.keys().copied().collect();
        tids.into_iter()
            .map(|t| (t.to_string().into_bytes(), pid_dir(&fs2, &k2, &p2, t)))
            .collect()
    };
    if tid == p.pid {
        entries.push(("task", Arc::new(SynthDir::new(fs, 0o555, tasks).uncached())));
    }
    let mut fs_owned = fs.clone();
    if let Some(c) = p.lock().cred.clone() {
        fs_owned.uid = c.euid;
        fs_owned.gid = c.egid;
    }
    Arc::new(
        SynthDir::fixed(&fs_owned, 0o555, entries)
            .uncached()
            .with_ino(u64::from(tid as u32) << 8),
    )
}

fn stat_line(kern: &Kernel, p: &Arc<Process>, tid: i32) -> Result<Vec<u8>, Errno> {
    let v = view(p)?;
    let (ppid, pgid, sid, threads) = {
        let s = p.lock();
        (s.ppid, s.pgid, s.sid, s.threads)
    };
    let (state, _) = state_letter(p);
    // The controlling terminal's device number, as Linux encodes it, and its foreground group.
    let (tty_nr, tpgid) = crate::fs::tty::pty::ctty_of(p)
        .map_or((0, -1), |t| (t.tty_nr(), t.session().1.unwrap_or(0)));
    let ticks = |d: std::time::Duration| d.as_millis() as u64 / 10;
    let start = ticks(v.start);
    let vsize: u64 = v.mm.lock().iter().map(|m| m.end - m.start).sum();
    let _ = kern;
    let comm = String::from_utf8_lossy(&v.comm);
    Ok(format!(
        "{tid} ({comm}) {state} {ppid} {pgid} {sid} {tty_nr} {tpgid} 4194560 0 0 0 0 0 0 0 0 20 0 {threads} 0 \
         {start} {vsize} {rss} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 \
         0 0 0 0 0\n",
        rss = vsize / 4096,
    )
    .into_bytes())
}

/// RLIMIT_SIGPENDING, which the sandbox's processes start with (the host's).
fn sigpending_limit() -> u64 {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit to a valid pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_SIGPENDING, &mut l) };
    l.rlim_cur
}

fn status(kern: &Kernel, p: &Arc<Process>, tid: i32) -> Result<Vec<u8>, Errno> {
    let v = view(p)?;
    let (ppid, pgid, sid, threads, nnp) = {
        let s = p.lock();
        (s.ppid, s.pgid, s.sid, s.threads, s.no_new_privs)
    };
    // The signal lines: this thread's pending and blocked signals, the process's pending
    // ones, everything queued, and the ignored and caught signals (bit 0: signal 1).
    let (pending, blocked, thread_pending, queued, ignored, caught) = {
        let s = p.lock();
        let t = s.thread_signals.get(&tid);
        let queued: usize = s.thread_signals.values().map(|t| t.pending().count()).sum();
        let (mut ign, mut cgt) = (0u64, 0u64);
        for (i, a) in s.actions.iter().enumerate() {
            match a.handler {
                crate::kernel::signal::SIG_IGN => ign |= 1 << i,
                0 => {}
                _ => cgt |= 1 << i,
            }
        }
        (
            s.pending.set,
            t.map_or(0, |t| t.mask()),
            t.map_or(0, |t| t.pending().set),
            queued + s.pending.count(),
            ign,
            cgt,
        )
    };
    let queue_limit = sigpending_limit();
    let (seccomp, seccomp_filters) = {
        let t = p.lock().thread_signals.get(&tid).cloned();
        t.map_or((0, 0), |t| {
            let m = t.seccomp();
            (m.number(), m.filters())
        })
    };
    // The thread's own affinity (sched_setaffinity), else the sandbox's CPUs.
    let cpus_allowed = {
        let mask = p.lock().affinity.get(&tid).cloned();
        cpu_list(&mask.map_or_else(|| cpu_ids(kern), |m| mask_ids(&m)))
    };
    let (letter, word) = state_letter(p);
    let c = p.lock().cred.clone().unwrap_or_else(|| kern.initial_cred());
    let vsize: u64 = v.mm.lock().iter().map(|m| m.end - m.start).sum::<u64>() / 1024;
    let groups: Vec<String> = c.groups.iter().map(|g| g.to_string()).collect();
    let fds = v
        .fds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .count();
    Ok(format!(
        "Name:\t{}\nUmask:\t{:04o}\nState:\t{letter} ({word})\nTgid:\t{}\nNgid:\t0\nPid:\t{tid}\n\
         PPid:\t{ppid}\nTracerPid:\t0\nUid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\n\
         FDSize:\t{}\nGroups:\t{}\nNStgid:\t{}\nNSpid:\t{tid}\nNSpgid:\t{}\nNSsid:\t{}\n\
         VmPeak:\t{vsize:8} kB\nVmSize:\t{vsize:8} kB\nVmRSS:\t{vsize:8} kB\nThreads:\t{threads}\n\
         SigQ:\t{queued}/{queue_limit}\nSigPnd:\t{thread_pending:016x}\nShdPnd:\t{pending:016x}\n\
         SigBlk:\t{blocked:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\nCapInh:\t{:016x}\n\
         CapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n\
         NoNewPrivs:\t{}\nSeccomp:\t{seccomp}\nSeccomp_filters:\t{seccomp_filters}\nCpus_allowed_list:\t{}\n\
         voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        String::from_utf8_lossy(&v.comm),
        v.fs.lock().unwrap_or_else(|e| e.into_inner()).umask,
        p.pid,
        c.ruid,
        c.euid,
        c.suid,
        c.fsuid,
        c.rgid,
        c.egid,
        c.sgid,
        c.fsgid,
        fds.next_power_of_two().max(64),
        groups.join(" "),
        p.pid,
        pgid,
        sid,
        c.cap_inheritable,
        c.cap_permitted,
        c.cap_effective,
        u8::from(nnp),
        cpus_allowed,
    )
    .into_bytes())
}

fn maps(v: &ProcView) -> String {
    let mut s = String::new();
    for m in v.mm.lock().iter() {
        let p = m.prot;
        let perms = format!(
            "{}{}{}p",
            if p.contains(platform::Prot::READ) {
                'r'
            } else {
                '-'
            },
            if p.contains(platform::Prot::WRITE) {
                'w'
            } else {
                '-'
            },
            if p.contains(platform::Prot::EXEC) {
                'x'
            } else {
                '-'
            },
        );
        let (offset, name) = match &m.kind {
            VmaKind::File { path, offset, .. } => (*offset, path.to_string()),
            VmaKind::Heap => (0, "[heap]".to_string()),
            VmaKind::Stack => (0, "[stack]".to_string()),
            VmaKind::Anon => (0, String::new()),
        };
        let line = format!("{:08x}-{:08x} {perms} {offset:08x} 00:00 0", m.start, m.end);
        if name.is_empty() {
            s.push_str(&line);
            s.push('\n');
        } else {
            s.push_str(&format!("{line:<73}{name}\n"));
        }
    }
    // The vDSO and its data pages, kept by the stub above the app's range.
    for (start, end, name) in platform::vdso_mappings() {
        let perms = if name == "[vdso]" { "r-xp" } else { "r--p" };
        let line = format!("{start:08x}-{end:08x} {perms} 00000000 00:00 0");
        s.push_str(&format!("{line:<73}{name}\n"));
    }
    s
}

fn mounts(kern: &Kernel, p: &Arc<Process>, info: bool) -> Result<Vec<u8>, Errno> {
    let v = view(p)?;
    let root = v.fs.lock().unwrap_or_else(|e| e.into_inner()).root.clone();
    let mut s = String::new();
    for m in kern.vfs.mounts() {
        let at = match &m.parent {
            Some(at) => kern.vfs.path_string(at, &root),
            None => "/".to_string(),
        };
        let opts = if m.read_only() { "ro" } else { "rw" };
        if info {
            let parent = m.parent.as_ref().map_or(m.id, |p| p.mnt.id);
            s.push_str(&format!(
                "{} {parent} 0:{} / {at} {opts},relatime - {} {} {opts}\n",
                m.id, m.id, m.fs_type, m.source
            ));
        } else {
            s.push_str(&format!(
                "{} {at} {} {opts},relatime 0 0\n",
                m.source, m.fs_type
            ));
        }
    }
    Ok(s.into_bytes())
}

fn limits() -> String {
    let mut s = format!(
        "{:<26}{:<21}{:<21}{:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    let rows = [
        ("Max cpu time", libc::RLIMIT_CPU, "seconds"),
        ("Max file size", libc::RLIMIT_FSIZE, "bytes"),
        ("Max data size", libc::RLIMIT_DATA, "bytes"),
        ("Max stack size", libc::RLIMIT_STACK, "bytes"),
        ("Max core file size", libc::RLIMIT_CORE, "bytes"),
        ("Max resident set", libc::RLIMIT_RSS, "bytes"),
        ("Max processes", libc::RLIMIT_NPROC, "processes"),
        ("Max open files", libc::RLIMIT_NOFILE, "files"),
    ];
    for (name, res, unit) in rows {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit.
        unsafe { libc::getrlimit(res, &mut l) };
        let show = |v: u64| {
            if v == libc::RLIM_INFINITY {
                "unlimited".to_string()
            } else {
                v.to_string()
            }
        };
        s.push_str(&format!(
            "{name:<26}{:<21}{:<21}{unit:<10}\n",
            show(l.rlim_cur),
            show(l.rlim_max)
        ));
    }
    s
}

/// A new /sys: the little programs read (the CPU lists).
pub fn new_sys(k: K) -> Arc<dyn Inode> {
    let fs = SynthFs {
        dev: anon_dev(),
        magic: SYSFS_MAGIC,
        uid: 0,
        gid: 0,
    };
    let list = |k: &K| {
        let k = k.clone();
        move || Ok(format!("{}\n", cpu_list(&cpu_ids(&*kernel(&k)?))).into_bytes())
    };
    let cpu = SynthDir::fixed(
        &fs,
        0o755,
        vec![
            ("online", file(&fs, list(&k))),
            ("possible", file(&fs, list(&k))),
            ("present", file(&fs, list(&k))),
        ],
    );
    let system = SynthDir::fixed(&fs, 0o755, vec![("cpu", Arc::new(cpu))]);
    let devices = SynthDir::fixed(&fs, 0o755, vec![("system", Arc::new(system))]);
    let empty =
        |fs: &SynthFs| -> Arc<dyn Inode> { Arc::new(SynthDir::fixed(fs, 0o755, Vec::new())) };
    Arc::new(SynthDir::fixed(
        &fs,
        0o555,
        vec![
            ("devices", Arc::new(devices)),
            ("fs", empty(&fs)),
            ("kernel", empty(&fs)),
            ("class", empty(&fs)),
            ("bus", empty(&fs)),
        ],
    ))
}
