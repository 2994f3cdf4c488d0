//! seccomp(2) filters a program installs on itself, run by the sentry on each of its
//! syscalls (the host never sees them: the program's syscalls never reach the host anyway).
//! Classic BPF as Linux checks and runs it (`seccomp_check_filter`, `bpf_prog_run`), on the
//! same `seccomp_data`; the most severe action of all the thread's filters wins.

use std::sync::Arc;

use crate::errno::Errno;

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// A filter as installed: checked, never changed.
#[derive(Debug)]
pub struct Filter {
    insns: Vec<Insn>,
}

/// A thread's seccomp state: inherited by threads and forks, kept across execve.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    #[default]
    Disabled,
    /// SECCOMP_MODE_STRICT: read, write, exit and rt_sigreturn only; anything else kills.
    Strict,
    /// SECCOMP_MODE_FILTER: the filters, the newest last.
    Filter(Arc<Vec<Arc<Filter>>>),
}

impl Mode {
    /// The number /proc's Seccomp line and PR_GET_SECCOMP give.
    pub fn number(&self) -> u32 {
        match self {
            Mode::Disabled => 0,
            Mode::Strict => 1,
            Mode::Filter(_) => 2,
        }
    }

    pub fn filters(&self) -> usize {
        match self {
            Mode::Filter(f) => f.len(),
            _ => 0,
        }
    }
}

/// The action values (SECCOMP_RET_*), high 16 bits; the low 16 are the data.
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_KILL_THREAD: u32 = 0x0000_0000;
pub const RET_TRAP: u32 = 0x0003_0000;
pub const RET_ERRNO: u32 = 0x0005_0000;
pub const RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub const RET_TRACE: u32 = 0x7ff0_0000;
pub const RET_LOG: u32 = 0x7ffc_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;
pub const RET_DATA: u32 = 0x0000_ffff;

/// AUDIT_ARCH_X86_64: the `arch` of every syscall the sandbox serves.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

/// Most instructions in one filter (BPF_MAXINSNS), and along a thread's chain of filters
/// (MAX_INSNS_PER_PATH, counting 4 per filter besides).
pub const MAX_INSNS: usize = 4096;
const MAX_INSNS_PER_PATH: usize = 32768;

// Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).
const BPF_LD: u16 = 0x00;
const BPF_LDX: u16 = 0x01;
const BPF_ST: u16 = 0x02;
const BPF_STX: u16 = 0x03;
const BPF_ALU: u16 = 0x04;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_MISC: u16 = 0x07;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_IMM: u16 = 0x00;
const BPF_MEM: u16 = 0x60;
const BPF_LEN: u16 = 0x80;
const BPF_K: u16 = 0x00;
const BPF_X: u16 = 0x08;
const BPF_A: u16 = 0x10;
const BPF_ADD: u16 = 0x00;
const BPF_SUB: u16 = 0x10;
const BPF_MUL: u16 = 0x20;
const BPF_DIV: u16 = 0x30;
const BPF_OR: u16 = 0x40;
const BPF_AND: u16 = 0x50;
const BPF_LSH: u16 = 0x60;
const BPF_RSH: u16 = 0x70;
const BPF_NEG: u16 = 0x80;
const BPF_MOD: u16 = 0x90;
const BPF_XOR: u16 = 0xa0;
const BPF_JA: u16 = 0x00;
const BPF_JEQ: u16 = 0x10;
const BPF_JGT: u16 = 0x20;
const BPF_JGE: u16 = 0x30;
const BPF_JSET: u16 = 0x40;
const BPF_TAX: u16 = 0x00;
const BPF_TXA: u16 = 0x80;
/// Scratch memory words (BPF_MEMWORDS).
const MEMWORDS: u32 = 16;
/// sizeof(struct seccomp_data).
const DATA_SIZE: u32 = 64;

/// Whether `code` is an instruction a seccomp filter may use (seccomp_check_filter's list,
/// after bpf_check_classic's).
fn allowed(code: u16) -> bool {
    // No BPF_MOD: seccomp's list leaves it out, though classic BPF has it.
    let alu_op = |op: u16| {
        [
            BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_XOR,
        ]
        .contains(&op)
    };
    match code & 0x07 {
        BPF_LD => matches!(code, c if c == BPF_LD | BPF_W | BPF_ABS
            || c == BPF_LD | BPF_W | BPF_LEN
            || c == BPF_LD | BPF_IMM
            || c == BPF_LD | BPF_MEM),
        BPF_LDX => {
            code == BPF_LDX | BPF_W | BPF_LEN
                || code == BPF_LDX | BPF_IMM
                || code == BPF_LDX | BPF_MEM
        }
        BPF_ST | BPF_STX => code & !0x07 == 0,
        BPF_ALU => {
            let op = code & 0xf0;
            code == BPF_ALU | BPF_NEG || (alu_op(op) && code & !0xf8 == BPF_ALU)
        }
        BPF_JMP => {
            let op = code & 0xf0;
            (op == BPF_JA && code == BPF_JMP | BPF_JA)
                || ([BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].contains(&op) && code & !0xf8 == BPF_JMP)
        }
        BPF_RET => code == BPF_RET | BPF_K || code == BPF_RET | BPF_A,
        BPF_MISC => code == BPF_MISC | BPF_TAX || code == BPF_MISC | BPF_TXA,
        _ => false,
    }
}

impl Filter {
    /// Checks a program as Linux does before accepting it: a known instruction set, loads
    /// of aligned words inside `seccomp_data`, scratch memory in range, jumps forward and
    /// inside the program, a return at the end. EINVAL otherwise.
    pub fn new(insns: Vec<Insn>) -> Result<Filter, Errno> {
        let n = insns.len();
        if n == 0 || n > MAX_INSNS {
            return Err(Errno::EINVAL);
        }
        for (pc, i) in insns.iter().enumerate() {
            if !allowed(i.code) {
                return Err(Errno::EINVAL);
            }
            let class = i.code & 0x07;
            let mode = i.code & 0xe0;
            match class {
                BPF_LD if mode == BPF_ABS && (i.k >= DATA_SIZE || !i.k.is_multiple_of(4)) => {
                    return Err(Errno::EINVAL);
                }
                BPF_LD | BPF_LDX if mode == BPF_MEM && i.k >= MEMWORDS => {
                    return Err(Errno::EINVAL);
                }
                BPF_ST | BPF_STX if i.k >= MEMWORDS => return Err(Errno::EINVAL),
                BPF_ALU
                    if i.code & BPF_X == 0
                        && matches!(i.code & 0xf0, BPF_DIV | BPF_MOD)
                        && i.k == 0 =>
                {
                    return Err(Errno::EINVAL);
                }
                BPF_ALU
                    if i.code & BPF_X == 0
                        && matches!(i.code & 0xf0, BPF_LSH | BPF_RSH)
                        && i.k >= 32 =>
                {
                    return Err(Errno::EINVAL);
                }
                BPF_JMP => {
                    let rest = n - pc - 1;
                    if i.code & 0xf0 == BPF_JA {
                        if i.k as usize >= rest {
                            return Err(Errno::EINVAL);
                        }
                    } else if i.jt as usize >= rest || i.jf as usize >= rest {
                        return Err(Errno::EINVAL);
                    }
                }
                _ => {}
            }
        }
        if insns[n - 1].code & 0x07 != BPF_RET {
            return Err(Errno::EINVAL);
        }
        check_loads_after_stores(&insns)?;
        Ok(Filter { insns })
    }

    /// Runs the filter on `data` (a `seccomp_data`); returns its action.
    pub fn run(&self, data: &[u8; DATA_SIZE as usize]) -> u32 {
        let (mut a, mut x) = (0u32, 0u32);
        let mut mem = [0u32; MEMWORDS as usize];
        let mut pc = 0usize;
        // The checks above make every jump forward and every load in range; the loop ends
        // at a return, or (defensively) kills if it ever ran off the end.
        while let Some(i) = self.insns.get(pc) {
            pc += 1;
            let src = if i.code & BPF_X != 0 { x } else { i.k };
            match i.code & 0x07 {
                BPF_LD => {
                    a = match i.code & 0xe0 {
                        BPF_ABS => word(data, i.k),
                        BPF_LEN => DATA_SIZE,
                        BPF_MEM => mem[(i.k % MEMWORDS) as usize],
                        _ => i.k,
                    }
                }
                BPF_LDX => {
                    x = match i.code & 0xe0 {
                        BPF_LEN => DATA_SIZE,
                        BPF_MEM => mem[(i.k % MEMWORDS) as usize],
                        _ => i.k,
                    }
                }
                BPF_ST => mem[(i.k % MEMWORDS) as usize] = a,
                BPF_STX => mem[(i.k % MEMWORDS) as usize] = x,
                BPF_ALU => {
                    a = match i.code & 0xf0 {
                        BPF_ADD => a.wrapping_add(src),
                        BPF_SUB => a.wrapping_sub(src),
                        BPF_MUL => a.wrapping_mul(src),
                        // A zero divisor (from X) ends the program with 0, as Linux's.
                        BPF_DIV if src == 0 => return 0,
                        BPF_DIV => a / src,
                        BPF_MOD if src == 0 => return 0,
                        BPF_MOD => a % src,
                        BPF_OR => a | src,
                        BPF_AND => a & src,
                        BPF_LSH => a.checked_shl(src).unwrap_or(0),
                        BPF_RSH => a.checked_shr(src).unwrap_or(0),
                        BPF_NEG => a.wrapping_neg(),
                        _ => a ^ src,
                    }
                }
                BPF_JMP => {
                    let taken = match i.code & 0xf0 {
                        BPF_JA => {
                            pc += i.k as usize;
                            continue;
                        }
                        BPF_JEQ => a == src,
                        BPF_JGT => a > src,
                        BPF_JGE => a >= src,
                        _ => a & src != 0,
                    };
                    pc += usize::from(if taken { i.jt } else { i.jf });
                }
                BPF_RET => return if i.code & BPF_A != 0 { a } else { i.k },
                _ => {
                    if i.code & 0xf8 == BPF_TXA {
                        a = x;
                    } else {
                        x = a;
                    }
                }
            }
        }
        RET_KILL_THREAD
    }

    /// Its instructions (at least one).
    pub fn insns(&self) -> usize {
        self.insns.len()
    }
}

/// EINVAL if a scratch memory word may be loaded before anything was stored to it, on some
/// path (check_load_and_stores): the words known stored flow forward, and meet at jump
/// targets. `insns` has passed the other checks (jumps forward and inside, words < 16).
fn check_loads_after_stores(insns: &[Insn]) -> Result<(), Errno> {
    let mut masks = vec![u16::MAX; insns.len()];
    let mut valid: u16 = 0;
    for (pc, i) in insns.iter().enumerate() {
        valid &= masks[pc];
        let cell = 1u16 << (i.k % MEMWORDS);
        match i.code {
            c if c == BPF_ST || c == BPF_STX => valid |= cell,
            c if (c == BPF_LD | BPF_MEM || c == BPF_LDX | BPF_MEM) && valid & cell == 0 => {
                return Err(Errno::EINVAL);
            }
            c if c == BPF_JMP | BPF_JA => {
                if let Some(m) = masks.get_mut(pc + 1 + i.k as usize) {
                    *m &= valid;
                }
                valid = u16::MAX;
            }
            c if c & 0x07 == BPF_JMP => {
                for off in [i.jt, i.jf] {
                    if let Some(m) = masks.get_mut(pc + 1 + off as usize) {
                        *m &= valid;
                    }
                }
                valid = u16::MAX;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The 32-bit word of `data` at byte `k` (checked aligned and inside when the filter was).
fn word(data: &[u8; DATA_SIZE as usize], k: u32) -> u32 {
    let k = (k as usize).min(DATA_SIZE as usize - 4) & !3;
    u32::from_ne_bytes([data[k], data[k + 1], data[k + 2], data[k + 3]])
}

/// `struct seccomp_data` for a syscall.
pub fn data(nr: u64, ip: u64, args: &[u64; 6]) -> [u8; DATA_SIZE as usize] {
    let mut d = [0u8; DATA_SIZE as usize];
    d[0..4].copy_from_slice(&(nr as i32).to_ne_bytes());
    d[4..8].copy_from_slice(&AUDIT_ARCH_X86_64.to_ne_bytes());
    d[8..16].copy_from_slice(&ip.to_ne_bytes());
    for (i, arg) in args.iter().enumerate() {
        d[16 + 8 * i..24 + 8 * i].copy_from_slice(&arg.to_ne_bytes());
    }
    d
}

/// The action of a thread's filters for a syscall: the most severe any returns (the
/// lowest, counting KILL_PROCESS as the lowest of all), its data from that filter.
pub fn decide(filters: &[Arc<Filter>], data: &[u8; DATA_SIZE as usize]) -> u32 {
    let severity = |ret: u32| match ret & RET_ACTION_FULL {
        RET_KILL_PROCESS => 0u64,
        action => u64::from(action) + 1,
    };
    let mut best = RET_ALLOW;
    for f in filters.iter().rev() {
        let ret = f.run(data);
        if severity(ret) < severity(best) {
            best = ret;
        }
    }
    best
}

/// Whether a filter chain of `filters` plus one of `extra` instructions stays within
/// MAX_INSNS_PER_PATH.
pub fn fits(filters: &[Arc<Filter>], extra: usize) -> bool {
    let total: usize = filters.iter().map(|f| f.insns() + 4).sum::<usize>() + extra + 4;
    total <= MAX_INSNS_PER_PATH
}

/// Whether seccomp(SECCOMP_GET_ACTION_AVAIL) offers `action`.
pub fn action_available(action: u32) -> bool {
    [
        RET_KILL_PROCESS,
        RET_KILL_THREAD,
        RET_TRAP,
        RET_ERRNO,
        RET_USER_NOTIF,
        RET_TRACE,
        RET_LOG,
        RET_ALLOW,
    ]
    .contains(&action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(code: u16, k: u32) -> Insn {
        Insn {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }

    /// A filter that returns EPERM for getppid (110) and allows the rest.
    fn deny_getppid() -> Filter {
        Filter::new(vec![
            stmt(BPF_LD | BPF_W | BPF_ABS, 0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 110, 0, 1),
            stmt(BPF_RET | BPF_K, RET_ERRNO | 1),
            stmt(BPF_RET | BPF_K, RET_ALLOW),
        ])
        .unwrap()
    }

    #[test]
    fn runs_a_filter_on_the_syscall_number() {
        let f = deny_getppid();
        assert_eq!(f.run(&data(110, 0, &[0; 6])), RET_ERRNO | 1);
        assert_eq!(f.run(&data(39, 0, &[0; 6])), RET_ALLOW);
    }

    #[test]
    fn the_most_severe_action_wins() {
        let kill_39 = Filter::new(vec![
            stmt(BPF_LD | BPF_W | BPF_ABS, 0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
            stmt(BPF_RET | BPF_K, RET_KILL_PROCESS),
            stmt(BPF_RET | BPF_K, RET_TRAP | 7),
        ])
        .unwrap();
        let chain = [Arc::new(deny_getppid()), Arc::new(kill_39)];
        assert_eq!(decide(&chain, &data(110, 0, &[0; 6])), RET_TRAP | 7);
        assert_eq!(decide(&chain, &data(39, 0, &[0; 6])), RET_KILL_PROCESS);
    }

    #[test]
    fn bad_programs_are_refused() {
        let ret = stmt(BPF_RET | BPF_K, RET_ALLOW);
        // Unaligned and out-of-range loads, a backward or out-of-range jump, no return at
        // the end, an unknown instruction, a constant division by zero, nothing at all.
        for bad in [
            vec![stmt(BPF_LD | BPF_W | BPF_ABS, 2), ret],
            vec![stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret],
            vec![jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), ret],
            vec![stmt(BPF_JMP | BPF_JA, 1), ret],
            vec![stmt(BPF_LD | BPF_W | BPF_ABS, 0)],
            vec![stmt(0xff, 0), ret],
            vec![stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ret],
            vec![stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ret],
            vec![stmt(BPF_LD | BPF_MEM, 3), ret],
            vec![],
        ] {
            assert_eq!(
                Filter::new(bad.clone()).err(),
                Some(Errno::EINVAL),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn arithmetic_scratch_memory_and_the_x_register() {
        // A = args[0] low word; A = A * 3 + 1; M[2] = A; X = A; A = 0; A = M[2]; A -= X;
        // return A + 5 (so 5).
        let f = Filter::new(vec![
            stmt(BPF_LD | BPF_W | BPF_ABS, 16),
            stmt(BPF_ALU | BPF_MUL | BPF_K, 3),
            stmt(BPF_ALU | BPF_ADD | BPF_K, 1),
            stmt(BPF_ST, 2),
            stmt(BPF_MISC | BPF_TAX, 0),
            stmt(BPF_LD | BPF_IMM, 0),
            stmt(BPF_LD | BPF_MEM, 2),
            stmt(BPF_ALU | BPF_SUB | BPF_X, 0),
            stmt(BPF_ALU | BPF_ADD | BPF_K, 5),
            stmt(BPF_RET | BPF_A, 0),
        ])
        .unwrap();
        assert_eq!(f.run(&data(0, 0, &[7, 0, 0, 0, 0, 0])), 5);
    }
}
