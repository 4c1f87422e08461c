//! Opens of local files, seen through Linux's inotify: a local-file probe names a file the SP
//! has no other reason to open, so any open of it proves the SP read a file a message named.
//! The file stays a plain file: a reader is never kept waiting, whatever becomes of the
//! harness.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::lock;

/// How long the reading thread waits for events before it looks at its stop flag.
const POLL_MS: libc::c_int = 50;

/// The size of `struct inotify_event` before its name.
const EVENT_HEADER: usize = 16;

/// What one inotify instance shares between its owner and its reading thread.
struct Shared<K> {
    fd: OwnedFd,
    /// The key each watch descriptor was registered under.
    keys: Mutex<HashMap<libc::c_int, K>>,
    /// Held while events are read and reported, so [`FileWatch::drain`] returns only once
    /// every queued open has been reported.
    reading: Mutex<()>,
    /// Whether the kernel's queue overflowed: opens may have been lost.
    overflowed: AtomicBool,
    on_open: Box<dyn Fn(&K) + Send + Sync>,
}

/// One inotify instance and the thread that reads it; stops when dropped.
pub struct FileWatch<K: Send + 'static> {
    shared: Arc<Shared<K>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<K: Send + 'static> FileWatch<K> {
    /// Starts watching nothing yet; `on_open(key)` is called for each open of a file
    /// [`FileWatch::watch`] registered (opens that follow one another before they are read
    /// may be reported once).
    pub fn start(on_open: impl Fn(&K) + Send + Sync + 'static) -> std::io::Result<FileWatch<K>> {
        // SAFETY: plain flags; a non-negative result is a new descriptor this process owns.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` was just returned by inotify_init1 and is owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let shared = Arc::new(Shared {
            fd,
            keys: Mutex::new(HashMap::new()),
            reading: Mutex::new(()),
            overflowed: AtomicBool::new(false),
            on_open: Box::new(on_open),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("canary-file-watch".into())
            .spawn({
                let (shared, stop) = (shared.clone(), stop.clone());
                move || {
                    while !stop.load(Ordering::SeqCst) {
                        if wait_readable(&shared.fd) {
                            report(&shared);
                        }
                    }
                }
            })?;
        Ok(FileWatch {
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// Reports every open of `path` from now on under `key`.
    pub fn watch(&self, path: &Path, key: K) -> std::io::Result<()> {
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        // Held across the call, so an open right after it finds its key.
        let mut keys = lock(&self.shared.keys);
        // SAFETY: a valid descriptor and C string for the duration of the call.
        let wd = unsafe {
            libc::inotify_add_watch(self.shared.fd.as_raw_fd(), c_path.as_ptr(), libc::IN_OPEN)
        };
        if wd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        keys.insert(wd, key);
        Ok(())
    }

    /// Reports every open queued so far, whatever the reading thread has got to.
    pub fn drain(&self) {
        report(&self.shared);
    }

    /// Whether the kernel dropped events: an open may have gone unreported.
    pub fn overflowed(&self) -> bool {
        self.shared.overflowed.load(Ordering::SeqCst)
    }
}

impl<K: Send + 'static> Drop for FileWatch<K> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Waits up to [`POLL_MS`] for events; whether there are some.
fn wait_readable(fd: &OwnedFd) -> bool {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    unsafe { libc::poll(&mut poll, 1, POLL_MS) > 0 }
}

/// Reads every queued event and reports each open of a watched file.
fn report<K>(shared: &Shared<K>) {
    let _reading = lock(&shared.reading);
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: the buffer is valid for its length; the descriptor is open. It is
        // non-blocking: an empty queue ends the loop.
        let read = unsafe { libc::read(shared.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        let Some(read) = usize::try_from(read).ok().filter(|&n| n > 0) else {
            return;
        };
        for (wd, mask) in events(&buf[..read]) {
            if mask & libc::IN_Q_OVERFLOW != 0 {
                shared.overflowed.store(true, Ordering::SeqCst);
            }
            if mask & libc::IN_OPEN == 0 {
                continue;
            }
            if let Some(key) = lock(&shared.keys).get(&wd) {
                (shared.on_open)(key);
            }
        }
    }
}

/// The (watch descriptor, mask) of each `struct inotify_event` in `bytes`.
fn events(bytes: &[u8]) -> Vec<(libc::c_int, u32)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + EVENT_HEADER) {
        let word = |i: usize| [header[i], header[i + 1], header[i + 2], header[i + 3]];
        let wd = libc::c_int::from_ne_bytes(word(0));
        let mask = u32::from_ne_bytes(word(4));
        let name_len = u32::from_ne_bytes(word(12)) as usize;
        out.push((wd, mask));
        at += EVENT_HEADER + name_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_open_of_a_watched_file_is_reported_under_its_key_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let (watched, other) = (dir.path().join("watched"), dir.path().join("other"));
        std::fs::write(&watched, "x").unwrap();
        std::fs::write(&other, "y").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let watch = FileWatch::start({
            let seen = seen.clone();
            move |key: &&str| lock(&seen).push(*key)
        })
        .unwrap();
        watch.watch(&watched, "token").unwrap();
        std::fs::read(&other).unwrap();
        std::fs::read(&watched).unwrap();
        // Reported by the time drain returns, whatever the thread has done.
        watch.drain();
        assert_eq!(*lock(&seen), vec!["token"]);
        // A second open once the first was read (inotify merges identical unread events).
        std::fs::read(&watched).unwrap();
        watch.drain();
        assert_eq!(*lock(&seen), vec!["token", "token"]);
        assert!(!watch.overflowed());
    }

    #[test]
    fn events_are_split_by_their_name_lengths() {
        let mut bytes = Vec::new();
        for (wd, mask, name) in [(1, libc::IN_OPEN, &b""[..]), (2, libc::IN_IGNORED, b"abcd")] {
            bytes.extend((wd as libc::c_int).to_ne_bytes());
            bytes.extend(mask.to_ne_bytes());
            bytes.extend(0u32.to_ne_bytes());
            bytes.extend((name.len() as u32).to_ne_bytes());
            bytes.extend(name);
        }
        assert_eq!(
            events(&bytes),
            vec![(1, libc::IN_OPEN), (2, libc::IN_IGNORED)]
        );
    }
}
