//! The general-purpose registers of an app thread.

/// x86_64 general-purpose registers, as ptrace's `user_regs_struct` lays them out.
#[derive(Clone, Copy)]
pub struct Regs(pub libc::user_regs_struct);

impl Default for Regs {
    fn default() -> Self {
        // SAFETY: user_regs_struct is plain integers; all-zero is a valid value.
        Regs(unsafe { std::mem::zeroed() })
    }
}

impl std::fmt::Debug for Regs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.0;
        write!(
            f,
            "rip={:#x} rsp={:#x} rax={:#x} orig_rax={:#x} rdi={:#x} rsi={:#x} rdx={:#x}",
            r.rip, r.rsp, r.rax, r.orig_rax, r.rdi, r.rsi, r.rdx
        )
    }
}

impl Regs {
    /// The syscall number at a syscall trap.
    pub fn syscall_nr(&self) -> u64 {
        self.0.orig_rax
    }

    /// The six syscall arguments, in the x86_64 syscall convention.
    pub fn syscall_args(&self) -> [u64; 6] {
        let r = &self.0;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }

    /// Sets the syscall return value.
    pub fn set_return(&mut self, value: u64) {
        self.0.rax = value;
    }

    /// The size of `user_regs_struct`: 27 registers of 8 bytes.
    pub const SIZE: usize = std::mem::size_of::<libc::user_regs_struct>();

    /// The registers as `user_regs_struct`'s bytes (PTRACE_GETREGS, a core note).
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        // SAFETY: user_regs_struct is SIZE bytes of plain integers with no padding; the
        // source and the destination are both SIZE bytes and do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&self.0 as *const libc::user_regs_struct).cast::<u8>(),
                out.as_mut_ptr(),
                Self::SIZE,
            );
        }
        out
    }

    /// Registers from `user_regs_struct`'s bytes; missing trailing bytes are zero.
    pub fn from_bytes(bytes: &[u8]) -> Regs {
        let mut regs = Regs::default();
        let n = bytes.len().min(Self::SIZE);
        // SAFETY: user_regs_struct is plain integers, so any bytes make a valid value; at
        // most SIZE bytes are copied into it, from a slice at least that long.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                (&mut regs.0 as *mut libc::user_regs_struct).cast::<u8>(),
                n,
            );
        }
        regs
    }
}
