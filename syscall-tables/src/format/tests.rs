//! Expected strings are lines strace 6.1 printed on this host for the same calls (addresses and
//! values copied from its output into the fake memory).

use super::*;
use crate::SYSCALL_TABLE_LEN;

/// App memory for tests: a few regions at fixed addresses.
#[derive(Default)]
struct Mem {
    regions: Vec<(u64, Vec<u8>)>,
}

impl Mem {
    fn put(&mut self, address: u64, bytes: &[u8]) -> u64 {
        self.regions.push((address, bytes.to_vec()));
        address
    }
    fn put_u64s(&mut self, address: u64, words: &[u64]) -> u64 {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.put(address, &bytes)
    }
    fn put_i32s(&mut self, address: u64, words: &[i32]) -> u64 {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.put(address, &bytes)
    }
    fn read(&self, address: u64, len: usize) -> Option<Vec<u8>> {
        self.regions.iter().find_map(|(start, bytes)| {
            let offset = usize::try_from(address.checked_sub(*start)?).ok()?;
            (offset < bytes.len()).then(|| bytes[offset..bytes.len().min(offset + len)].to_vec())
        })
    }
}

fn call(mem: &Mem, nr: u64, args: &[u64], ret: Option<i64>) -> String {
    let mut regs = [0u64; 6];
    regs[..args.len()].copy_from_slice(args);
    format_syscall(nr, &regs, ret, &|a, l| mem.read(a, l))
}

fn neg(v: i64) -> u64 {
    v as u64
}

#[test]
fn startup_of_bin_true() {
    let mut m = Mem::default();
    let cache = m.put(0x1000, b"/etc/ld.so.cache\0");
    let preload = m.put(0x2000, b"/etc/ld.so.preload\0");
    let empty = m.put(0x3000, b"\0");
    m.put(0x7ffc_0000, &{
        let mut st = vec![0u8; 144];
        st[24..28].copy_from_slice(&0o100644u32.to_le_bytes());
        st[48..56].copy_from_slice(&33699i64.to_le_bytes());
        st
    });
    let elf =
        b"\x7fELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10t\x02\0\0\0\0\0\0\0\0\0";
    m.put(0x7ffc_1000, elf);
    m.put_u64s(0x7ffc_2000, &[8192 * 1024, u64::MAX]);

    assert_eq!(
        call(&m, nr::BRK, &[0], Some(0x55e1_9e01_0000)),
        "brk(NULL) = 0x55e19e010000"
    );
    assert_eq!(
        call(
            &m,
            nr::MMAP,
            &[0, 8192, 3, 0x22, neg(-1), 0],
            Some(0x7fa2_fdc7_d000)
        ),
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fa2fdc7d000"
    );
    assert_eq!(
        call(&m, nr::ACCESS, &[preload, 4], Some(-2)),
        r#"access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        call(&m, nr::OPENAT, &[neg(-100), cache, 0o2000000], Some(3)),
        r#"openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3"#
    );
    assert_eq!(
        call(
            &m,
            nr::NEWFSTATAT,
            &[3, empty, 0x7ffc_0000, 0x1000],
            Some(0)
        ),
        r#"newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=33699, ...}, AT_EMPTY_PATH) = 0"#
    );
    assert_eq!(
        call(&m, nr::READ, &[3, 0x7ffc_1000, 832], Some(832)),
        r#"read(3, "\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0\0\0\0\0"..., 832) = 832"#
    );
    assert_eq!(
        call(&m, nr::MMAP, &[0x7fa2_fdab_8000, 1400832, 5, 0x812, 3, 0x26000], Some(0x7fa2_fdab_8000)),
        "mmap(0x7fa2fdab8000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7fa2fdab8000"
    );
    assert_eq!(call(&m, nr::CLOSE, &[3], Some(0)), "close(3) = 0");
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1002, 0x7fa2_fda8_f740], Some(0)),
        "arch_prctl(ARCH_SET_FS, 0x7fa2fda8f740) = 0"
    );
    assert_eq!(
        call(&m, nr::SET_TID_ADDRESS, &[0x7fa2_fda8_fa10], Some(2200)),
        "set_tid_address(0x7fa2fda8fa10) = 2200"
    );
    assert_eq!(
        call(&m, nr::SET_ROBUST_LIST, &[0x7fa2_fda8_fa20, 24], Some(0)),
        "set_robust_list(0x7fa2fda8fa20, 24) = 0"
    );
    assert_eq!(
        call(
            &m,
            nr::RSEQ,
            &[0x7fa2_fda9_0060, 0x20, 0, 0x5305_3053],
            Some(0)
        ),
        "rseq(0x7fa2fda90060, 0x20, 0, 0x53053053) = 0"
    );
    assert_eq!(
        call(&m, nr::MPROTECT, &[0x7fa2_fdc6_1000, 16384, 1], Some(0)),
        "mprotect(0x7fa2fdc61000, 16384, PROT_READ) = 0"
    );
    assert_eq!(
        call(&m, nr::PRLIMIT64, &[0, 3, 0, 0x7ffc_2000], Some(0)),
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
    );
    assert_eq!(
        call(&m, nr::MUNMAP, &[0x7fa2_fdc7_4000, 33699], Some(0)),
        "munmap(0x7fa2fdc74000, 33699) = 0"
    );
    assert_eq!(call(&m, nr::EXIT_GROUP, &[0], None), "exit_group(0) = ?");
    assert_eq!(call(&m, nr::EXIT_GROUP, &[3], Some(0)), "exit_group(3) = ?");
}

#[test]
fn aligned_like_strace() {
    let m = Mem::default();
    let aligned = |nr, args: &[u64], ret| {
        let mut regs = [0u64; 6];
        regs[..args.len()].copy_from_slice(args);
        format_syscall_aligned(nr, &regs, ret, &|a, l| m.read(a, l))
    };
    assert_eq!(
        aligned(nr::CLOSE, &[3], Some(0)),
        "close(3)                                = 0"
    );
    assert_eq!(
        aligned(nr::BRK, &[0], Some(0x55e1_9e01_0000)),
        "brk(NULL)                               = 0x55e19e010000"
    );
    assert_eq!(
        aligned(nr::MPROTECT, &[0x7fa2_fdc6_1000, 16384, 1], Some(0)),
        "mprotect(0x7fa2fdc61000, 16384, PROT_READ) = 0"
    );
    assert_eq!(
        aligned(nr::EXIT_GROUP, &[0], None),
        "exit_group(0)                           = ?"
    );
}

#[test]
fn execve() {
    let mut m = Mem::default();
    let path = m.put(0x1000, b"/bin/true\0");
    let argv = m.put_u64s(0x2000, &[path, 0]);
    let env: Vec<u64> = (0..39).map(|i| 0x3000 + i).chain([0]).collect();
    let envp = m.put_u64s(0x7fff_3fd8_a9f0, &env);
    assert_eq!(
        call(&m, nr::EXECVE, &[path, argv, envp], Some(0)),
        r#"execve("/bin/true", ["/bin/true"], 0x7fff3fd8a9f0 /* 39 vars */) = 0"#
    );
    assert_eq!(
        call(&m, nr::EXECVE, &[path, argv, envp], None),
        r#"execve("/bin/true", ["/bin/true"], 0x7fff3fd8a9f0 /* 39 vars */) = ?"#
    );
    // argv elements and the array itself are cut at 32.
    let x = m.put(0x4000, b"x\0");
    let a = m.put(0x4100, b"a\nb\0");
    let mut many = vec![x; 39];
    many.push(0);
    let many = m.put_u64s(0x5000, &many);
    let one_env = m.put_u64s(0x6000, &[x, 0]);
    let dots = vec!["\"x\""; 32].join(", ");
    assert_eq!(
        call(&m, nr::EXECVE, &[0x9999_0000, many, one_env], Some(-2)),
        format!("execve(0x99990000, [{dots}, ...], 0x6000 /* 1 var */) = -1 ENOENT (No such file or directory)")
    );
    let two = m.put_u64s(0x7000, &[path, a, 0]);
    assert_eq!(
        call(&m, nr::EXECVE, &[path, two, 0], Some(-2)),
        r#"execve("/bin/true", ["/bin/true", "a\nb"], NULL) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        call(&m, nr::EXECVE, &[0, 0, 0], Some(-14)),
        "execve(NULL, NULL, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        call(&m, nr::EXECVE, &[0x10, 0x10, 0x10], Some(-14)),
        "execve(0x10, 0x10, 0x10) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn strings_and_buffers() {
    let mut m = Mem::default();
    let text = m.put(
        0x1000,
        b"hello\n\t\\\"\x7f\x01\x80\xff abcdefghijklmnopqrstuvwxyz0123456789",
    );
    assert_eq!(
        call(&m, nr::WRITE, &[1, text, 50], Some(50)),
        r#"write(1, "hello\n\t\\\"\177\1\200\377 abcdefghijklmnopqr"..., 50) = 50"#
    );
    assert_eq!(
        call(&m, nr::WRITE, &[1, text, 0], Some(0)),
        r#"write(1, "", 0) = 0"#
    );
    assert_eq!(
        call(&m, nr::WRITE, &[1, 0, 0], Some(0)),
        "write(1, NULL, 0) = 0"
    );
    // Out-buffers show what the kernel returned, or the address after a failure.
    let xy = m.put(0x2000, b"xy\0\0\0\0\0\0\0\0");
    assert_eq!(
        call(&m, nr::READ, &[5, xy, 10], Some(2)),
        r#"read(5, "xy", 10) = 2"#
    );
    assert_eq!(
        call(&m, nr::READ, &[neg(-5), 0x7ffc_fe7c_fb70, 10], Some(-9)),
        "read(-5, 0x7ffcfe7cfb70, 10) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        call(&m, nr::READ, &[3, 0, 10], Some(-9)),
        "read(3, NULL, 10) = -1 EBADF (Bad file descriptor)"
    );
    // Unreadable memory prints the address.
    assert_eq!(
        call(&m, nr::OPENAT, &[9, 0x10, 0], Some(-14)),
        "openat(9, 0x10, O_RDONLY) = -1 EFAULT (Bad address)"
    );
    // Paths are not cut at 32, other strings are.
    let long = m.put(0x3000, &[b'a'; 60]);
    m.put(0x3000 + 59, b"\0");
    let mut regions = Mem::default();
    let mut name = vec![b'a'; 59];
    name.push(0);
    let long_path = regions.put(0x3000, &name);
    assert_eq!(long, long_path);
    let a59 = "a".repeat(59);
    assert_eq!(
        call(&regions, nr::MKDIR, &[long_path, 0], Some(0)),
        format!(r#"mkdir("{a59}", 000) = 0"#)
    );
    assert_eq!(
        call(&regions, nr::MEMFD_CREATE, &[long_path, 1], Some(3)),
        format!(r#"memfd_create("{}"..., MFD_CLOEXEC) = 3"#, &a59[..32])
    );
    let mut exact = vec![b'b'; 32];
    exact.push(0);
    let exact = regions.put(0x5000, &exact);
    assert_eq!(
        call(&regions, nr::MEMFD_CREATE, &[exact, 0], Some(3)),
        format!(r#"memfd_create("{}", 0) = 3"#, "b".repeat(32))
    );
    // A string running into unreadable memory without a NUL cannot be shown.
    let unterminated = regions.put(0x6000, b"abc");
    assert_eq!(
        call(&regions, nr::CHDIR, &[unterminated], Some(-14)),
        "chdir(0x6000) = -1 EFAULT (Bad address)"
    );
    // getrandom's buffer is shown in hex.
    let random = m.put(0x4000, b"\x74\x44\x14\x71\x45\xba\x9a\x46");
    assert_eq!(
        call(&m, nr::GETRANDOM, &[random, 8, 1], Some(8)),
        r#"getrandom("\x74\x44\x14\x71\x45\xba\x9a\x46", 8, GRND_NONBLOCK) = 8"#
    );
    // getcwd and readlink fill a path whose length is the return value.
    let cwd = m.put(0x5000, b"/tmp/st\0garbage");
    assert_eq!(
        call(&m, nr::GETCWD, &[cwd, 100], Some(8)),
        r#"getcwd("/tmp/st", 100) = 8"#
    );
    let proc_exe = m.put(0x6000, b"/proc/self/exe\0");
    let target = m.put(0x7000, b"/tmp/st/tgarbage");
    assert_eq!(
        call(&m, nr::READLINK, &[proc_exe, target, 100], Some(9)),
        r#"readlink("/proc/self/exe", "/tmp/st/t", 100) = 9"#
    );
}

#[test]
fn open_flags_and_modes() {
    let mut m = Mem::default();
    let hostname = m.put(0x1000, b"/etc/hostname\0");
    let x = m.put(0x2000, b"/tmp/st/x\0");
    let tmp = m.put(0x3000, b"/tmp\0");
    assert_eq!(
        call(
            &m,
            nr::OPENAT,
            &[
                neg(-100),
                hostname,
                0o1040000 | 0o400000 | 0o40000 | 0x4000000
            ],
            Some(7)
        ),
        r#"openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_DIRECT|O_NOFOLLOW|O_NOATIME|0x4000000) = 7"#
    );
    assert_eq!(
        call(&m, nr::OPENAT, &[neg(-100), x, 0o3301, 0o644], Some(8)),
        r#"openat(AT_FDCWD, "/tmp/st/x", O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_APPEND, 0644) = 8"#
    );
    assert_eq!(
        call(
            &m,
            nr::OPENAT,
            &[neg(-100), tmp, 0o20200002, 0o600],
            Some(9)
        ),
        r#"openat(AT_FDCWD, "/tmp", O_RDWR|O_TMPFILE, 0600) = 9"#
    );
    assert_eq!(
        call(&m, nr::OPEN, &[tmp, 0o100, 0o4755], Some(3)),
        r#"open("/tmp", O_RDONLY|O_CREAT, 04755) = 3"#
    );
    assert_eq!(
        call(&m, nr::PIPE2, &[0, 0o4000 | 0o2000000], Some(-14)),
        "pipe2(NULL, O_NONBLOCK|O_CLOEXEC) = -1 EFAULT (Bad address)"
    );
    let fds = m.put_i32s(0x4000, &[3, 4]);
    assert_eq!(
        call(&m, nr::PIPE2, &[fds, 0], Some(0)),
        "pipe2([3, 4], 0) = 0"
    );
    assert_eq!(
        call(&m, nr::DUP3, &[0, 101, 0o2000000], Some(101)),
        "dup3(0, 101, O_CLOEXEC) = 101"
    );
    assert_eq!(call(&m, nr::UMASK, &[0o22], Some(0o22)), "umask(022) = 022");
    assert_eq!(call(&m, nr::UMASK, &[0], Some(0o22)), "umask(000) = 022");
    assert_eq!(
        call(&m, nr::MKNODAT, &[neg(-100), x, 0o20600, 0x103], Some(-2)),
        r#"mknodat(AT_FDCWD, "/tmp/st/x", S_IFCHR|0600, makedev(0x1, 0x3)) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        call(&m, nr::NEWFSTATAT, &[neg(-100), tmp, 0, 0x10900], Some(-22)),
        r#"newfstatat(AT_FDCWD, "/tmp", NULL, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|0x10000) = -1 EINVAL (Invalid argument)"#
    );
    assert_eq!(
        call(&m, nr::UNLINKAT, &[neg(-100), tmp, 0x200], Some(0)),
        r#"unlinkat(AT_FDCWD, "/tmp", AT_REMOVEDIR) = 0"#
    );
    assert_eq!(
        call(
            &m,
            nr::FACCESSAT2,
            &[neg(-100), tmp, 0x10, 0x200],
            Some(-22)
        ),
        r#"faccessat2(AT_FDCWD, "/tmp", 0x10 /* ?_OK */, AT_EACCESS) = -1 EINVAL (Invalid argument)"#
    );
    assert_eq!(
        call(&m, nr::ACCESS, &[tmp, 0], Some(0)),
        r#"access("/tmp", F_OK) = 0"#
    );
    assert_eq!(
        call(&m, nr::LSEEK, &[0, neg(-5), 2], Some(0)),
        "lseek(0, -5, SEEK_END) = 0"
    );
    assert_eq!(
        call(&m, nr::LSEEK, &[0, 5, 7], Some(-22)),
        "lseek(0, 5, 0x7 /* SEEK_??? */) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn stat_family() {
    let mut m = Mem::default();
    let empty = m.put(0x1000, b"\0");
    let mut st = vec![0u8; 144];
    st[24..28].copy_from_slice(&0o20666u32.to_le_bytes());
    st[40..48].copy_from_slice(&0x103u64.to_le_bytes());
    let st = m.put(0x2000, &st);
    assert_eq!(
        call(&m, nr::NEWFSTATAT, &[0, empty, st, 0x1000], Some(0)),
        r#"newfstatat(0, "", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_EMPTY_PATH) = 0"#
    );
    assert_eq!(
        call(&m, nr::FSTAT, &[0, st], Some(-9)),
        "fstat(0, 0x2000) = -1 EBADF (Bad file descriptor)"
    );
    let passwd = m.put(0x3000, b"/etc/passwd\0");
    let mut sx = vec![0u8; 256];
    sx[0..4].copy_from_slice(&0x17ffu32.to_le_bytes());
    sx[28..30].copy_from_slice(&0o100644u16.to_le_bytes());
    sx[40..48].copy_from_slice(&1221u64.to_le_bytes());
    let sx = m.put(0x4000, &sx);
    assert_eq!(
        call(
            &m,
            nr::STATX,
            &[neg(-100), passwd, 0x4000, 0x7ff, sx],
            Some(0)
        ),
        r#"statx(AT_FDCWD, "/etc/passwd", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=1221, ...}) = 0"#
    );
    assert_eq!(
        call(
            &m,
            nr::STATX,
            &[neg(-100), passwd, 0x100, 0xfff, sx],
            Some(0)
        ),
        r#"statx(AT_FDCWD, "/etc/passwd", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_ALL, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=1221, ...}) = 0"#
    );
    let mut dents = Vec::new();
    for _ in 0..9 {
        let mut d = vec![0u8; 24];
        d[16..18].copy_from_slice(&24u16.to_le_bytes());
        dents.extend(d);
    }
    let dents = m.put(0x5561_9dab_12d0, &dents);
    assert_eq!(
        call(&m, nr::GETDENTS64, &[9, dents, 32768], Some(216)),
        "getdents64(9, 0x55619dab12d0 /* 9 entries */, 32768) = 216"
    );
    assert_eq!(
        call(&m, nr::GETDENTS64, &[9, dents, 32768], Some(0)),
        "getdents64(9, 0x55619dab12d0 /* 0 entries */, 32768) = 0"
    );
}

#[test]
fn memory_calls() {
    let m = Mem::default();
    assert_eq!(
        call(&m, nr::MMAP, &[0x10000, 4096, 0x0100_0007, 0x0802_8031 | 0x4000, neg(-1), 0], Some(0x10000)),
        "mmap(0x10000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC|PROT_GROWSDOWN, MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|2<<MAP_HUGE_SHIFT, -1, 0) = 0x10000"
    );
    assert_eq!(
        call(&m, nr::MMAP, &[0, 4096, 0, 0x1d_2163, neg(-1), 0], Some(-17)),
        "mmap(NULL, 4096, PROT_NONE, MAP_SHARED_VALIDATE|MAP_ANONYMOUS|MAP_32BIT|MAP_NONBLOCK|MAP_GROWSDOWN|MAP_LOCKED|MAP_HUGETLB|MAP_SYNC|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)"
    );
    assert_eq!(
        call(&m, nr::MUNMAP, &[0, 0], Some(-22)),
        "munmap(NULL, 0) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::MADVISE, &[0x7f54_13d9_e000, 8368128, 4], Some(0)),
        "madvise(0x7f5413d9e000, 8368128, MADV_DONTNEED) = 0"
    );
    assert_eq!(
        call(&m, nr::MADVISE, &[0, 0, 5], Some(-22)),
        "madvise(NULL, 0, 0x5 /* MADV_??? */) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::MREMAP, &[0x1000, 0, 0, 1, 0x5000], Some(-22)),
        "mremap(0x1000, 0, 0, MREMAP_MAYMOVE) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::MREMAP, &[0x1000, 0, 0, 3, 0x5000], Some(0x5000)),
        "mremap(0x1000, 0, 0, MREMAP_MAYMOVE|MREMAP_FIXED, 0x5000) = 0x5000"
    );
    assert_eq!(
        call(&m, nr::MSYNC, &[0, 0, 0xffff_ffff], Some(-22)),
        "msync(NULL, 0, MS_SYNC|MS_ASYNC|MS_INVALIDATE|0xfffffff8) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn signals() {
    let mut m = Mem::default();
    let bit = |s: u32| 1u64 << (s - 1);
    let set = m.put_u64s(0x1000, &[bit(2) | bit(15) | bit(34) | bit(40)]);
    let full = m.put_u64s(0x2000, &[!(bit(9) | bit(32) | bit(33))]);
    let empty = m.put_u64s(0x3000, &[0]);
    assert_eq!(
        call(&m, nr::RT_SIGPROCMASK, &[0, set, 0, 8], Some(0)),
        "rt_sigprocmask(SIG_BLOCK, [INT TERM RT_2 RT_8], NULL, 8) = 0"
    );
    assert_eq!(
        call(&m, nr::RT_SIGPROCMASK, &[2, full, set, 8], Some(0)),
        "rt_sigprocmask(SIG_SETMASK, ~[KILL RTMIN RT_1], [INT TERM RT_2 RT_8], 8) = 0"
    );
    assert_eq!(
        call(&m, nr::RT_SIGPROCMASK, &[7, 0, 0, 8], Some(0)),
        "rt_sigprocmask(0x7 /* SIG_??? */, NULL, NULL, 8) = 0"
    );
    let all = m.put_u64s(0x4000, &[u64::MAX]);
    assert_eq!(
        call(&m, nr::RT_SIGPROCMASK, &[0, all, empty, 8], Some(0)),
        "rt_sigprocmask(SIG_BLOCK, ~[], [], 8) = 0"
    );
    let act = m.put_u64s(0x5000, &[1, 0x1400_0004, 0x7f1e_e25f_1050, bit(17)]);
    let old = m.put_u64s(0x6000, &[0, 0, 0, 0]);
    assert_eq!(
        call(&m, nr::RT_SIGACTION, &[13, act, old, 8], Some(0)),
        "rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[CHLD], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f1ee25f1050}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"
    );
    let odd = m.put_u64s(0x7000, &[u64::MAX, 0xffff_ffff, 0x1234, u64::MAX]);
    assert_eq!(
        call(&m, nr::RT_SIGACTION, &[10, odd, 0, 8], Some(-22)),
        "rt_sigaction(SIGUSR1, {sa_handler=SIG_ERR, sa_mask=~[], sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_INTERRUPT|SA_NODEFER|SA_RESETHAND|SA_SIGINFO|SA_NOCLDSTOP|SA_NOCLDWAIT|0x3fffff8, sa_restorer=0x1234}, NULL, 8) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::RT_SIGACTION, &[neg(-9), 0, 0, 8], Some(-22)),
        "rt_sigaction(-9, NULL, NULL, 8) = -1 EINVAL (Invalid argument)"
    );
    let srch = Some(-3);
    let esrch = "= -1 ESRCH (No such process)";
    assert_eq!(call(&m, nr::KILL, &[0, 0], Some(0)), "kill(0, 0) = 0");
    assert_eq!(
        call(&m, nr::KILL, &[99999999, 10], srch),
        format!("kill(99999999, SIGUSR1) {esrch}")
    );
    assert_eq!(
        call(&m, nr::KILL, &[99999999, 40], srch),
        format!("kill(99999999, SIGRT_8) {esrch}")
    );
    assert_eq!(
        call(&m, nr::KILL, &[99999999, 64], srch),
        format!("kill(99999999, SIGRT_32) {esrch}")
    );
    assert_eq!(
        call(&m, nr::KILL, &[99999999, 65], srch),
        format!("kill(99999999, 65) {esrch}")
    );
    assert_eq!(
        call(&m, nr::TGKILL, &[7, 7, 32], srch),
        format!("tgkill(7, 7, SIGRTMIN) {esrch}")
    );
    assert_eq!(
        call(&m, nr::TKILL, &[7, 33], srch),
        format!("tkill(7, SIGRT_1) {esrch}")
    );
}

#[test]
fn errors_and_restarts() {
    let m = Mem::default();
    assert_eq!(
        call(&m, nr::READ, &[0, 0x1000, 10], Some(-512)),
        "read(0, 0x1000, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
    );
    assert_eq!(
        call(&m, nr::PAUSE, &[], Some(-514)),
        "pause() = ? ERESTARTNOHAND (To be restarted if no handler)"
    );
    assert_eq!(
        call(&m, nr::PAUSE, &[], Some(-513)),
        "pause() = ? ERESTARTNOINTR (To be restarted)"
    );
    assert_eq!(
        call(&m, nr::NANOSLEEP, &[0, 0], Some(-516)),
        "nanosleep(NULL, NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"
    );
    assert_eq!(
        call(&m, nr::GETPID, &[], Some(-530)),
        "getpid() = -1 530 (Unknown error 530)"
    );
    assert_eq!(
        call(&m, nr::GETPID, &[], Some(-4)),
        "getpid() = -1 EINTR (Interrupted system call)"
    );
    // Unknown numbers show all six registers.
    let mut regs = [1, 2, 3, 4, 5, 6];
    assert_eq!(
        format_syscall(500, &regs, Some(-38), &|_, _| None),
        "syscall_0x1f4(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    regs = [0; 6];
    assert_eq!(
        format_syscall(400, &regs, Some(-38), &|_, _| None),
        "syscall_0x190(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)"
    );
    // Syscalls nobody decodes in detail show their arguments in hex, with the right arity.
    assert_eq!(
        call(&m, nr::TUXCALL, &[1, 0, 0x10], Some(-38)),
        "tuxcall(0x1, 0, 0x10) = -1 ENOSYS (Function not implemented)"
    );
}

#[test]
fn fcntl_commands() {
    let mut m = Mem::default();
    let ebadf = "= -1 EBADF (Bad file descriptor)";
    let e = Some(-9);
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 3], Some(0x8000)),
        "fcntl(0, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[1, 3], Some(0x8001)),
        "fcntl(1, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 1], Some(0)),
        "fcntl(0, F_GETFD) = 0"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 1], Some(1)),
        "fcntl(0, F_GETFD) = 0x1 (flags FD_CLOEXEC)"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 2, 1], Some(0)),
        "fcntl(0, F_SETFD, FD_CLOEXEC) = 0"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 2, 3], e),
        format!("fcntl(7, F_SETFD, FD_CLOEXEC|0x2) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 1030, 10], Some(11)),
        "fcntl(0, F_DUPFD_CLOEXEC, 10) = 11"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[1, 4, 0o6000], Some(0)),
        "fcntl(1, F_SETFL, O_RDONLY|O_APPEND|O_NONBLOCK) = 0"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 1234, 0], Some(-22)),
        "fcntl(0, 0x4d2 /* F_??? */, 0) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 5, 0], Some(-14)),
        "fcntl(0, F_GETLK, NULL) = -1 EFAULT (Bad address)"
    );
    let lock = m.put(0x1000, &[0u8; 32]);
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 6, lock], Some(0)),
        "fcntl(0, F_SETLK, {l_type=F_RDLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0"
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 10, 10], e),
        format!("fcntl(7, F_SETSIG, SIGUSR1) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 1024, 1], e),
        format!("fcntl(7, F_SETLEASE, F_WRLCK) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 1033, 0xf], e),
        format!(
            "fcntl(7, F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE) {ebadf}"
        )
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 1031, 4096], e),
        format!("fcntl(7, F_SETPIPE_SZ, 4096) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 1032], e),
        format!("fcntl(7, F_GETPIPE_SZ) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 1026, 0x8000_0001], e),
        format!("fcntl(7, F_NOTIFY, DN_ACCESS|DN_MULTISHOT) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::FCNTL, &[7, 7, 0], e),
        format!("fcntl(7, F_SETLKW, NULL) {ebadf}")
    );
    let owner = m.put_i32s(0x2000, &[1, 1]);
    assert_eq!(
        call(&m, nr::FCNTL, &[0, 16, owner], Some(0)),
        "fcntl(0, F_GETOWN_EX, {type=F_OWNER_PID, pid=1}) = 0"
    );
}

#[test]
fn arch_prctl_and_prctl() {
    let mut m = Mem::default();
    let word = m.put_u64s(0x1000, &[0x7f1e_e25b_2740]);
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1003, word], Some(0)),
        "arch_prctl(ARCH_GET_FS, [0x7f1ee25b2740]) = 0"
    );
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1004, 0], Some(-14)),
        "arch_prctl(ARCH_GET_GS, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1001, 0x55], Some(0)),
        "arch_prctl(ARCH_SET_GS, 0x55) = 0"
    );
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1011, 0], Some(1)),
        "arch_prctl(ARCH_GET_CPUID) = 1"
    );
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x1012, 1], Some(-19)),
        "arch_prctl(ARCH_SET_CPUID, 0x1) = -1 ENODEV (No such device)"
    );
    assert_eq!(
        call(&m, nr::ARCH_PRCTL, &[0x9999, 0], Some(-22)),
        "arch_prctl(0x9999 /* ARCH_??? */, 0) = -1 EINVAL (Invalid argument)"
    );

    let name = m.put(0x2000, b"worker\0");
    assert_eq!(
        call(&m, nr::PRCTL, &[15, name], Some(0)),
        r#"prctl(PR_SET_NAME, "worker") = 0"#
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[16, name], Some(0)),
        r#"prctl(PR_GET_NAME, "worker") = 0"#
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[38, 1, 0, 0, 0], Some(0)),
        "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[1, 9], Some(0)),
        "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[3], Some(1)),
        "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[4, 1], Some(0)),
        "prctl(PR_SET_DUMPABLE, SUID_DUMP_USER) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[7, 1, 0, 0, 0], Some(0)),
        "prctl(PR_GET_KEEPCAPS) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[8, 1, 0, 0, 0], Some(0)),
        "prctl(PR_SET_KEEPCAPS, 1) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[23, 21], Some(1)),
        "prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) = 1"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[36, 1], Some(0)),
        "prctl(PR_SET_CHILD_SUBREAPER, 1) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[21, 1, 2, 3, 4], Some(0)),
        "prctl(PR_GET_SECCOMP) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[22, 2, 0], Some(-14)),
        "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[39, 0, 0, 0, 0], Some(0)),
        "prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[29, 50000], Some(0)),
        "prctl(PR_SET_TIMERSLACK, 50000) = 0"
    );
    let tid = m.put_u64s(0x3000, &[0x7f06_a385_3a10]);
    assert_eq!(
        call(&m, nr::PRCTL, &[40, tid], Some(0)),
        "prctl(PR_GET_TID_ADDRESS, [0x7f06a3853a10]) = 0"
    );
    let zero = m.put_i32s(0x4000, &[0]);
    assert_eq!(
        call(&m, nr::PRCTL, &[2, zero], Some(0)),
        "prctl(PR_GET_PDEATHSIG, [0]) = 0"
    );
    let anon = m.put(0x5000, b"name\0");
    assert_eq!(
        call(
            &m,
            nr::PRCTL,
            &[0x5356_4d41, 0, 0x1000, 0x1000, anon],
            Some(-22)
        ),
        r#"prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, "name") = -1 EINVAL (Invalid argument)"#
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[47, 4, 0, 0, 0], Some(0)),
        "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[41, 1, 0, 0, 0], Some(0)),
        "prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::PRCTL, &[9999, 1, 2, 3, 4], Some(-22)),
        "prctl(0x270f /* PR_??? */, 0x1, 0x2, 0x3, 0x4) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn time_calls() {
    let mut m = Mem::default();
    let ts = m.put_u64s(0x1000, &[0, 1000]);
    let now = m.put_u64s(0x2000, &[0, 1495505]);
    assert_eq!(
        call(&m, nr::CLOCK_GETTIME, &[neg(-2), now], Some(0)),
        "clock_gettime(0xfffffffe /* CLOCK_??? */, {tv_sec=0, tv_nsec=1495505}) = 0"
    );
    assert_eq!(
        call(&m, nr::CLOCK_GETTIME, &[99, now], Some(-22)),
        "clock_gettime(0x63 /* CLOCK_??? */, 0x2000) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::CLOCK_GETTIME, &[1, 0], Some(-14)),
        "clock_gettime(CLOCK_MONOTONIC, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        call(&m, nr::CLOCK_NANOSLEEP, &[0, 1, ts, 0], Some(0)),
        "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=0, tv_nsec=1000}, NULL) = 0"
    );
    // The remaining time is only meaningful after an interruption.
    let rem = m.put_u64s(0x7ffd_4208_c3b0, &[0, 500]);
    assert_eq!(
        call(&m, nr::CLOCK_NANOSLEEP, &[0, 0, ts, rem], Some(0)),
        "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000}, 0x7ffd4208c3b0) = 0"
    );
    assert_eq!(
        call(&m, nr::NANOSLEEP, &[ts, rem], Some(-516)),
        "nanosleep({tv_sec=0, tv_nsec=1000}, {tv_sec=0, tv_nsec=500}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"
    );
    let tv = m.put_u64s(0x3000, &[1795425082, 919685]);
    assert_eq!(
        call(&m, nr::GETTIMEOFDAY, &[tv, 0], Some(0)),
        "gettimeofday({tv_sec=1795425082, tv_usec=919685}, NULL) = 0"
    );
    let it = m.put_u64s(0x4000, &[0, 0, 0, 0]);
    assert_eq!(
        call(&m, nr::SETITIMER, &[0, it, 0], Some(0)),
        "setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}, NULL) = 0"
    );
    let lim = m.put_u64s(0x5000, &[20000, 20000]);
    assert_eq!(
        call(&m, nr::PRLIMIT64, &[0, 7, 0, lim], Some(0)),
        "prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=20000, rlim_max=20000}) = 0"
    );
    assert_eq!(
        call(&m, nr::PRLIMIT64, &[0, 16, 0, 0], Some(-22)),
        "prlimit64(0, 0x10 /* RLIMIT_??? */, NULL, NULL) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::GETRUSAGE, &[neg(-2), 0], Some(-14)),
        "getrusage(RUSAGE_BOTH, NULL) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn futex_operations() {
    let mut m = Mem::default();
    let f = 0x7ffe_7925_a804;
    let ts = m.put_u64s(0x1000, &[1, 2]);
    let eagain = "= -1 EAGAIN (Resource temporarily unavailable)";
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 0, 1, ts], Some(-11)),
        format!("futex(0x7ffe7925a804, FUTEX_WAIT, 1, {{tv_sec=1, tv_nsec=2}}) {eagain}")
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128, 1, 0], Some(-11)),
        format!("futex(0x7ffe7925a804, FUTEX_WAIT_PRIVATE, 1, NULL) {eagain}")
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 129, 1], Some(0)),
        "futex(0x7ffe7925a804, FUTEX_WAKE_PRIVATE, 1) = 0"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 256 | 9, 1, 0, 0, 0xffff_ffff], Some(-11)),
        format!("futex(0x7ffe7925a804, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 1, NULL, FUTEX_BITSET_MATCH_ANY) {eagain}")
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 3, 1, 2, f], Some(0)),
        "futex(0x7ffe7925a804, FUTEX_REQUEUE_PRIVATE, 1, 2, 0x7ffe7925a804) = 0"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 4, 1, 2, f, 7], Some(-11)),
        format!(
            "futex(0x7ffe7925a804, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, 0x7ffe7925a804, 7) {eagain}"
        )
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 5, 1, 2, f, 0x1234_5678], Some(0)),
        "futex(0x7ffe7925a804, FUTEX_WAKE_OP_PRIVATE, 1, 2, 0x7ffe7925a804, FUTEX_OP_ADD<<28|0x345<<12|FUTEX_OP_CMP_LT<<24|0x678) = 0"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 6, 0, 0], Some(-3)),
        "futex(0x7ffe7925a804, FUTEX_LOCK_PI_PRIVATE, NULL) = -1 ESRCH (No such process)"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 7], Some(-1)),
        "futex(0x7ffe7925a804, FUTEX_UNLOCK_PI_PRIVATE) = -1 EPERM (Operation not permitted)"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 10, 1, 0, 0, 3], Some(0)),
        "futex(0x7ffe7925a804, FUTEX_WAKE_BITSET_PRIVATE, 1, 0x3) = 0"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 128 | 11, 1, 0, f], Some(-22)),
        "futex(0x7ffe7925a804, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, NULL, 0x7ffe7925a804) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 0x99, 1, 0, 0, 0], Some(-38)),
        "futex(0x7ffe7925a804, 0x99 /* FUTEX_??? */, 1, NULL, NULL, 0) = -1 ENOSYS (Function not implemented)"
    );
    assert_eq!(
        call(&m, nr::FUTEX, &[f, 0x101, 1], Some(-38)),
        "futex(0x7ffe7925a804, 0x101 /* FUTEX_??? */, 1) = -1 ENOSYS (Function not implemented)"
    );
}

#[test]
fn ioctls() {
    let mut m = Mem::default();
    let enotty = "= -1 ENOTTY (Inappropriate ioctl for device)";
    assert_eq!(
        call(&m, nr::IOCTL, &[1, 0x5413, 0x7ffc_fe7c_f994], Some(-25)),
        format!("ioctl(1, TIOCGWINSZ, 0x7ffcfe7cf994) {enotty}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[0, 0x5401, 0x7ffc_fe7c_f950], Some(-25)),
        format!("ioctl(0, TCGETS, 0x7ffcfe7cf950) {enotty}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[0, 0x1234_5678, 0], Some(-25)),
        format!("ioctl(0, _IOC(_IOC_NONE, 0x56, 0x78, 0x1234), 0) {enotty}")
    );
    let ebadf = "= -1 EBADF (Bad file descriptor)";
    assert_eq!(
        call(&m, nr::IOCTL, &[7, 0x5451, 0], Some(-9)),
        format!("ioctl(7, FIOCLEX) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[7, 0x5421, 0], Some(-9)),
        format!("ioctl(7, FIONBIO, NULL) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[7, 0x540b, 0], Some(-9)),
        format!("ioctl(7, TCFLSH, TCIFLUSH) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[7, 0x5402, 0], Some(-9)),
        format!("ioctl(7, SNDCTL_TMR_START or TCSETS, NULL) {ebadf}")
    );
    assert_eq!(
        call(&m, nr::IOCTL, &[4, 0x4004_9409, 3], Some(-95)),
        "ioctl(4, BTRFS_IOC_CLONE or FICLONE, 3) = -1 EOPNOTSUPP (Operation not supported)"
    );
    let ws = m.put(0x1000, &[24, 0, 80, 0, 0, 0, 0, 0]);
    assert_eq!(
        call(&m, nr::IOCTL, &[1, 0x5413, ws], Some(0)),
        "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0"
    );
    let n = m.put_i32s(0x2000, &[5]);
    assert_eq!(
        call(&m, nr::IOCTL, &[3, 0x541b, n], Some(0)),
        "ioctl(3, FIONREAD, [5]) = 0"
    );
}

#[test]
fn sockets() {
    let mut m = Mem::default();
    assert_eq!(
        call(&m, nr::SOCKET, &[1, 0x80001, 0], Some(12)),
        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 12"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[10, 2, 17], Some(13)),
        "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) = 13"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[2, 1, 0], Some(7)),
        "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 7"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[16, 3, 15], Some(7)),
        "socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT) = 7"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[17, 3, 768], Some(7)),
        "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 7"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[99, 99, 99], Some(-97)),
        "socket(0x63 /* AF_??? */, SOCK_RAW|0x60 /* SOCK_??? */, 99) = -1 EAFNOSUPPORT (Address family not supported by protocol)"
    );
    assert_eq!(
        call(&m, nr::SOCKET, &[0, 0xffff_ffff, 0], Some(-22)),
        "socket(AF_UNSPEC, SOCK_CLOEXEC|SOCK_NONBLOCK|0xfff7f7ff, 0) = -1 EINVAL (Invalid argument)"
    );
    let mut un = vec![0u8; 110];
    un[0] = 1;
    un[2..20].copy_from_slice(b"/tmp/nonexist.sock");
    let un = m.put(0x1000, &un);
    assert_eq!(
        call(&m, nr::CONNECT, &[6, un, 110], Some(-2)),
        r#"connect(6, {sa_family=AF_UNIX, sun_path="/tmp/nonexist.sock"}, 110) = -1 ENOENT (No such file or directory)"#
    );
    let mut abs = vec![1u8, 0, 0];
    abs.extend(b"abstract");
    let abs = m.put(0x2000, &abs);
    assert_eq!(
        call(&m, nr::CONNECT, &[5, abs, 11], Some(-111)),
        r#"connect(5, {sa_family=AF_UNIX, sun_path=@"abstract"}, 11) = -1 ECONNREFUSED (Connection refused)"#
    );
    assert_eq!(
        call(&m, nr::CONNECT, &[5, abs, 2], Some(-22)),
        "connect(5, {sa_family=AF_UNIX}, 2) = -1 EINVAL (Invalid argument)"
    );
    let inet = m.put(0x3000, &[2, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        call(&m, nr::CONNECT, &[7, inet, 16], Some(-111)),
        r#"connect(7, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)"#
    );
    let mut in6 = vec![0u8; 28];
    in6[0] = 10;
    in6[2..4].copy_from_slice(&53u16.to_be_bytes());
    in6[23] = 1;
    let in6 = m.put(0x4000, &in6);
    let q = m.put(0x5000, b"q");
    assert_eq!(
        call(&m, nr::SENDTO, &[8, q, 1, 0x4040, in6, 28], Some(1)),
        r#"sendto(8, "q", 1, MSG_DONTWAIT|MSG_NOSIGNAL, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 1"#
    );
    let one = m.put_i32s(0x6000, &[1]);
    assert_eq!(
        call(&m, nr::SETSOCKOPT, &[6, 1, 2, one, 4], Some(0)),
        "setsockopt(6, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"
    );
    assert_eq!(
        call(&m, nr::SETSOCKOPT, &[7, 6, 1, one, 4], Some(0)),
        "setsockopt(7, SOL_TCP, TCP_NODELAY, [1], 4) = 0"
    );
    assert_eq!(
        call(&m, nr::SETSOCKOPT, &[7, 6, 0x26, 0, 0], Some(-92)),
        "setsockopt(7, SOL_TCP, 0x26 /* TCP_??? */, NULL, 0) = -1 ENOPROTOOPT (Protocol not available)"
    );
    assert_eq!(
        call(&m, nr::GETSOCKOPT, &[7, 2, 1, 0, 0], Some(-92)),
        "getsockopt(7, 0x2 /* SOL_?? */, 1, NULL, NULL) = -1 ENOPROTOOPT (Protocol not available)"
    );
    assert_eq!(
        call(&m, nr::SHUTDOWN, &[6, 2], Some(0)),
        "shutdown(6, SHUT_RDWR) = 0"
    );
    let four = m.put_i32s(0x9000, &[4]);
    let zero = m.put_i32s(0xa000, &[0]);
    assert_eq!(
        call(&m, nr::GETSOCKOPT, &[3, 1, 4, zero, four], Some(0)),
        "getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0"
    );
    assert_eq!(call(&m, nr::LISTEN, &[6, 5], Some(0)), "listen(6, 5) = 0");
    let pair = m.put_i32s(0x7000, &[3, 4]);
    assert_eq!(
        call(&m, nr::SOCKETPAIR, &[1, 1, 0, pair], Some(0)),
        "socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0"
    );
    assert_eq!(
        call(&m, nr::ACCEPT4, &[3, 0, 0, 0x80800], Some(5)),
        "accept4(3, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 5"
    );
    let len = m.put_i32s(0x8000, &[16]);
    assert_eq!(
        call(&m, nr::GETSOCKNAME, &[3, inet, len], Some(0)),
        r#"getsockname(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0"#
    );
    assert_eq!(
        call(&m, nr::ACCEPT4, &[3, inet, len, 0o2000000], Some(5)),
        r#"accept4(3, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 5"#
    );
    assert_eq!(
        call(&m, nr::ACCEPT, &[3, inet, len], Some(-11)),
        "accept(3, 0x3000, [16]) = -1 EAGAIN (Resource temporarily unavailable)"
    );
    assert_eq!(
        call(&m, nr::RECVFROM, &[3, 0, 0, 0, 0, 0], Some(0)),
        r#"recvfrom(3, NULL, 0, 0, NULL, NULL) = 0"#
    );
}

#[test]
fn messages() {
    let mut m = Mem::default();
    let hello = m.put(0x1000, b"hello");
    let iov = m.put_u64s(0x2000, &[hello, 5]);
    let mut cmsg = Vec::new();
    cmsg.extend(24u64.to_le_bytes());
    cmsg.extend(1i32.to_le_bytes());
    cmsg.extend(1i32.to_le_bytes());
    cmsg.extend(0i32.to_le_bytes());
    cmsg.extend(1i32.to_le_bytes());
    let control = m.put(0x3000, &cmsg);
    let msg = m.put_u64s(0x4000, &[0, 0, iov, 1, control, 24, 0]);
    assert_eq!(
        call(&m, nr::SENDMSG, &[3, msg, 0x4000], Some(5)),
        r#"sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0, 1]}], msg_controllen=24, msg_flags=0}, MSG_NOSIGNAL) = 5"#
    );
    let plain = m.put_u64s(0x5000, &[0, 0, iov, 1, 0, 0, 0]);
    assert_eq!(
        call(&m, nr::SENDMSG, &[3, plain, 0], Some(5)),
        r#"sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 5"#
    );
    let mut creds = Vec::new();
    creds.extend(28u64.to_le_bytes());
    creds.extend(1i32.to_le_bytes());
    creds.extend(2i32.to_le_bytes());
    creds.extend(8524i32.to_le_bytes());
    creds.extend([0; 12]);
    let creds = m.put(0x6000, &creds);
    let big = m.put(0x7000, b"hello and more");
    let riov = m.put_u64s(0x8000, &[big, 64]);
    let received = m.put_u64s(0x9000, &[0, 0, riov, 1, creds, 32, 0]);
    assert_eq!(
        call(&m, nr::RECVMSG, &[4, received, 0], Some(5)),
        r#"recvmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=64}], msg_iovlen=1, msg_control=[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=8524, uid=0, gid=0}}], msg_controllen=32, msg_flags=0}, 0) = 5"#
    );
    assert_eq!(
        call(&m, nr::RECVMSG, &[4, received, 0x40], Some(-11)),
        "recvmsg(4, {msg_namelen=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)"
    );
}

#[test]
fn polling() {
    let mut m = Mem::default();
    let mut pf = Vec::new();
    pf.extend(3i32.to_le_bytes());
    pf.extend(3u16.to_le_bytes());
    pf.extend(0u16.to_le_bytes());
    pf.extend(4i32.to_le_bytes());
    pf.extend(4u16.to_le_bytes());
    pf.extend(4u16.to_le_bytes());
    let pf = m.put(0x1000, &pf);
    assert_eq!(
        call(&m, nr::POLL, &[pf, 2, 100], Some(1)),
        "poll([{fd=3, events=POLLIN|POLLPRI}, {fd=4, events=POLLOUT}], 2, 100) = 1 ([{fd=4, revents=POLLOUT}])"
    );
    assert_eq!(
        call(&m, nr::POLL, &[0, 0, 0], Some(0)),
        "poll(NULL, 0, 0) = 0 (Timeout)"
    );
    let left = m.put_u64s(0x8000, &[0, 999786869]);
    assert_eq!(
        call(&m, nr::PPOLL, &[pf, 2, left, 0, 8], Some(1)),
        "ppoll([{fd=3, events=POLLIN|POLLPRI}, {fd=4, events=POLLOUT}], 2, {tv_sec=0, tv_nsec=999786869}, NULL, 8) = 1 ([{fd=4, revents=POLLOUT}], left {tv_sec=0, tv_nsec=999786869})"
    );
    let mut neg_fd = Vec::new();
    neg_fd.extend((-9i32).to_le_bytes());
    neg_fd.extend([0xff, 0xff, 0, 0]);
    let neg_fd = m.put(0x2000, &neg_fd);
    assert_eq!(
        call(&m, nr::POLL, &[neg_fd, 1, 0], Some(0)),
        "poll([{fd=-9}], 1, 0) = 0 (Timeout)"
    );

    let set = m.put_u64s(0x3000, &[0b10]);
    let left = m.put_u64s(0x4000, &[1, 498738]);
    assert_eq!(
        call(&m, nr::PSELECT6, &[4, set, 0, 0, left, 0], Some(1)),
        "pselect6(4, [1], NULL, NULL, {tv_sec=1, tv_nsec=498738}, NULL) = 1 (in [1], left {tv_sec=1, tv_nsec=498738})"
    );
    let both = m.put_u64s(0x5000, &[0b1010]);
    assert_eq!(
        call(&m, nr::SELECT, &[4, both, 0, 0, 0], Some(0)),
        "select(4, [1 3], NULL, NULL, NULL) = 0 (Timeout)"
    );

    let mut ev = Vec::new();
    ev.extend((1u32 | 1 << 31).to_le_bytes());
    ev.extend(0x1_0000_0005u64.to_le_bytes());
    let ev = m.put(0x6000, &ev);
    assert_eq!(
        call(&m, nr::EPOLL_CTL, &[5, 1, 3, ev], Some(0)),
        "epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLET, data={u32=5, u64=4294967301}}) = 0"
    );
    assert_eq!(
        call(&m, nr::EPOLL_CTL, &[neg(-9), 0, neg(-9), 0], Some(-9)),
        "epoll_ctl(-9, 0 /* EPOLL_CTL_??? */, -9, NULL) = -1 EBADF (Bad file descriptor)"
    );
    let mut out = Vec::new();
    out.extend(1u32.to_le_bytes());
    out.extend(0x1_0000_0005u64.to_le_bytes());
    let out = m.put(0x7000, &out);
    assert_eq!(
        call(&m, nr::EPOLL_WAIT, &[5, out, 4, neg(-1)], Some(1)),
        "epoll_wait(5, [{events=EPOLLIN, data={u32=5, u64=4294967301}}], 4, -1) = 1"
    );
    assert_eq!(
        call(&m, nr::EPOLL_WAIT, &[5, out, 4, 0], Some(0)),
        "epoll_wait(5, [], 4, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::EPOLL_CREATE1, &[0o2000000], Some(14)),
        "epoll_create1(EPOLL_CLOEXEC) = 14"
    );
    assert_eq!(
        call(&m, nr::EPOLL_CREATE1, &[0], Some(5)),
        "epoll_create1(0) = 5"
    );
    assert_eq!(
        call(&m, nr::EVENTFD2, &[0, 0xffff_ffff], Some(-22)),
        "eventfd2(0, EFD_SEMAPHORE|EFD_CLOEXEC|EFD_NONBLOCK|0xfff7f7fe) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::TIMERFD_CREATE, &[0, 0xffff_ffff], Some(-22)),
        "timerfd_create(CLOCK_REALTIME, TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET|TFD_CLOEXEC|TFD_NONBLOCK|0xfff7f7fc) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::INOTIFY_INIT1, &[0xffff_ffff], Some(-22)),
        "inotify_init1(IN_NONBLOCK|IN_CLOEXEC|0xfff7f7ff) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn vectors() {
    let mut m = Mem::default();
    let hello = m.put(0x1000, b"hello ");
    let world = m.put(0x2000, b"world\n");
    let iov = m.put_u64s(0x3000, &[hello, 6, world, 6]);
    assert_eq!(
        call(&m, nr::WRITEV, &[1, iov, 2], Some(12)),
        r#"writev(1, [{iov_base="hello ", iov_len=6}, {iov_base="world\n", iov_len=6}], 2) = 12"#
    );
    let a = m.put(0x4000, b"abc");
    let b = m.put(0x5000, b"def\0\0\0\0\0\0\0");
    let c = m.put(0x6000, &[0; 10]);
    let riov = m.put_u64s(0x7000, &[a, 3, b, 10, c, 10]);
    assert_eq!(
        call(&m, nr::READV, &[3, riov, 3], Some(6)),
        r#"readv(3, [{iov_base="abc", iov_len=3}, {iov_base="def", iov_len=10}, {iov_base="", iov_len=10}], 3) = 6"#
    );
    assert_eq!(
        call(&m, nr::READV, &[3, riov, 3], Some(-9)),
        "readv(3, 0x7000, 3) = -1 EBADF (Bad file descriptor)"
    );
    let big = m.put(0x8000, &[b'x'; 100]);
    let wiov = m.put_u64s(0x9000, &[big, 100]);
    assert_eq!(
        call(&m, nr::WRITEV, &[4, wiov, 1], Some(100)),
        format!(
            r#"writev(4, [{{iov_base="{}"..., iov_len=100}}], 1) = 100"#,
            "x".repeat(32)
        )
    );
}

#[test]
fn processes() {
    let mut m = Mem::default();
    assert_eq!(
        call(&m, nr::CLONE, &[0x0120_0011, 0, 0, 0x7f54_1459_fa10, 0], Some(5597)),
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f541459fa10) = 5597"
    );
    assert_eq!(
        call(&m, nr::CLONE, &[u64::MAX, 0x1000, 0x2000, 0x3000, 0x4000], Some(-22)),
        "clone(child_stack=0x1000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_PIDFD|CLONE_PTRACE|CLONE_VFORK|CLONE_PARENT|CLONE_THREAD|CLONE_NEWNS|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|CLONE_UNTRACED|CLONE_CHILD_SETTID|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_IO|0xffffffff00400000|255, parent_tid=0x2000, tls=0x4000, child_tidptr=0x3000) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::CLONE, &[0x1_0001_4111, 0, 0, 0, 0], Some(-22)),
        "clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|CLONE_THREAD|0x100000000|SIGCHLD) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::CLONE, &[17, 0, 0, 0, 0], Some(9)),
        "clone(child_stack=NULL, flags=SIGCHLD) = 9"
    );
    let tid = m.put_i32s(0x7f54_1459_e990, &[5599]);
    let args = m.put_u64s(
        0x1000,
        &[
            0x003d_0f00,
            0,
            tid,
            tid,
            0,
            0x7f54_13d9_e000,
            0x7f_ff80,
            0x7f54_1459_e6c0,
            0,
            0,
            0,
        ],
    );
    assert_eq!(
        call(&m, nr::CLONE3, &[args, 88], Some(5599)),
        "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f541459e990, parent_tid=0x7f541459e990, exit_signal=0, stack=0x7f5413d9e000, stack_size=0x7fff80, tls=0x7f541459e6c0} => {parent_tid=[5599]}, 88) = 5599"
    );
    assert_eq!(
        call(&m, nr::UNSHARE, &[0xffff_ffff], Some(-22)),
        "unshare(CLONE_NEWTIME|CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_NEWNS|CLONE_SYSVSEM|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|0x81f8f07f) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        call(&m, nr::SETNS, &[neg(-9), 0x4000_0000], Some(-9)),
        "setns(-9, CLONE_NEWNET) = -1 EBADF (Bad file descriptor)"
    );

    let exited = m.put_i32s(0x2000, &[7 << 8]);
    let killed = m.put_i32s(0x3000, &[11]);
    let dumped = m.put_i32s(0x4000, &[11 | 0x80]);
    let stopped = m.put_i32s(0x5000, &[(19 << 8) | 0x7f]);
    assert_eq!(
        call(&m, nr::WAIT4, &[5597, exited, 0, 0], Some(5597)),
        "wait4(5597, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 5597"
    );
    assert_eq!(
        call(&m, nr::WAIT4, &[5598, killed, 0, 0], Some(5598)),
        "wait4(5598, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV}], 0, NULL) = 5598"
    );
    assert_eq!(
        call(&m, nr::WAIT4, &[neg(-1), dumped, 0x4000_0000, 0], Some(12)),
        "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], __WALL, NULL) = 12"
    );
    assert_eq!(
        call(&m, nr::WAIT4, &[neg(-1), stopped, 2, 0], Some(12)),
        "wait4(-1, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, NULL) = 12"
    );
    assert_eq!(
        call(&m, nr::WAIT4, &[neg(-1), 0, 1, 0], Some(-10)),
        "wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)"
    );
    assert_eq!(
        call(&m, nr::WAITID, &[0, 0, 0x7ffd_4208_c2f0, 5, 0], Some(-10)),
        "waitid(P_ALL, 0, 0x7ffd4208c2f0, WNOHANG|WEXITED, NULL) = -1 ECHILD (No child processes)"
    );
    let mut uts = vec![0u8; 65 * 6];
    uts[..5].copy_from_slice(b"Linux");
    uts[65..67].copy_from_slice(b"vm");
    let uts = m.put(0x6000, &uts);
    assert_eq!(
        call(&m, nr::UNAME, &[uts], Some(0)),
        r#"uname({sysname="Linux", nodename="vm", ...}) = 0"#
    );
    let zero = m.put_i32s(0x7000, &[0]);
    assert_eq!(
        call(&m, nr::GETRESUID, &[zero, zero, zero], Some(0)),
        "getresuid([0], [0], [0]) = 0"
    );
    let cpus = m.put(0x8000, &{
        let mut mask = [0u8; 128];
        mask[0] = 3;
        mask
    });
    assert_eq!(
        call(&m, nr::SCHED_GETAFFINITY, &[0, 128, cpus], Some(32)),
        "sched_getaffinity(0, 128, [0 1]) = 32"
    );
    assert_eq!(
        call(&m, nr::SCHED_SETAFFINITY, &[0, 128, cpus], Some(0)),
        "sched_setaffinity(0, 128, [0 1]) = 0"
    );
    assert_eq!(call(&m, nr::GETPID, &[], Some(5598)), "getpid() = 5598");
    assert_eq!(call(&m, nr::EXIT, &[0], None), "exit(0) = ?");
}

#[test]
fn seccomp() {
    let mut m = Mem::default();
    let prog = m.put_u64s(0x1000, &[12, 0x5555_0000]);
    assert_eq!(
        call(&m, nr::SECCOMP, &[1, 1, prog], Some(0)),
        "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=12, filter=0x55550000}) = 0"
    );
    assert_eq!(
        call(&m, nr::SECCOMP, &[1, 0xff, 0], Some(-14)),
        "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG|SECCOMP_FILTER_FLAG_SPEC_ALLOW|SECCOMP_FILTER_FLAG_NEW_LISTENER|SECCOMP_FILTER_FLAG_TSYNC_ESRCH|SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV|0xc0, NULL) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        call(&m, nr::SECCOMP, &[0, 0, 0], Some(0)),
        "seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL) = 0"
    );
    assert_eq!(
        call(&m, nr::SECCOMP, &[4, 0, 0], Some(-22)),
        "seccomp(0x4 /* SECCOMP_SET_MODE_??? */, 0, NULL) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn misc_flags() {
    let mut m = Mem::default();
    let empty = m.put(0x1000, b"\0");
    assert_eq!(
        call(&m, nr::FLOCK, &[0, 5], Some(0)),
        "flock(0, LOCK_SH|LOCK_NB) = 0"
    );
    assert_eq!(
        call(&m, nr::FLOCK, &[0, 8], Some(0)),
        "flock(0, LOCK_UN) = 0"
    );
    assert_eq!(
        call(&m, nr::UMOUNT2, &[empty, 0xffff_ffff], Some(-22)),
        r#"umount2("", MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW|0xfffffff0) = -1 EINVAL (Invalid argument)"#
    );
    let proc_ = m.put(0x2000, b"proc\0");
    let dir = m.put(0x3000, b"/proc\0");
    assert_eq!(
        call(&m, nr::MOUNT, &[proc_, dir, proc_, 6, 0], Some(0)),
        r#"mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV, NULL) = 0"#
    );
    assert_eq!(
        call(&m, nr::MOUNT, &[0, empty, 0, 0, 0], Some(-2)),
        r#"mount(NULL, "", NULL, 0, NULL) = -1 ENOENT (No such file or directory)"#
    );
    assert_eq!(
        call(
            &m,
            nr::RENAMEAT2,
            &[neg(-9), empty, neg(-9), empty, 0xffff_ffff],
            Some(-22)
        ),
        r#"renameat2(-9, "", -9, "", RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT|0xfffffff8) = -1 EINVAL (Invalid argument)"#
    );
    assert_eq!(
        call(&m, nr::MLOCKALL, &[3], Some(0)),
        "mlockall(MCL_CURRENT|MCL_FUTURE) = 0"
    );
    assert_eq!(
        call(&m, nr::FADVISE64, &[3, 0, 0, 4], Some(0)),
        "fadvise64(3, 0, 0, POSIX_FADV_DONTNEED) = 0"
    );
    assert_eq!(
        call(&m, nr::CLOSE_RANGE, &[50, 0xffff_ffff, 0], Some(0)),
        "close_range(50, 4294967295, 0) = 0"
    );
    assert_eq!(
        call(&m, nr::DUP2, &[0, 100], Some(100)),
        "dup2(0, 100) = 100"
    );
    let x = m.put(0x4000, b"x\0");
    assert_eq!(
        call(&m, nr::MEMFD_CREATE, &[x, 4 | (21 << 26)], Some(3)),
        r#"memfd_create("x", MFD_HUGETLB|21<<MFD_HUGE_SHIFT) = 3"#
    );
    let root = m.put(0x5000, b"/\0");
    assert_eq!(call(&m, nr::CHDIR, &[root], Some(0)), r#"chdir("/") = 0"#);
    assert_eq!(
        call(&m, nr::GETITIMER, &[3, 0], Some(-22)),
        "getitimer(0x3 /* ITIMER_??? */, NULL) = -1 EINVAL (Invalid argument)"
    );
}

/// Garbage in any register or in memory never panics, for any syscall.
#[test]
fn never_panics() {
    // Memory at 0x1000 holding bytes that make structures as odd as possible.
    let patterns: [&[u8]; 3] = [&[0xff; 4096], &[0; 4096], &[0x10; 4096]];
    let values = [
        0,
        1,
        0x1000,
        0x1ff8,
        0xffff_ffff,
        u64::MAX,
        0x8000_0000_0000_0000,
        4096,
    ];
    let rets = [
        None,
        Some(0),
        Some(1),
        Some(4096),
        Some(-1),
        Some(-512),
        Some(-4095),
        Some(i64::MAX),
    ];
    for pattern in patterns {
        let mut m = Mem::default();
        m.put(0x1000, pattern);
        let mem = |a, l| m.read(a, l);
        for nr in 0..SYSCALL_TABLE_LEN as u64 + 2 {
            for (i, &value) in values.iter().enumerate() {
                let mut regs = [value; 6];
                regs[i % 6] = 0x1000;
                let ret = rets[i % rets.len()];
                let line = format_syscall(nr, &regs, ret, &mem);
                assert!(line.contains(" = "), "{line}");
            }
        }
    }
}
