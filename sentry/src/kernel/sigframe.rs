//! Signal frames on the app's stack, laid out as Linux does on x86_64 (arch/x86: rt_sigframe):
//!
//! ```text
//!   frame + 0    pretcode   (sa_restorer: the handler returns into rt_sigreturn)
//!   frame + 8    ucontext   uc_flags, uc_link, uc_stack, sigcontext (256 bytes), uc_sigmask
//!   frame + 312  siginfo    (128 bytes)
//!   ...          XSAVE area (64-byte aligned; FP_XSTATE_MAGIC1 in its software bytes,
//!                            FP_XSTATE_MAGIC2 right after it)
//! ```
//! On entry to the handler `rsp` points at `pretcode` and `rsp + 8` is 16-byte aligned, as
//! after a call; `rdi` is the signal, `rsi` the siginfo, `rdx` the ucontext.

use platform::Regs;

use super::signal::{sig_bit, SigAction, SigInfo, StackT};
use super::Task;
use crate::errno::Errno;

const UC_OFFSET: u64 = 8;
const UC_SIZE: usize = 304;
const SIGCONTEXT_OFFSET: usize = 40;
const INFO_OFFSET: u64 = UC_OFFSET + UC_SIZE as u64;
const FRAME_SIZE: u64 = INFO_OFFSET + 128;
/// Below the interrupted code's stack pointer: the x86_64 ABI's red zone.
const RED_ZONE: u64 = 128;
const UC_FP_XSTATE: u64 = 1;
const UC_SIGCONTEXT_SS: u64 = 2;
const UC_STRICT_RESTORE_SS: u64 = 4;
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Offset of the software-reserved bytes in the legacy FXSAVE region.
const SW_RESERVED: usize = 464;
/// The flags sigreturn may restore (FIX_EFLAGS: AC, OF, DF, TF, SF, ZF, AF, PF, CF, RF).
const FIX_EFLAGS: u64 = 0x0005_0dd5;
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;
const SS_AUTODISARM: i32 = 1 << 31;

/// The general registers in sigcontext order: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx,
/// rsp, rip, eflags.
fn gregs(r: &libc::user_regs_struct) -> [u64; 18] {
    [
        r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx, r.rdx,
        r.rax, r.rcx, r.rsp, r.rip, r.eflags,
    ]
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_ne_bytes());
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn get_u64(b: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

/// Whether `sp` lies on the alternate stack `ss`.
pub(crate) fn on_stack(ss: &StackT, sp: u64) -> bool {
    ss.size != 0 && sp > ss.sp && sp - ss.sp <= ss.size
}

impl Task {
    /// Builds a frame for `info` with `action`'s handler and points the registers at it.
    /// EFAULT if the stack cannot hold it (the caller then kills the process with SIGSEGV).
    pub(super) fn push_signal_frame(
        &mut self,
        info: &SigInfo,
        action: &SigAction,
    ) -> Result<(), Errno> {
        let regs = self.regs.0;
        let mut fp = self.ctx.fp_state().map_err(|e| {
            tracing::error!("reading FP state: {e}");
            Errno::EFAULT
        })?;
        let alt = self.signals.altstack;
        let use_alt = action.flags & libc::SA_ONSTACK as u64 != 0
            && alt.size != 0
            && alt.flags & SS_DISABLE == 0
            && !on_stack(&alt, regs.rsp);
        let mut sp = if use_alt {
            alt.sp + alt.size
        } else {
            regs.rsp.wrapping_sub(RED_ZONE)
        };

        // The FP state, with the markers that say it is a full XSAVE area.
        let fp_len = fp.len();
        if fp_len >= 512 + 64 {
            let xfeatures = get_u64(&fp, 512) | 3;
            put_u32(&mut fp, SW_RESERVED, FP_XSTATE_MAGIC1);
            put_u32(&mut fp, SW_RESERVED + 4, (fp_len + 4) as u32);
            put_u64(&mut fp, SW_RESERVED + 8, xfeatures);
            put_u32(&mut fp, SW_RESERVED + 16, fp_len as u32);
            fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_ne_bytes());
        }
        sp = sp.wrapping_sub(fp.len() as u64) & !63;
        let fp_addr = sp;
        sp = (sp.wrapping_sub(FRAME_SIZE) & !15).wrapping_sub(8);
        let frame = sp;

        let old_mask = self
            .signals
            .saved_mask
            .take()
            .unwrap_or_else(|| self.sig.mask());
        let mut uc = [0u8; UC_SIZE];
        put_u64(
            &mut uc,
            0,
            UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
        );
        // uc_stack: the alternate stack as it was.
        let stack_flags = if alt.size == 0 || alt.flags & SS_DISABLE != 0 {
            SS_DISABLE
        } else if on_stack(&alt, regs.rsp) {
            SS_ONSTACK
        } else {
            alt.flags
        };
        put_u64(&mut uc, 16, alt.sp);
        put_u32(&mut uc, 24, stack_flags as u32);
        put_u64(&mut uc, 32, alt.size);
        for (i, v) in gregs(&regs).iter().enumerate() {
            put_u64(&mut uc, SIGCONTEXT_OFFSET + 8 * i, *v);
        }
        // cs, gs, fs, ss as four u16.
        let segs = SIGCONTEXT_OFFSET + 144;
        for (i, v) in [regs.cs, regs.gs, regs.fs, regs.ss].iter().enumerate() {
            uc[segs + 2 * i..segs + 2 * i + 2].copy_from_slice(&(*v as u16).to_ne_bytes());
        }
        // err, trapno, oldmask, cr2: the fault address for SIGSEGV.
        put_u64(&mut uc, SIGCONTEXT_OFFSET + 152 + 8, 0);
        put_u64(&mut uc, SIGCONTEXT_OFFSET + 168, old_mask);
        put_u64(
            &mut uc,
            SIGCONTEXT_OFFSET + 176,
            if info.code > 0 { info.addr } else { 0 },
        );
        put_u64(&mut uc, SIGCONTEXT_OFFSET + 184, fp_addr);
        put_u64(&mut uc, SIGCONTEXT_OFFSET + 256, old_mask);

        let mut bytes = Vec::with_capacity(FRAME_SIZE as usize);
        bytes.extend_from_slice(&action.restorer.to_ne_bytes());
        bytes.extend_from_slice(&uc);
        bytes.extend_from_slice(&info.to_bytes());
        self.mm.write(fp_addr, &fp)?;
        self.mm.write(frame, &bytes)?;

        let r = &mut self.regs.0;
        r.rip = action.handler;
        r.rsp = frame;
        r.rdi = info.signo as u64;
        r.rsi = frame + INFO_OFFSET;
        r.rdx = frame + UC_OFFSET;
        r.rax = 0;
        // DF, TF, RF and AC are cleared for the handler.
        r.eflags &= !(0x400 | 0x100 | 0x10000 | 0x40000);

        let mut mask = old_mask | action.mask;
        if action.flags & libc::SA_NODEFER as u64 == 0 {
            mask |= sig_bit(info.signo);
        }
        self.sig.set_mask(mask);
        if use_alt && alt.flags & SS_AUTODISARM != 0 {
            self.signals.altstack = StackT::default();
        }
        Ok(())
    }

    /// rt_sigreturn: restores the registers, mask, FP state and alternate stack saved in the
    /// frame the handler returned from. Returns the restored `rax`.
    pub fn sigreturn(&mut self) -> Result<u64, Errno> {
        // The handler's `ret` popped pretcode: rsp points at the ucontext.
        let uc_addr = self.regs.0.rsp;
        let mut uc = [0u8; UC_SIZE];
        if self.mm.read(uc_addr, &mut uc).is_err() {
            return Err(Errno::EFAULT);
        }
        let mut g = [0u64; 18];
        for (i, v) in g.iter_mut().enumerate() {
            *v = get_u64(&uc, SIGCONTEXT_OFFSET + 8 * i);
        }
        let mut regs: Regs = self.regs;
        let r = &mut regs.0;
        [
            r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx,
            r.rdx, r.rax, r.rcx, r.rsp, r.rip,
        ] = [
            g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13],
            g[14], g[15], g[16],
        ];
        r.eflags = (r.eflags & !FIX_EFLAGS) | (g[17] & FIX_EFLAGS);
        let fp_addr = get_u64(&uc, SIGCONTEXT_OFFSET + 184);
        if fp_addr != 0 {
            let mut legacy = vec![0u8; 512];
            self.mm.read(fp_addr, &mut legacy)?;
            let size = if get_u32(&legacy, SW_RESERVED) == FP_XSTATE_MAGIC1 {
                (get_u32(&legacy, SW_RESERVED + 16) as usize).clamp(512, 16 * 1024)
            } else {
                512
            };
            let mut state = vec![0u8; size.max(512 + 64)];
            self.mm.read(fp_addr, &mut state[..size])?;
            if size == 512 {
                // A bare FXSAVE image: mark x87 and SSE present in the XSAVE header.
                put_u64(&mut state, 512, 3);
            }
            if let Err(e) = self.ctx.set_fp_state(&state) {
                tracing::warn!("restoring FP state: {e}");
                return Err(Errno::EFAULT);
            }
        }
        let mask = get_u64(&uc, SIGCONTEXT_OFFSET + 256);
        self.sig.set_mask(mask);
        // The alternate stack, as sigaltstack would set it (errors are ignored, as Linux does).
        let ss = StackT {
            sp: get_u64(&uc, 16),
            flags: get_u32(&uc, 24) as i32,
            pad: 0,
            size: get_u64(&uc, 32),
        };
        if ss.flags & SS_DISABLE != 0 {
            self.signals.altstack = StackT::default();
        } else if ss.size >= 2048 {
            self.signals.altstack = StackT {
                flags: ss.flags & SS_AUTODISARM,
                ..ss
            };
        }
        self.regs = regs;
        self.restart = None;
        Ok(self.regs.0.rax)
    }
}
