//! Credentials: a task's user and group ids (real, effective, saved, fs), supplementary
//! groups and capabilities, with the rules of Linux's setuid family (kernel/sys.c) and
//! capabilities(7): root's capabilities go when it changes all its uids away from 0, and come
//! back to the effective set when the effective uid returns to 0.

use std::sync::Arc;

use crate::errno::Errno;

/// The highest capability number (CAP_CHECKPOINT_RESTORE), as /proc/sys/kernel/cap_last_cap.
pub const CAP_LAST_CAP: u32 = 40;
/// Every capability.
pub const CAP_FULL: u64 = (1 << (CAP_LAST_CAP + 1)) - 1;
pub const CAP_CHOWN: u32 = 0;
pub const CAP_DAC_OVERRIDE: u32 = 1;
pub const CAP_FOWNER: u32 = 3;
pub const CAP_KILL: u32 = 5;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SYS_CHROOT: u32 = 18;
pub const CAP_SYS_ADMIN: u32 = 21;
/// The most supplementary groups (NGROUPS_MAX).
pub const NGROUPS_MAX: usize = 65536;

/// A task's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cred {
    pub ruid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub rgid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Arc<[u32]>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    /// prctl(PR_SET_KEEPCAPS): keep permitted capabilities across a change away from uid 0.
    pub keep_caps: bool,
}

/// Which uid an id argument of -1 leaves unchanged.
const KEEP: u32 = u32::MAX;

impl Cred {
    /// The first process's credentials: the user who started the sandbox, with the
    /// capabilities the caller has (`caps`: effective, permitted, inheritable).
    pub fn new(uid: u32, gid: u32, groups: Vec<u32>) -> Cred {
        let caps = if uid == 0 { CAP_FULL } else { 0 };
        Cred::with_caps(uid, gid, groups, (caps, caps, 0))
    }

    pub fn with_caps(uid: u32, gid: u32, groups: Vec<u32>, caps: (u64, u64, u64)) -> Cred {
        Cred {
            ruid: uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            rgid: gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups: groups.into(),
            cap_effective: caps.0,
            cap_permitted: caps.1,
            cap_inheritable: caps.2,
            keep_caps: false,
        }
    }

    pub fn capable(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// The ids file permissions are checked against.
    pub fn fs(&self) -> crate::vfs::Creds {
        crate::vfs::Creds {
            uid: self.fsuid,
            gid: self.fsgid,
            groups: self.groups.clone(),
            dac_override: self.capable(CAP_DAC_OVERRIDE),
        }
    }

    fn is_uid(&self, id: u32) -> bool {
        id == self.ruid || id == self.euid || id == self.suid
    }

    fn is_gid(&self, id: u32) -> bool {
        id == self.rgid || id == self.egid || id == self.sgid
    }

    /// capabilities(7), "Effect of user ID changes on capabilities".
    fn fix_caps(&mut self, old: &Cred) {
        let old_any_root = old.ruid == 0 || old.euid == 0 || old.suid == 0;
        let all_nonroot = self.ruid != 0 && self.euid != 0 && self.suid != 0;
        if old_any_root && all_nonroot && !self.keep_caps {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
        if old.euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
        // The fs capabilities follow fsuid (CAP_CHOWN, DAC_*, FOWNER, FSETID, ...).
        let fs_caps: u64 = 0x1f | (1 << 9) | (1 << 27);
        if old.fsuid == 0 && self.fsuid != 0 {
            self.cap_effective &= !fs_caps;
        }
        if old.fsuid != 0 && self.fsuid == 0 {
            self.cap_effective |= self.cap_permitted & fs_caps;
        }
    }

    fn commit_uids(&mut self, next: Cred) {
        let old = std::mem::replace(self, next);
        self.fix_caps(&old);
    }

    /// setuid(2).
    pub fn setuid(&mut self, uid: u32) -> Result<(), Errno> {
        if uid == KEEP {
            return Err(Errno::EINVAL);
        }
        let mut n = self.clone();
        if self.capable(CAP_SETUID) {
            n.ruid = uid;
            n.suid = uid;
        } else if uid != self.ruid && uid != self.suid {
            return Err(Errno::EPERM);
        }
        n.euid = uid;
        n.fsuid = uid;
        self.commit_uids(n);
        Ok(())
    }

    /// setreuid(2).
    pub fn setreuid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let priv_ = self.capable(CAP_SETUID);
        let mut n = self.clone();
        if r != KEEP {
            if !priv_ && r != self.ruid && r != self.euid {
                return Err(Errno::EPERM);
            }
            n.ruid = r;
        }
        if e != KEEP {
            if !priv_ && !self.is_uid(e) {
                return Err(Errno::EPERM);
            }
            n.euid = e;
        }
        if r != KEEP || (e != KEEP && e != self.ruid) {
            n.suid = n.euid;
        }
        n.fsuid = n.euid;
        self.commit_uids(n);
        Ok(())
    }

    /// setresuid(2).
    pub fn setresuid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let priv_ = self.capable(CAP_SETUID);
        for id in [r, e, s] {
            if id != KEEP && !priv_ && !self.is_uid(id) {
                return Err(Errno::EPERM);
            }
        }
        let mut n = self.clone();
        if r != KEEP {
            n.ruid = r;
        }
        if e != KEEP {
            n.euid = e;
        }
        if s != KEEP {
            n.suid = s;
        }
        n.fsuid = n.euid;
        self.commit_uids(n);
        Ok(())
    }

    /// setfsuid(2): always answers the old fsuid; changes it only if allowed.
    pub fn setfsuid(&mut self, uid: u32) -> u32 {
        let old = self.fsuid;
        if uid != KEEP && (self.capable(CAP_SETUID) || self.is_uid(uid) || uid == self.fsuid) {
            let mut n = self.clone();
            n.fsuid = uid;
            self.commit_uids(n);
        }
        old
    }

    /// setgid(2).
    pub fn setgid(&mut self, gid: u32) -> Result<(), Errno> {
        if gid == KEEP {
            return Err(Errno::EINVAL);
        }
        if self.capable(CAP_SETGID) {
            self.rgid = gid;
            self.sgid = gid;
        } else if gid != self.rgid && gid != self.sgid {
            return Err(Errno::EPERM);
        }
        self.egid = gid;
        self.fsgid = gid;
        Ok(())
    }

    /// setregid(2).
    pub fn setregid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let priv_ = self.capable(CAP_SETGID);
        let mut n = self.clone();
        if r != KEEP {
            if !priv_ && r != self.rgid && r != self.egid {
                return Err(Errno::EPERM);
            }
            n.rgid = r;
        }
        if e != KEEP {
            if !priv_ && !self.is_gid(e) {
                return Err(Errno::EPERM);
            }
            n.egid = e;
        }
        if r != KEEP || (e != KEEP && e != self.rgid) {
            n.sgid = n.egid;
        }
        n.fsgid = n.egid;
        *self = n;
        Ok(())
    }

    /// setresgid(2).
    pub fn setresgid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let priv_ = self.capable(CAP_SETGID);
        for id in [r, e, s] {
            if id != KEEP && !priv_ && !self.is_gid(id) {
                return Err(Errno::EPERM);
            }
        }
        if r != KEEP {
            self.rgid = r;
        }
        if e != KEEP {
            self.egid = e;
        }
        if s != KEEP {
            self.sgid = s;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// setfsgid(2).
    pub fn setfsgid(&mut self, gid: u32) -> u32 {
        let old = self.fsgid;
        if gid != KEEP && (self.capable(CAP_SETGID) || self.is_gid(gid) || gid == self.fsgid) {
            self.fsgid = gid;
        }
        old
    }

    /// setgroups(2).
    pub fn setgroups(&mut self, groups: Vec<u32>) -> Result<(), Errno> {
        if !self.capable(CAP_SETGID) {
            return Err(Errno::EPERM);
        }
        self.groups = groups.into();
        Ok(())
    }

    /// capset(2): a task may only drop capabilities, and keep inheritable ones within its
    /// permitted set (no CAP_SETPCAP games).
    pub fn capset(
        &mut self,
        effective: u64,
        permitted: u64,
        inheritable: u64,
    ) -> Result<(), Errno> {
        if permitted & !self.cap_permitted != 0
            || effective & !permitted != 0
            || inheritable & !(self.cap_inheritable | self.cap_permitted) != 0
        {
            return Err(Errno::EPERM);
        }
        self.cap_effective = effective;
        self.cap_permitted = permitted;
        self.cap_inheritable = inheritable;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_drops_to_a_user_and_loses_capabilities() {
        let mut c = Cred::new(0, 0, vec![]);
        c.setresuid(1000, 1000, 1000).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid, c.fsuid), (1000, 1000, 1000, 1000));
        assert_eq!(c.cap_permitted, 0);
        assert_eq!(c.setuid(0), Err(Errno::EPERM));
    }

    #[test]
    fn saved_uid_lets_a_process_switch_back() {
        let mut c = Cred::new(0, 0, vec![]);
        c.setresuid(-1i32 as u32, 1000, -1i32 as u32).unwrap();
        assert!(!c.capable(CAP_SETUID));
        assert_eq!(c.cap_permitted, CAP_FULL);
        c.setresuid(KEEP, 0, KEEP).unwrap();
        assert!(c.capable(CAP_SETUID));
    }

    #[test]
    fn unprivileged_setreuid_rules() {
        let mut c = Cred::new(1000, 1000, vec![]);
        assert_eq!(c.setreuid(KEEP, 0), Err(Errno::EPERM));
        assert_eq!(c.setuid(1000), Ok(()));
        assert_eq!(c.setfsuid(5), 1000);
        assert_eq!(c.fsuid, 1000, "not allowed, unchanged");
        assert_eq!(c.setgroups(vec![1]), Err(Errno::EPERM));
    }
}
