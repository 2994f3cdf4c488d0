//! Sentry threads kept for reuse. Every task is served by a sentry thread of its own; when the
//! task ends its thread waits here for the next task instead of exiting. Spawning a thread
//! (stack mapping, clone, TLS) costs ~30 µs on these machines, handing a job to a waiting one
//! ~5 µs, and programs make threads and processes by the thousand (a `make`, a thread pool).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// At most this many threads wait for work; more end at once.
const MAX_IDLE: usize = 64;
/// A thread left waiting this long ends.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Sentry threads serve the app's syscalls on their stack: as `std::thread`'s default.
const STACK_SIZE: usize = 2 << 20;

struct Worker {
    job: Mutex<Option<Job>>,
    ready: Condvar,
}

/// The threads waiting for work, last one in first (its stack and caches are warmest).
static IDLE: Mutex<Vec<Arc<Worker>>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `job` on a sentry thread named `name`: a waiting one if there is one, else a new one.
pub fn spawn(name: String, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let job: Job = Box::new(move || {
        platform::name_current_thread(&name);
        job()
    });
    let idle = lock(&IDLE).pop();
    match idle {
        Some(worker) => {
            *lock(&worker.job) = Some(job);
            worker.ready.notify_one();
            Ok(())
        }
        None => {
            let worker = Arc::new(Worker {
                job: Mutex::new(Some(job)),
                ready: Condvar::new(),
            });
            std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn(move || serve(worker))
                .map(drop)
        }
    }
}

/// A worker's life: its jobs, one after another, until none comes for a while.
fn serve(worker: Arc<Worker>) {
    loop {
        let job = lock(&worker.job).take();
        if let Some(job) = job {
            job();
        }
        {
            let mut idle = lock(&IDLE);
            if idle.len() >= MAX_IDLE {
                return;
            }
            idle.push(worker.clone());
        }
        let mut slot = lock(&worker.job);
        while slot.is_none() {
            let (s, timeout) = worker
                .ready
                .wait_timeout(slot, IDLE_TIMEOUT)
                .unwrap_or_else(|e| e.into_inner());
            slot = s;
            if timeout.timed_out() && slot.is_none() {
                // Leave, unless a spawner already took us off the list (its job is coming).
                let mut idle = lock(&IDLE);
                if let Some(at) = idle.iter().position(|w| Arc::ptr_eq(w, &worker)) {
                    idle.swap_remove(at);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn jobs_run_and_threads_are_reused() {
        let (tx, rx) = mpsc::channel();
        let mut ids = std::collections::HashSet::new();
        for i in 0..50 {
            let tx = tx.clone();
            spawn(format!("t{i}"), move || {
                tx.send((i, std::thread::current().id())).unwrap();
            })
            .unwrap();
            // One at a time, so the last one's thread is waiting again when the next comes.
            let (got, id) = rx.recv().unwrap();
            assert_eq!(got, i);
            ids.insert(id);
            while lock(&IDLE).is_empty() {
                std::thread::yield_now();
            }
        }
        assert_eq!(ids.len(), 1, "one after another, jobs reuse one thread");
        // Many at once: every one runs, each on a thread of its own.
        ids.clear();
        for i in 0..20 {
            let tx = tx.clone();
            spawn(format!("u{i}"), move || {
                std::thread::sleep(Duration::from_millis(20));
                tx.send((i, std::thread::current().id())).unwrap();
            })
            .unwrap();
        }
        let mut seen = Vec::new();
        for _ in 0..20 {
            let (i, id) = rx.recv().unwrap();
            seen.push(i);
            ids.insert(id);
        }
        seen.sort();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        assert_eq!(ids.len(), 20, "concurrent jobs each had a thread");
    }
}
