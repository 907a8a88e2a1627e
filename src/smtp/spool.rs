//! Where a message being received is kept: in memory while it is small and the memory budget
//! shared by all messages being received allows, else in a file under `data_dir/spool/`
//! (removed when the message is done), so that many concurrent large uploads cannot exhaust
//! memory. Limits `[limits] spool_message_above` and `spool_memory_budget`.
//!
//! File writes are plain blocking writes through a 64 KiB buffer, called from the session task:
//! they are page-cache writes of at most one read's worth of data at a time.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Names spool files uniquely within this process (the folder is emptied at start).
static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// A spool file, removed when dropped.
#[derive(Debug)]
struct SpoolFile {
    file: File,
    path: PathBuf,
}

impl SpoolFile {
    fn create(dir: &std::path::Path) -> io::Result<SpoolFile> {
        let n = NEXT_FILE.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{}-{n}.msg", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(SpoolFile { file, path })
    }
}

impl Write for SpoolFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove a spool file");
        }
    }
}

/// The memory budget for messages being received, and the folder they spill to.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// A message larger than this goes to a file whatever the budget.
    per_message: u64,
    /// Octets of all messages being received that may be held in memory at once.
    budget: u64,
    in_memory: AtomicU64,
}

impl Spool {
    /// Creates `dir` and empties it: files left there belong to messages of a previous run that
    /// were never acknowledged.
    pub fn new(dir: PathBuf, per_message: u64, budget: u64) -> io::Result<Spool> {
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Spool {
            dir,
            per_message,
            budget,
            in_memory: AtomicU64::new(0),
        })
    }

    /// Octets of messages being received held in memory now.
    pub fn in_memory(&self) -> u64 {
        self.in_memory.load(Ordering::Relaxed)
    }

    /// Takes `n` octets of the budget, if there are.
    fn reserve(&self, n: u64) -> bool {
        self.in_memory
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= self.budget)
            })
            .is_ok()
    }

    fn release(&self, n: u64) {
        self.in_memory.fetch_sub(n, Ordering::AcqRel);
    }
}

/// One message's octets, in memory or in a spool file.
#[derive(Debug)]
pub struct MessageBuffer {
    /// None: memory only, no budget (tests, tools).
    spool: Option<Arc<Spool>>,
    memory: Vec<u8>,
    /// Octets of the budget this buffer holds.
    reserved: u64,
    file: Option<BufWriter<SpoolFile>>,
    len: u64,
    /// Octets before the message that the caller reserved (`with_head`): the SMTP session's
    /// Received field goes there, so that the message is not copied behind it. Not counted in
    /// `len` nor in the budget (a few hundred octets per message being received).
    head: usize,
    /// The first write error; the message is then refused at its end.
    error: Option<io::Error>,
}

impl MessageBuffer {
    pub fn memory() -> MessageBuffer {
        MessageBuffer::with(None)
    }

    pub fn spooled(spool: Arc<Spool>) -> MessageBuffer {
        MessageBuffer::with(Some(spool))
    }

    fn with(spool: Option<Arc<Spool>>) -> MessageBuffer {
        MessageBuffer {
            spool,
            memory: Vec::new(),
            reserved: 0,
            file: None,
            len: 0,
            head: 0,
            error: None,
        }
    }

    /// The message goes behind `head` (octets the caller overwrites at the end, see
    /// [`MessageBuffer::into_vec_with_head`]), in the same allocation: its spare capacity is
    /// where the message starts to grow.
    pub fn with_head(mut self, head: Vec<u8>) -> MessageBuffer {
        if self.memory.is_empty() && self.file.is_none() && self.len == 0 {
            self.head = head.len();
            self.memory = head;
        }
        self
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True once the message went to a file.
    pub fn on_disk(&self) -> bool {
        self.file.is_some()
    }

    pub fn extend(&mut self, bytes: &[u8]) {
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        self.len += bytes.len() as u64;
        if let Some(file) = &mut self.file {
            if let Err(e) = file.write_all(bytes) {
                self.error = Some(e);
            }
            return;
        }
        let Some(spool) = self.spool.clone() else {
            self.memory.extend_from_slice(bytes);
            return;
        };
        let n = bytes.len() as u64;
        if self.len <= spool.per_message && spool.reserve(n) {
            self.reserved += n;
            self.memory.extend_from_slice(bytes);
            return;
        }
        if let Err(e) = self.spill(&spool, bytes) {
            tracing::warn!(error = %e, dir = %spool.dir.display(), "cannot spool a message to disk");
            self.error = Some(e);
        }
    }

    /// Moves what is in memory to a new spool file, then appends `bytes`.
    fn spill(&mut self, spool: &Spool, bytes: &[u8]) -> io::Result<()> {
        let mut file = BufWriter::with_capacity(64 * 1024, SpoolFile::create(&spool.dir)?);
        file.write_all(self.memory.get(self.head..).unwrap_or_default())?;
        file.write_all(bytes)?;
        self.memory = Vec::new();
        spool.release(std::mem::take(&mut self.reserved));
        self.file = Some(file);
        Ok(())
    }

    /// Forgets the content (a refused message still being read to its end).
    pub fn clear(&mut self) {
        let spool = self.spool.take();
        if let Some(spool) = &spool {
            spool.release(std::mem::take(&mut self.reserved));
        }
        *self = MessageBuffer::with(spool);
    }

    /// The whole message, read back from its file if it was spooled (the file is removed).
    pub fn into_vec(self) -> io::Result<Vec<u8>> {
        let (mut out, head) = self.into_vec_with_head()?;
        if head > 0 {
            out.drain(..head);
        }
        Ok(out)
    }

    /// The message behind `head` octets (the length returned): the head given to
    /// [`MessageBuffer::with_head`] when the message stayed in memory, zeros when it was
    /// spooled; 0 octets after [`MessageBuffer::clear`] or without a head.
    pub fn into_vec_with_head(mut self) -> io::Result<(Vec<u8>, usize)> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let head = self.head;
        match self.file.take() {
            None => Ok((std::mem::take(&mut self.memory), head)),
            Some(file) => {
                let spooled = file.into_inner().map_err(|e| e.into_error())?;
                let mut f: &File = &spooled.file;
                f.seek(SeekFrom::Start(0))?;
                let len = usize::try_from(self.len).unwrap_or(0);
                let mut out = Vec::with_capacity(head.saturating_add(len));
                out.resize(head, 0);
                f.read_to_end(&mut out)?;
                Ok((out, head))
            }
        }
    }
}

impl Drop for MessageBuffer {
    fn drop(&mut self) {
        if let Some(spool) = &self.spool {
            spool.release(self.reserved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn small_messages_stay_in_memory_within_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Arc::new(Spool::new(dir.path().join("spool"), 100, 250).unwrap());
        let mut a = MessageBuffer::spooled(spool.clone());
        a.extend(&[b'a'; 80]);
        let mut b = MessageBuffer::spooled(spool.clone());
        b.extend(&[b'b'; 80]);
        assert_eq!(spool.in_memory(), 160);
        assert!(!a.on_disk() && !b.on_disk());
        // Over the per-message size: to disk, its memory given back.
        a.extend(&[b'a'; 30]);
        assert!(a.on_disk());
        assert_eq!(spool.in_memory(), 80);
        assert_eq!(files(&dir.path().join("spool")), 1);
        // Over the budget: c spills although it is small.
        let mut c = MessageBuffer::spooled(spool.clone());
        c.extend(&[b'c'; 90]);
        let mut d = MessageBuffer::spooled(spool.clone());
        d.extend(&[b'd'; 90]);
        assert!(!c.on_disk() && d.on_disk());
        assert_eq!(spool.in_memory(), 170);
        // Content comes back whole either way; files are removed, budget released.
        assert_eq!(
            a.into_vec().unwrap(),
            [[b'a'; 80].as_slice(), &[b'a'; 30]].concat()
        );
        assert_eq!(d.into_vec().unwrap(), vec![b'd'; 90]);
        drop(b);
        c.clear();
        assert_eq!(spool.in_memory(), 0);
        assert_eq!(files(&dir.path().join("spool")), 0);
        assert_eq!(c.into_vec().unwrap(), b"");
    }

    #[test]
    fn a_head_stays_in_front_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Arc::new(Spool::new(dir.path().join("spool"), 100, 1000).unwrap());
        let mut a = MessageBuffer::spooled(spool.clone()).with_head(b"HEAD".to_vec());
        a.extend(b"body");
        // The head is not the message: not in its length nor in the budget.
        assert_eq!((a.len(), spool.in_memory()), (4, 4));
        assert_eq!(a.into_vec_with_head().unwrap(), (b"HEADbody".to_vec(), 4));
        // Spooled: the file holds only the message; the head comes back as zeros.
        let mut b = MessageBuffer::spooled(spool.clone()).with_head(b"HEAD".to_vec());
        b.extend(&[b'b'; 80]);
        b.extend(&[b'b'; 30]);
        assert!(b.on_disk());
        let (out, head) = b.into_vec_with_head().unwrap();
        assert_eq!(
            (&out[..4], &out[4..], head),
            (&[0u8; 4][..], &[b'b'; 110][..], 4)
        );
        // `into_vec` gives the message alone; a cleared buffer has no head.
        let mut c = MessageBuffer::memory().with_head(b"HEAD".to_vec());
        c.extend(b"body");
        assert_eq!(c.into_vec().unwrap(), b"body");
        let mut d = MessageBuffer::memory().with_head(b"HEAD".to_vec());
        d.extend(b"body");
        d.clear();
        assert_eq!(d.into_vec_with_head().unwrap(), (Vec::new(), 0));
        assert_eq!(spool.in_memory(), 0);
    }

    #[test]
    fn leftovers_of_a_previous_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old"), b"x").unwrap();
        let _spool = Spool::new(dir.path().to_path_buf(), 1, 1).unwrap();
        assert_eq!(files(dir.path()), 0);
    }
}
