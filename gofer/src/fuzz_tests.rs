//! A deterministic fuzz test of the codec and the request handler (cargo-fuzz needs a nightly
//! toolchain; `gofer/fuzz` has the libFuzzer target for those who have one).
//!
//! Valid encoded requests and replies are mutated (bit flips, byte changes, truncation,
//! insertion, deletion, splicing, random tails) by a xorshift generator with a fixed seed, and
//! fed to the decoders and to a server over a temporary root: nothing may panic, an undecodable
//! request must get an `EINVAL` reply, and every reply must encode within the message bound.

use crate::proto::tests::{sample_replies, sample_requests};
use crate::proto::{self, Reply, Request, MAX_MESSAGE};
use crate::server::Server;
use crate::{Fid, Root};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// One mutation of a corpus entry.
fn mutate(rng: &mut XorShift, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut msg = corpus[rng.below(corpus.len())].clone();
    for _ in 0..=rng.below(3) {
        match rng.below(8) {
            0 if !msg.is_empty() => {
                let i = rng.below(msg.len());
                msg[i] ^= 1 << rng.below(8);
            }
            1 if !msg.is_empty() => {
                let i = rng.below(msg.len());
                msg[i] = rng.byte();
            }
            2 => msg.truncate(rng.below(msg.len() + 1)),
            3 => {
                let i = rng.below(msg.len() + 1);
                msg.insert(i, rng.byte());
            }
            4 if !msg.is_empty() => {
                msg.remove(rng.below(msg.len()));
            }
            5 => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(msg.len() + 1);
                msg.truncate(cut);
                msg.extend_from_slice(&other[rng.below(other.len() + 1)..]);
            }
            6 => {
                for _ in 0..rng.below(16) {
                    msg.push(rng.byte());
                }
            }
            _ => {
                // Interesting varint prefixes: u16, u32 and u64 markers and big lengths.
                let i = rng.below(msg.len() + 1);
                let marker = [0xfb, 0xfc, 0xfd, 0xfe, 0xff][rng.below(5)];
                msg.insert(i, marker);
            }
        }
    }
    msg
}

fn corpus<T: serde::Serialize>(msgs: &[T]) -> Vec<Vec<u8>> {
    msgs.iter().map(|m| proto::encode(m).unwrap()).collect()
}

#[test]
fn mutated_messages_never_panic_the_decoders() {
    let mut all = corpus(&sample_requests());
    all.extend(corpus(&sample_replies()));
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut decoded = 0;
    for _ in 0..1_000_000 {
        let msg = mutate(&mut rng, &all);
        if let Ok(req) = proto::decode::<Request>(&msg) {
            decoded += 1;
            // What decodes re-encodes to something that decodes to the same.
            let again = proto::encode(&req).unwrap();
            let back: Request = proto::decode(&again).unwrap();
            assert_eq!(format!("{back:?}"), format!("{req:?}"));
        }
        let _ = proto::decode::<Reply>(&msg);
    }
    assert!(
        decoded > 1000,
        "the mutations should also produce valid messages ({decoded})"
    );
}

#[test]
fn mutated_requests_get_replies_from_the_server() {
    let dir = crate::server::tests::TempDir::new("fuzz");
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"secret").unwrap();
    std::fs::write(root.join("name"), b"contents").unwrap();
    std::fs::write(root.join("sub/m"), b"").unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), root.join("b")).unwrap();
    std::os::unix::fs::symlink("../outside", root.join("m")).unwrap();
    let mut server = Server::new(&[Root {
        path: root.to_owned(),
        read_only: false,
    }])
    .unwrap();
    // Make fids 1..=12 valid, as the sample requests use small fids.
    let mut setup = vec![Request::Attach { index: 0 }];
    for name in [
        "name", "sub", "b", "name", "sub", "b", "name", "sub", "b", "sub", "name",
    ] {
        setup.push(Request::Walk {
            dir: Fid(1),
            name: name.as_bytes().to_vec(),
        });
    }
    for req in setup {
        let resp = server.handle(req).unwrap();
        assert!(
            !matches!(resp.reply, Reply::Error { .. }),
            "{:?}",
            resp.reply
        );
    }
    let requests = corpus(&sample_requests());
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut succeeded = 0;
    for _ in 0..200_000 {
        let msg = mutate(&mut rng, &requests);
        let valid = proto::decode::<Request>(&msg).is_ok();
        let Some(resp) = server.handle_bytes(&msg) else {
            assert!(valid, "only a decoded clunk goes unanswered");
            continue;
        };
        if !matches!(resp.reply, Reply::Error { .. }) {
            succeeded += 1;
        }
        if !valid {
            assert!(
                matches!(
                    resp.reply,
                    Reply::Error {
                        errno: libc::EINVAL
                    }
                ),
                "{:?}",
                resp.reply
            );
        }
        assert!(proto::encode(&resp.reply).unwrap().len() <= MAX_MESSAGE);
    }
    assert!(
        succeeded > 1000,
        "mutations should also make requests that succeed ({succeeded})"
    );
    // Nothing outside the root was touched through the symlinks to it.
    assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
    let names: Vec<_> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["secret"]);
}
