//! The request paths are the service's: a handler parses, calls the service and shapes the
//! answer, and never reaches the record store itself (so access can never be skipped there).

use std::path::Path;

#[test]
fn no_handler_reaches_the_record_store() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let forbidden = ["senvault_store", ".store()", "service.store", "crate::dynamo", "rusqlite", "StoredRecord"];
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("src/api") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("source");
        for word in forbidden {
            assert!(!source.contains(word), "{} uses `{word}`: handlers go through the service", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 8, "found only {checked} handler modules in {}", dir.display());
}
