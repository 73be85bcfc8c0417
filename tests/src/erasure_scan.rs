//! Looking for a deleted account everywhere data can be left: every row of every SQLite table
//! and the raw bytes of the database files, every file kept on disk (names and contents),
//! every DynamoDB item and every version of every S3 object — and inside any ZIP archive among
//! them. An id is looked for as text (any case) and as its 16 bytes.

use std::io::Read;
use std::path::Path;

/// What to look for: ids, each as text in lower and upper case and (for UUIDs) its bytes.
pub struct Needles {
    forms: Vec<(String, Vec<u8>)>,
}

impl Needles {
    pub fn new<S: AsRef<str>>(ids: &[S]) -> Self {
        let mut forms = Vec::new();
        for id in ids {
            let id = id.as_ref();
            forms.push((id.to_owned(), id.to_ascii_lowercase().into_bytes()));
            forms.push((id.to_owned(), id.to_ascii_uppercase().into_bytes()));
            if let Ok(uuid) = uuid::Uuid::parse_str(id) {
                forms.push((id.to_owned(), uuid.as_bytes().to_vec()));
                forms.push((id.to_owned(), uuid.simple().to_string().into_bytes()));
            }
        }
        Needles { forms }
    }

    /// The ids found in `bytes` (and in any ZIP archive they are), each with where.
    pub fn find(&self, place: &str, bytes: &[u8], found: &mut Vec<String>) {
        for (id, form) in &self.forms {
            if bytes.windows(form.len()).any(|w| w == form.as_slice()) {
                found.push(format!("{id} in {place}"));
            }
        }
        if bytes.starts_with(b"PK\x03\x04")
            && let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        {
            for i in 0..archive.len() {
                let Ok(mut entry) = archive.by_index(i) else { continue };
                let name = entry
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| String::from_utf8_lossy(entry.name_raw()).into_owned());
                let mut inner = Vec::new();
                if entry.read_to_end(&mut inner).is_ok() {
                    self.find(&format!("{place}!{name}"), name.as_bytes(), found);
                    self.find(&format!("{place}!{name}"), &inner, found);
                }
            }
        }
    }
}

/// Every file under `dir`: its path and its bytes are searched.
pub fn scan_dir(needles: &Needles, dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let shown = path.display().to_string();
        needles.find(&format!("the name {shown}"), path.to_string_lossy().as_bytes(), found);
        if path.is_dir() {
            scan_dir(needles, &path, found);
        } else if let Ok(bytes) = std::fs::read(&path) {
            needles.find(&shown, &bytes, found);
        }
    }
}

/// The raw bytes of a SQLite database and of its side files (write-ahead log, shared memory,
/// rollback journal) — what a deleted row could still be found in.
pub fn scan_sqlite_files(needles: &Needles, db: &Path, found: &mut Vec<String>) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            needles.find(&Path::new(&name).display().to_string(), &bytes, found);
        }
    }
}

/// Every row of every table of the SQLite database at `db`, every column as text.
pub fn scan_sqlite_rows(needles: &Needles, db: &Path, found: &mut Vec<String>) -> usize {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut rows = 0;
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).expect("select");
        let columns = stmt.column_count();
        let mut q = stmt.query([]).expect("query");
        while let Some(row) = q.next().expect("row") {
            rows += 1;
            for c in 0..columns {
                let value: rusqlite::types::Value = row.get(c).expect("value");
                let bytes = match value {
                    rusqlite::types::Value::Text(t) => t.into_bytes(),
                    rusqlite::types::Value::Blob(b) => b,
                    other => format!("{other:?}").into_bytes(),
                };
                needles.find(&format!("table {table}"), &bytes, found);
            }
        }
    }
    rows
}

/// Every item of the DynamoDB table (every attribute), answering how many.
pub async fn scan_dynamodb(needles: &Needles, table: &str, found: &mut Vec<String>) -> usize {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let mut start = None;
    let mut items = 0;
    loop {
        let page = client.scan().table_name(table).set_exclusive_start_key(start.take()).send().await.expect("scan");
        for item in page.items() {
            items += 1;
            let text = format!("{item:?}");
            needles.find(&format!("dynamodb item {:?}", item.get("SK")), text.as_bytes(), found);
        }
        match page.last_evaluated_key() {
            Some(k) => start = Some(k.clone()),
            None => return items,
        }
    }
}

/// Every version (and delete marker) of every object in the bucket: keys and contents,
/// answering how many versions.
pub async fn scan_s3(needles: &Needles, bucket: &str, found: &mut Vec<String>) -> usize {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client =
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let (mut key_marker, mut version_marker) = (None, None);
    let mut versions = 0;
    loop {
        let page = client
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .expect("list versions");
        for m in page.delete_markers() {
            versions += 1;
            needles.find("an S3 delete marker's key", m.key().unwrap_or_default().as_bytes(), found);
        }
        for v in page.versions() {
            versions += 1;
            let key = v.key().unwrap_or_default();
            needles.find("an S3 key", key.as_bytes(), found);
            let object = client
                .get_object()
                .bucket(bucket)
                .key(key)
                .set_version_id(v.version_id().map(str::to_owned))
                .send()
                .await
                .expect("get a version");
            let bytes = object.body.collect().await.expect("read a version").into_bytes();
            needles.find(&format!("s3 {key}"), &bytes, found);
        }
        if page.is_truncated() == Some(true) {
            key_marker = page.next_key_marker().map(str::to_owned);
            version_marker = page.next_version_id_marker().map(str::to_owned);
        } else {
            return versions;
        }
    }
}
