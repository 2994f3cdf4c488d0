//! POSIX message queues, compared with Linux.

use blinders_tests::*;

#[test]
fn posix_message_queues_match_linux() {
    let prog = compile("mqueue", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains(
            "notified                                 sig 10 code SI_MESGQ value 42 pid child\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("receive                                  bb prio 5 len 2\n"),
        "{out}"
    );
    assert!(
        out.contains("SIGEV_THREAD                             fired 1 value 7 other thread 1\n"),
        "{out}"
    );
    assert!(
        out.contains("cookie on a message                      32 bytes, last byte 1, first c\n"),
        "{out}"
    );
}
