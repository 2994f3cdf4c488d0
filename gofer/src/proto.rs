//! The messages between the sentry (client) and the gofer (server), and their codec.
//!
//! One message is one seqpacket datagram: a bincode-encoded [`Request`] or [`Reply`] (varint
//! integers, little endian), at most [`MAX_MESSAGE`] bytes, with at most one file descriptor
//! alongside (`Reply::Opened` and `Reply::Created`). Every request but `Clunk` gets exactly one
//! reply, in order.
//!
//! Size bounds: names are at most `NAME_MAX` bytes, symlink targets less than `PATH_MAX`, xattr
//! values and lists at most 64 KiB (`XATTR_SIZE_MAX`, `XATTR_LIST_MAX`), so every reply but a
//! directory listing fits easily in 128 KiB. Directory listings come in chunks of at most
//! [`READDIR_BUDGET`] bytes of entries, each chunk naming the `d_off` cookie to continue from.
//! 128 KiB also stays below the default socket send buffer (`wmem_default`, 208 KiB), which bounds
//! the largest seqpacket datagram.

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Dirent, Errno, Fid, SetAttr, Stat, StatFs};

/// The largest encoded message, in bytes.
pub(crate) const MAX_MESSAGE: usize = 128 * 1024;

/// The most bytes of (estimated, encoded) entries in one `Reply::Dirents`.
pub(crate) const READDIR_BUDGET: usize = 96 * 1024;

/// A request from the sentry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Request {
    /// The handshake; must stay variant 0.
    Version {
        version: u32,
    },
    Attach {
        index: u32,
    },
    Walk {
        dir: Fid,
        name: Vec<u8>,
    },
    Open {
        fid: Fid,
        flags: i32,
    },
    Create {
        dir: Fid,
        name: Vec<u8>,
        flags: i32,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Mkdir {
        dir: Fid,
        name: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Mknod {
        dir: Fid,
        name: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Symlink {
        dir: Fid,
        name: Vec<u8>,
        target: Vec<u8>,
        uid: u32,
        gid: u32,
    },
    Link {
        dir: Fid,
        name: Vec<u8>,
        target: Fid,
    },
    Unlink {
        dir: Fid,
        name: Vec<u8>,
        flags: i32,
    },
    Rename {
        old_dir: Fid,
        old_name: Vec<u8>,
        new_dir: Fid,
        new_name: Vec<u8>,
        flags: u32,
    },
    Readlink {
        fid: Fid,
    },
    Stat {
        fid: Fid,
    },
    SetAttr {
        fid: Fid,
        attr: SetAttr,
    },
    /// One chunk of a listing, starting at the `d_off` cookie `offset` (0: the beginning).
    Readdir {
        fid: Fid,
        offset: i64,
    },
    StatFs {
        fid: Fid,
    },
    GetXattr {
        fid: Fid,
        name: Vec<u8>,
    },
    ListXattr {
        fid: Fid,
    },
    /// Has no reply.
    Clunk {
        fid: Fid,
    },
}

/// A reply from the gofer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Reply {
    /// The handshake; must stay variant 0.
    Version {
        version: u32,
    },
    Error {
        errno: Errno,
    },
    /// Attach, walk, mkdir, mknod, symlink.
    Walked {
        fid: Fid,
        stat: Stat,
    },
    /// Open: the file descriptor travels alongside.
    Opened,
    /// Create: the file descriptor travels alongside.
    Created {
        fid: Fid,
        stat: Stat,
    },
    /// Stat, setattr, link.
    Stat {
        stat: Stat,
    },
    /// Unlink, rename.
    Done,
    /// Readlink, getxattr, listxattr.
    Bytes {
        data: Vec<u8>,
    },
    /// A chunk of a listing; `next` is the cookie to continue from, `None` at the end.
    Dirents {
        entries: Vec<Dirent>,
        next: Option<i64>,
    },
    StatFs {
        statfs: StatFs,
    },
}

/// A message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[error("gofer message codec: {0}")]
pub(crate) struct CodecError(#[from] bincode::Error);

fn options() -> impl Options {
    // The limit bounds both what we encode and what a decoder will allocate for; a length prefix
    // larger than the message fails instead of allocating.
    bincode::DefaultOptions::new()
        .with_limit(MAX_MESSAGE as u64)
        .reject_trailing_bytes()
}

/// Encodes one message; fails if it would exceed [`MAX_MESSAGE`].
pub(crate) fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, CodecError> {
    Ok(options().serialize(msg)?)
}

/// Decodes one whole message; truncated, oversized or trailing input is an error.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    Ok(options().deserialize(bytes)?)
}

/// The bytes one entry adds to an encoded `Reply::Dirents`, at most: a varint inode (≤ 10), the
/// kind (1), a varint length (≤ 10) and the name.
pub(crate) fn dirent_encoded_max(name_len: usize) -> usize {
    21 + name_len
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Timespec;

    /// One of every request, with non-trivial fields.
    pub(crate) fn sample_requests() -> Vec<Request> {
        let f = Fid(7);
        let n = b"name".to_vec();
        vec![
            Request::Version { version: 1 },
            Request::Attach { index: 0 },
            Request::Walk {
                dir: f,
                name: n.clone(),
            },
            Request::Open {
                fid: f,
                flags: libc::O_RDWR,
            },
            Request::Create {
                dir: f,
                name: n.clone(),
                flags: 2,
                mode: 0o644,
                uid: 1,
                gid: 2,
            },
            Request::Mkdir {
                dir: f,
                name: n.clone(),
                mode: 0o755,
                uid: 0,
                gid: 0,
            },
            Request::Mknod {
                dir: f,
                name: n.clone(),
                mode: libc::S_IFIFO | 0o600,
                uid: 0,
                gid: 0,
            },
            Request::Symlink {
                dir: f,
                name: n.clone(),
                target: b"/x".to_vec(),
                uid: 0,
                gid: 0,
            },
            Request::Link {
                dir: f,
                name: n.clone(),
                target: Fid(9),
            },
            Request::Unlink {
                dir: f,
                name: n.clone(),
                flags: libc::AT_REMOVEDIR,
            },
            Request::Rename {
                old_dir: f,
                old_name: n.clone(),
                new_dir: Fid(8),
                new_name: b"m".to_vec(),
                flags: 1,
            },
            Request::Readlink { fid: f },
            Request::Stat { fid: f },
            Request::SetAttr {
                fid: f,
                attr: SetAttr {
                    mode: Some(0o600),
                    uid: Some(3),
                    gid: None,
                    size: Some(10),
                    atime: Some(Timespec {
                        sec: 5,
                        nsec: libc::UTIME_NOW,
                    }),
                    mtime: None,
                },
            },
            Request::Readdir {
                fid: f,
                offset: 1234,
            },
            Request::StatFs { fid: f },
            Request::GetXattr {
                fid: f,
                name: b"user.a".to_vec(),
            },
            Request::ListXattr { fid: f },
            Request::Clunk { fid: f },
        ]
    }

    /// One of every reply.
    pub(crate) fn sample_replies() -> Vec<Reply> {
        let stat = Stat {
            ino: 5,
            mode: libc::S_IFREG | 0o644,
            size: 99,
            ..Stat::default()
        };
        vec![
            Reply::Version { version: 1 },
            Reply::Error {
                errno: libc::ENOENT,
            },
            Reply::Walked { fid: Fid(3), stat },
            Reply::Opened,
            Reply::Created { fid: Fid(4), stat },
            Reply::Stat { stat },
            Reply::Done,
            Reply::Bytes {
                data: b"target".to_vec(),
            },
            Reply::Dirents {
                entries: vec![Dirent {
                    ino: 1,
                    kind: libc::DT_DIR,
                    name: b".".to_vec(),
                }],
                next: Some(77),
            },
            Reply::StatFs {
                statfs: StatFs {
                    fs_type: 0x6969,
                    fsid: [1, 2],
                    ..StatFs::default()
                },
            },
        ]
    }

    #[test]
    fn requests_round_trip() {
        for req in sample_requests() {
            let bytes = encode(&req).unwrap();
            let back: Request = decode(&bytes).unwrap();
            assert_eq!(format!("{back:?}"), format!("{req:?}"));
        }
    }

    #[test]
    fn replies_round_trip() {
        for reply in sample_replies() {
            let bytes = encode(&reply).unwrap();
            let back: Reply = decode(&bytes).unwrap();
            assert_eq!(format!("{back:?}"), format!("{reply:?}"));
        }
    }

    #[test]
    fn handshake_is_variant_zero() {
        assert_eq!(encode(&Request::Version { version: 1 }).unwrap(), [0, 1]);
        assert_eq!(encode(&Reply::Version { version: 1 }).unwrap(), [0, 1]);
    }

    #[test]
    fn truncated_and_trailing_input_is_an_error() {
        for req in sample_requests() {
            let bytes = encode(&req).unwrap();
            for len in 0..bytes.len() {
                assert!(
                    decode::<Request>(&bytes[..len]).is_err(),
                    "{req:?} cut at {len}"
                );
            }
            let mut long = bytes.clone();
            long.push(0);
            assert!(decode::<Request>(&long).is_err());
        }
    }

    #[test]
    fn huge_length_prefix_fails_without_allocating() {
        // Walk { dir: 0, name: <length u64::MAX> }: varint 0xfd announces a u64.
        let mut bytes = vec![2, 0, 0xfd];
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode::<Request>(&bytes).is_err());
    }

    #[test]
    fn oversized_message_does_not_encode() {
        let reply = Reply::Bytes {
            data: vec![0; MAX_MESSAGE],
        };
        assert!(encode(&reply).is_err());
    }

    #[test]
    fn largest_bounded_replies_fit() {
        let xattr = Reply::Bytes {
            data: vec![0xff; 65536],
        };
        assert!(encode(&xattr).unwrap().len() <= MAX_MESSAGE);
        let mut entries = Vec::new();
        let mut used = 0;
        while used + dirent_encoded_max(255) <= READDIR_BUDGET {
            entries.push(Dirent {
                ino: u64::MAX,
                kind: 0xff,
                name: vec![b'x'; 255],
            });
            used += dirent_encoded_max(255);
        }
        let reply = Reply::Dirents {
            entries,
            next: Some(i64::MAX),
        };
        assert!(encode(&reply).unwrap().len() <= MAX_MESSAGE);
    }
}
