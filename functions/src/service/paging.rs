//! Pages of lists: the one way every list is cut into pages, whether the store pages it (a
//! prefix or index query) or the service merges it from several queries.

/// One page of a list: the items and, when more follow, the position to continue after (the
/// API turns it into an opaque cursor).
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Listing<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listing<U> {
        Listing { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

/// Which way positions run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Smallest position first; a page continues with positions after the cursor.
    Ascending,
    /// Largest first (newest first); a page continues with positions before the cursor.
    Descending,
}

/// The page of `items` (already sorted by position in `order`) that follows `after`: at most
/// `limit` items, and the last one's position as `next` when more follow.
pub fn page_of<T>(
    items: impl IntoIterator<Item = (String, T)>,
    after: Option<&str>,
    limit: usize,
    order: Order,
) -> Listing<T> {
    let follows = |p: &str| match (after, order) {
        (None, _) => true,
        (Some(a), Order::Ascending) => p > a,
        (Some(a), Order::Descending) => p < a,
    };
    let mut page: Vec<(String, T)> = items.into_iter().filter(|(p, _)| follows(p)).take(limit + 1).collect();
    let next = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|(p, _)| p.clone())
    } else {
        None
    };
    Listing { items: page.into_iter().map(|(_, t)| t).collect(), next }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, usize)> {
        (0..n).map(|i| (format!("{i:03}"), i)).collect()
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = page_of(items(7), after.as_deref(), 3, Order::Ascending);
            seen.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        let exact = page_of(items(3), None, 3, Order::Ascending);
        assert_eq!((exact.items.len(), exact.next), (3, None), "no empty last page");
    }

    #[test]
    fn newest_first_continues_below_the_cursor() {
        let mut desc = items(5);
        desc.reverse();
        let first = page_of(desc.clone(), None, 2, Order::Descending);
        assert_eq!((first.items.clone(), first.next.as_deref()), (vec![4, 3], Some("003")));
        let second = page_of(desc, first.next.as_deref(), 2, Order::Descending);
        assert_eq!(second.items, vec![2, 1]);
    }
}
