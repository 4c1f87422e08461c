//! Opens of local files, seen through Linux's inotify: a local-file probe names a file the SP
//! has no other reason to open, so any open of it proves the SP read a file a message named.
//! The file stays a plain file: a reader is never kept waiting, whatever becomes of the
//! harness.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How long the reading thread waits for events before it looks at its stop flag.
const POLL_MS: libc::c_int = 50;

/// The size of `struct inotify_event` before its name.
const EVENT_HEADER: usize = 16;

/// What each watch reports to: the key it was registered under and the file's path.
type Watched = Arc<Mutex<HashMap<libc::c_int, (String, PathBuf)>>>;

/// One inotify instance and the thread that reads it; stops when dropped.
pub struct FileWatch {
    fd: Arc<OwnedFd>,
    watched: Watched,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileWatch {
    /// Starts watching nothing yet; `on_open(key, path)` is called for each open of a file
    /// [`FileWatch::watch`] registered (opens that follow one another before the thread reads
    /// them may be reported once).
    pub fn start(on_open: impl Fn(&str, &Path) + Send + 'static) -> std::io::Result<FileWatch> {
        // SAFETY: plain flags; a non-negative result is a new descriptor this process owns.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` was just returned by inotify_init1 and is owned by nothing else.
        let fd = Arc::new(unsafe { OwnedFd::from_raw_fd(raw) });
        let watched: Watched = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("canary-file-watch".into())
            .spawn({
                let (fd, watched, stop) = (fd.clone(), watched.clone(), stop.clone());
                move || read_events(&fd, &watched, &stop, on_open)
            })?;
        Ok(FileWatch {
            fd,
            watched,
            stop,
            thread: Some(thread),
        })
    }

    /// Reports every open of `path` from now on under `key`.
    pub fn watch(&self, path: &Path, key: &str) -> std::io::Result<()> {
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        // Held across the call, so an open right after it finds its key.
        let mut watched = lock(&self.watched);
        // SAFETY: a valid descriptor and C string for the duration of the call.
        let wd =
            unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c_path.as_ptr(), libc::IN_OPEN) };
        if wd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        watched.insert(wd, (key.to_owned(), path.to_owned()));
        Ok(())
    }
}

impl Drop for FileWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads events until `stop`, reporting each open of a watched file.
fn read_events(fd: &OwnedFd, watched: &Watched, stop: &AtomicBool, on_open: impl Fn(&str, &Path)) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        if unsafe { libc::poll(&mut poll, 1, POLL_MS) } <= 0 {
            continue;
        }
        // SAFETY: the buffer is valid for its length; the descriptor is open.
        let read = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        let Ok(read) = usize::try_from(read) else {
            continue;
        };
        for (wd, mask) in events(&buf[..read]) {
            if mask & libc::IN_OPEN == 0 {
                continue;
            }
            let target = lock(watched).get(&wd).cloned();
            if let Some((key, path)) = target {
                on_open(&key, &path);
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
            move |key, path| lock(&seen).push((key.to_owned(), path.to_owned()))
        })
        .unwrap();
        watch.watch(&watched, "token").unwrap();
        let seen_at_least = |n: usize| {
            for _ in 0..200 {
                if lock(&seen).len() >= n {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        };
        std::fs::read(&other).unwrap();
        std::fs::read(&watched).unwrap();
        seen_at_least(1);
        // A second open once the first was read (inotify merges identical unread events).
        std::fs::read(&watched).unwrap();
        seen_at_least(2);
        drop(watch);
        let want = ("token".to_owned(), watched);
        assert_eq!(*lock(&seen), vec![want.clone(), want]);
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
