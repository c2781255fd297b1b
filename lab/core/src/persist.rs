//! `--data-dir` persistence: a snapshot of every object plus an append-only log of the writes
//! since. Start-up loads the snapshot, replays the log, and writes a fresh snapshot (compaction).
//!
//! Layout: `<data-dir>/objects.json` (snapshot), `<data-dir>/objects.log` (one JSON line per
//! write). `<data-dir>/volumes/` is left for part 2's volume directories.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// One stored object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Store key of the resource (`apps/statefulsets`).
    pub res: String,
    pub ns: String,
    pub name: String,
    /// The object, or `None` for a delete (log only).
    pub obj: Option<Value>,
    /// The global resourceVersion after this write.
    pub rv: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    rv: u64,
    objects: Vec<Record>,
}

pub struct Persist {
    dir: PathBuf,
    log: BufWriter<File>,
    /// Lines in the log since the last snapshot.
    appended: usize,
}

/// What was on disk: the last resourceVersion and the objects.
pub struct Loaded {
    pub rv: u64,
    pub objects: Vec<Record>,
}

impl Persist {
    /// Load `dir` (creating it if needed), compact it, and open the log for appending.
    pub fn open(dir: &Path) -> anyhow::Result<(Persist, Loaded)> {
        fs::create_dir_all(dir)?;
        let snap_path = dir.join("objects.json");
        let log_path = dir.join("objects.log");
        let mut rv = 0;
        let mut objects: std::collections::BTreeMap<(String, String, String), Record> = Default::default();
        if snap_path.exists() {
            let snap: Snapshot = serde_json::from_reader(BufReader::new(File::open(&snap_path)?))?;
            rv = snap.rv;
            for r in snap.objects {
                objects.insert((r.res.clone(), r.ns.clone(), r.name.clone()), r);
            }
        }
        if log_path.exists() {
            for line in BufReader::new(File::open(&log_path)?).lines() {
                let line = line?;
                // A torn last line (a crash mid-write) is skipped: everything before it is kept.
                let Ok(r) = serde_json::from_str::<Record>(&line) else { continue };
                rv = rv.max(r.rv);
                let key = (r.res.clone(), r.ns.clone(), r.name.clone());
                if r.obj.is_some() {
                    objects.insert(key, r);
                } else {
                    objects.remove(&key);
                }
            }
        }
        let loaded = Loaded { rv, objects: objects.into_values().collect() };
        let log = write_snapshot(dir, loaded.rv, &loaded.objects)?;
        Ok((Persist { dir: dir.to_path_buf(), log, appended: 0 }, loaded))
    }

    /// Lines appended since the last snapshot.
    pub fn appended(&self) -> usize {
        self.appended
    }

    /// Replace snapshot and log by a snapshot of `objects` at `rv` (keeps the log from growing
    /// without bound while the server runs).
    pub fn compact(&mut self, rv: u64, objects: &[Record]) {
        match write_snapshot(&self.dir, rv, objects) {
            Ok(log) => {
                self.log = log;
                self.appended = 0;
            }
            Err(e) => eprintln!("lab: cannot compact {}: {e}", self.dir.display()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one write. Flushed to the OS at once, so a killed server loses nothing it answered.
    pub fn append(&mut self, r: &Record) {
        self.appended += 1;
        let res = serde_json::to_writer(&mut self.log, r).map_err(std::io::Error::from).and_then(|_| {
            self.log.write_all(b"\n")?;
            self.log.flush()
        });
        if let Err(e) = res {
            eprintln!("lab: cannot write to {}: {e}", self.dir.display());
        }
    }
}

/// Write the snapshot atomically (temporary file, then rename), then start an empty log.
fn write_snapshot(dir: &Path, rv: u64, objects: &[Record]) -> anyhow::Result<BufWriter<File>> {
    let tmp = dir.join("objects.json.tmp");
    {
        let mut w = BufWriter::new(File::create(&tmp)?);
        serde_json::to_writer(&mut w, &Snapshot { rv, objects: objects.to_vec() })?;
        w.flush()?;
    }
    fs::rename(&tmp, dir.join("objects.json"))?;
    Ok(BufWriter::new(OpenOptions::new().create(true).write(true).truncate(true).open(dir.join("objects.log"))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn log_replays_over_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut p, l) = Persist::open(dir.path()).unwrap();
            assert_eq!(l.rv, 0);
            for (rv, name) in [(1, "a"), (2, "b")] {
                p.append(&Record { res: "/configmaps".into(), ns: "default".into(), name: name.into(), obj: Some(json!({"n": name})), rv });
            }
            p.append(&Record { res: "/configmaps".into(), ns: "default".into(), name: "a".into(), obj: None, rv: 3 });
        }
        let (_p, l) = Persist::open(dir.path()).unwrap();
        assert_eq!(l.rv, 3);
        assert_eq!(l.objects.len(), 1);
        assert_eq!(l.objects[0].name, "b");
        // Compacted: a second open reads the same from the snapshot alone.
        drop(_p);
        let (mut p, l) = Persist::open(dir.path()).unwrap();
        assert_eq!((l.rv, l.objects.len()), (3, 1));
        // Compaction while running: the snapshot replaces the log.
        p.append(&Record { res: "/configmaps".into(), ns: "default".into(), name: "c".into(), obj: Some(json!({})), rv: 4 });
        let mut all = l.objects.clone();
        all.push(Record { res: "/configmaps".into(), ns: "default".into(), name: "c".into(), obj: Some(json!({})), rv: 4 });
        p.compact(4, &all);
        assert_eq!(p.appended(), 0);
        assert_eq!(std::fs::metadata(dir.path().join("objects.log")).unwrap().len(), 0);
        drop(p);
        let (_p, l) = Persist::open(dir.path()).unwrap();
        assert_eq!((l.rv, l.objects.len()), (4, 2));
    }
}
