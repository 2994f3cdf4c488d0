//! The gofer: the process that serves the container's files to the sentry.
//!
//! Not built yet: until it lands (issue 3), the sentry reads the host root through
//! `sentry::fs::host`, behind the same `FileProvider` interface the gofer client will implement.
#![forbid(unsafe_code)]
