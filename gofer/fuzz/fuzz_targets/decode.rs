//! Decodes arbitrary bytes as a gofer request and as a reply: must never panic, hang or
//! allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gofer::fuzz_decode(data);
});
