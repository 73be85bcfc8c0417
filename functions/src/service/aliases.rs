//! Which scope holds a record id, remembered. An alias is written once, with its record, and
//! never moves (README, "Storage"), so a lookup that found one can be answered from memory ever after;
//! only lookups that found something are kept. Saves a storage round trip on every request that
//! names a case or a document by id.

use std::collections::HashMap;
use std::sync::Mutex;

use senvault_domain::Scope;

/// Entries kept before the memory is dropped and refilled (a few MB at most).
const CAPACITY: usize = 50_000;

#[derive(Default)]
pub(super) struct AliasCache {
    known: Mutex<HashMap<String, Scope>>,
}

impl AliasCache {
    pub fn get(&self, id: &str) -> Option<Scope> {
        self.known.lock().ok()?.get(id).cloned()
    }

    pub fn remember(&self, id: &str, scope: &Scope) {
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= CAPACITY {
                known.clear();
            }
            known.insert(id.to_owned(), scope.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_its_bound() {
        let cache = AliasCache::default();
        let scope: Scope = "child:0190d7a8-0000-7000-8000-000000000001".parse().unwrap();
        assert_eq!(cache.get("a"), None);
        cache.remember("a", &scope);
        assert_eq!(cache.get("a"), Some(scope.clone()));
        for n in 0..CAPACITY {
            cache.remember(&n.to_string(), &scope);
        }
        assert!(cache.known.lock().unwrap().len() <= CAPACITY);
    }
}
