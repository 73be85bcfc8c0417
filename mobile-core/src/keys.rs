//! The replica's key, and what it encrypts: the database (SQLCipher, with a key derived for it)
//! and each document file the device keeps (ChaCha20-Poly1305 in 64 KiB chunks, each file under
//! its own key). The app supplies 32 random bytes once, kept by the platform (Android Keystore,
//! iOS Keychain); nothing here ever writes them down.
//!
//! A file is `SVF1`, a 32-byte random salt, then its chunks — each one's ciphertext and 16-byte
//! tag. A chunk's nonce is its number, with a flag on the last: chunks cannot be reordered,
//! dropped or cut short without the tag failing, and a file's key (derived from the salt and the
//! document's id) opens no other file.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use ring::aead::{CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::VaultError;

/// Supplies the key of the replica. Asked once, when the vault opens; the keys derived from it
/// are kept in memory while the vault is open (sign-out makes the new replica under them).
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    /// 32 random bytes, created on first use and kept in the platform's key store (Android
    /// Keystore, iOS Keychain). The same bytes every time for the same replica: another key
    /// opens nothing (`VaultError.Locked`). Throwing is answered as `Locked` too.
    fn vault_key(&self) -> Result<Vec<u8>, VaultError>;
}

pub const KEY_BYTES: usize = 32;
const MAGIC: &[u8; 4] = b"SVF1";
const SALT: usize = 32;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// The keys derived from the app's key; the app's bytes themselves are not kept.
pub struct VaultKeys {
    /// SQLCipher's raw key, as hex.
    database: String,
    files: [u8; 32],
    names: ring::hmac::Key,
}

impl std::fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKeys(..)")
    }
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn derive(master: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), VaultError> {
    Salt::new(HKDF_SHA256, b"senvault replica keys")
        .extract(master)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| locked("the key could not be derived"))
}

pub(crate) fn locked(detail: &str) -> VaultError {
    VaultError::Locked { detail: detail.to_owned() }
}

impl VaultKeys {
    /// Asks the provider for the key: a provider that throws, or bytes of the wrong length,
    /// answer `Locked` before anything is opened.
    pub fn from_provider(provider: &Arc<dyn KeyProvider>) -> Result<Self, VaultError> {
        let mut master = match provider.vault_key() {
            Ok(k) => k,
            Err(VaultError::Locked { detail }) => return Err(VaultError::Locked { detail }),
            Err(e) => return Err(locked(&format!("the key provider failed: {e}"))),
        };
        let keys = Self::from_bytes(&master);
        master.iter_mut().for_each(|b| *b = 0);
        keys
    }

    pub fn from_bytes(master: &[u8]) -> Result<Self, VaultError> {
        if master.len() != KEY_BYTES {
            return Err(locked(&format!("the key must be {KEY_BYTES} bytes, not {}", master.len())));
        }
        let mut database = [0u8; 32];
        derive(master, b"database v1", &mut database)?;
        let mut files = [0u8; 32];
        derive(master, b"files v1", &mut files)?;
        let mut names = [0u8; 32];
        derive(master, b"file names v1", &mut names)?;
        let keys =
            VaultKeys { database: hex(&database), files, names: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &names) };
        database.iter_mut().chain(names.iter_mut()).for_each(|b| *b = 0);
        Ok(keys)
    }

    /// SQLCipher's key as SQL: a raw key (no passphrase stretching: it is already random).
    pub fn database_key(&self) -> String {
        format!("\"x'{}'\"", self.database)
    }

    /// The name a document's file has on disk: not its id (which the listing of a directory
    /// would then show), but a keyed hash of it.
    pub fn file_name(&self, document_id: &str) -> String {
        let tag = ring::hmac::sign(&self.names, document_id.as_bytes());
        hex(&tag.as_ref()[..16])
    }

    fn file_key(&self, salt: &[u8], document_id: &str) -> Result<LessSafeKey, VaultError> {
        let mut key = [0u8; 32];
        Salt::new(HKDF_SHA256, salt)
            .extract(&self.files)
            .expand(&[b"document ", document_id.as_bytes()], Len(32))
            .and_then(|okm| okm.fill(&mut key))
            .map_err(|_| locked("a file key could not be derived"))?;
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &key).map_err(|_| locked("bad file key"))?;
        key.iter_mut().for_each(|b| *b = 0);
        Ok(LessSafeKey::new(unbound))
    }

    /// Encrypts everything `src` yields into `dst` (created anew, owner-only, synced to disk);
    /// answers the plain size.
    pub fn seal(&self, document_id: &str, src: &mut dyn Read, dst: &Path) -> Result<u64, VaultError> {
        let mut salt = [0u8; SALT];
        SystemRandom::new().fill(&mut salt).map_err(|_| storage("no randomness"))?;
        let key = self.file_key(&salt, document_id)?;
        let mut out = std::io::BufWriter::new(private_file(dst)?);
        out.write_all(MAGIC).and_then(|_| out.write_all(&salt)).map_err(io)?;
        let mut total = 0u64;
        let mut index = 0u64;
        let mut buf = vec![0u8; CHUNK];
        let mut filled = read_full(src, &mut buf)?;
        loop {
            // One chunk ahead: the last is known before it is sealed.
            let mut next = vec![0u8; CHUNK];
            let next_filled = if filled == CHUNK { read_full(src, &mut next)? } else { 0 };
            let last = next_filled == 0;
            let mut chunk = buf[..filled].to_vec();
            key.seal_in_place_append_tag(nonce(index, last), ring::aead::Aad::empty(), &mut chunk)
                .map_err(|_| storage("encryption failed"))?;
            out.write_all(&chunk).map_err(io)?;
            total += filled as u64;
            if last {
                break;
            }
            index += 1;
            buf = next;
            filled = next_filled;
        }
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        Ok(total)
    }

    /// Decrypts `src` into `dst`, checking every chunk; answers the plain size. A file that was
    /// altered, cut short or is another document's fails with nothing more written after the
    /// last good chunk (the caller discards what it wrote).
    pub fn unseal(&self, document_id: &str, src: &Path, dst: &mut dyn Write) -> Result<u64, VaultError> {
        let mut file = std::io::BufReader::new(std::fs::File::open(src).map_err(io)?);
        let mut head = [0u8; 4 + SALT];
        file.read_exact(&mut head).map_err(|_| damaged())?;
        if &head[..4] != MAGIC {
            return Err(damaged());
        }
        let key = self.file_key(&head[4..], document_id)?;
        let mut total = 0u64;
        let mut index = 0u64;
        let mut buf = vec![0u8; CHUNK + TAG];
        let mut filled = read_full(&mut file, &mut buf)?;
        loop {
            if filled < TAG {
                return Err(damaged());
            }
            let mut next = vec![0u8; CHUNK + TAG];
            let next_filled = if filled == CHUNK + TAG { read_full(&mut file, &mut next)? } else { 0 };
            let last = next_filled == 0;
            let plain = key
                .open_in_place(nonce(index, last), ring::aead::Aad::empty(), &mut buf[..filled])
                .map_err(|_| damaged())?;
            dst.write_all(plain).map_err(io)?;
            total += plain.len() as u64;
            if last {
                return Ok(total);
            }
            index += 1;
            buf = next;
            filled = next_filled;
        }
    }
}

fn nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[3] = u8::from(last);
    n[4..].copy_from_slice(&index.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

/// Fills `buf` as far as the source goes; answers how much.
fn read_full(src: &mut dyn Read, buf: &mut [u8]) -> Result<usize, VaultError> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    Ok(filled)
}

/// A new file only its owner may read.
pub(crate) fn private_file(path: &Path) -> Result<std::fs::File, VaultError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn storage(detail: &str) -> VaultError {
    VaultError::Storage { detail: detail.to_owned() }
}

fn io(e: std::io::Error) -> VaultError {
    VaultError::Storage { detail: e.to_string() }
}

fn damaged() -> VaultError {
    VaultError::Corrupt { detail: "a stored file is damaged or not this document's".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(b: u8) -> VaultKeys {
        VaultKeys::from_bytes(&[b; 32]).unwrap()
    }

    fn temp() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("senvault-keys-{}", uuid::Uuid::now_v7().simple()))
    }

    #[test]
    fn files_round_trip_at_every_chunk_boundary() {
        let k = keys(7);
        for len in [0usize, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = temp();
            assert_eq!(k.seal("doc-1", &mut plain.as_slice(), &path).unwrap(), len as u64);
            let sealed = std::fs::read(&path).unwrap();
            assert_eq!(sealed.len(), 4 + SALT + len + TAG * len.div_ceil(CHUNK).max(1), "{len}");
            if len >= 64 {
                assert!(!sealed.windows(64).any(|w| w == &plain[..64]), "no plain bytes at {len}");
            }
            let mut back = Vec::new();
            assert_eq!(k.unseal("doc-1", &path, &mut back).unwrap(), len as u64);
            assert_eq!(back, plain, "{len}");
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn a_file_opens_only_with_its_key_its_document_and_whole() {
        let k = keys(7);
        let plain = vec![42u8; 2 * CHUNK + 5];
        let path = temp();
        k.seal("doc-1", &mut plain.as_slice(), &path).unwrap();
        let refused = |k: &VaultKeys, doc: &str, p: &Path| {
            matches!(k.unseal(doc, p, &mut Vec::new()), Err(VaultError::Corrupt { .. }))
        };
        assert!(refused(&keys(8), "doc-1", &path), "another key");
        assert!(refused(&k, "doc-2", &path), "another document");
        let bytes = std::fs::read(&path).unwrap();
        // Cut after the second chunk: every chunk left is genuine, but the last one lacks its flag.
        std::fs::write(&path, &bytes[..4 + SALT + 2 * (CHUNK + TAG)]).unwrap();
        assert!(refused(&k, "doc-1", &path), "cut short");
        let mut flipped = bytes.clone();
        flipped[4 + SALT + 10] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(refused(&k, "doc-1", &path), "altered");
        std::fs::write(&path, &bytes).unwrap();
        assert!(k.unseal("doc-1", &path, &mut Vec::new()).is_ok());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn keys_of_the_wrong_length_are_locked_and_names_hide_ids() {
        assert!(matches!(VaultKeys::from_bytes(&[1; 16]), Err(VaultError::Locked { .. })));
        let k = keys(1);
        let name = k.file_name("0190f0a0-0000-7000-8000-000000000001");
        assert_eq!(name.len(), 32);
        assert!(!name.contains("0190f0a0"));
        assert_ne!(name, keys(2).file_name("0190f0a0-0000-7000-8000-000000000001"));
        assert!(!k.database_key().contains(&hex(&[1; 32])), "the app's bytes are not the database key");
    }
}
