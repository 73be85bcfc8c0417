//! The DynamoDB adapter (README, "Storage"): one table, `PK`/`SK` strings.
//!
//! | item        | PK            | SK                 | attributes |
//! |-------------|---------------|--------------------|------------|
//! | scope meta  | `S#<scope>`   | `#META`            | `seq`, `epoch`, `purged_before` |
//! | record      | `S#<scope>`   | `R#<key>`          | `v`, `seq`, `del`, `body`, `g1pk`/`g1sk`, `g2pk`/`g2sk` |
//! | change log  | `S#<scope>`   | `L#<seq, 20 digits>` | `key`, `v`, `del`, `ttl` |
//! | alias       | `A#<id>`      | `#ALIAS`           | `scope` |
//! | alias back-reference | `S#<scope>` | `A#<id>`     | — (the alias to delete with the scope) |
//!
//! A commit is one `TransactWriteItems`: per scope a conditional bump of `#META.seq` (condition:
//! the seq read just before), each record put conditioned on its expected version (or absence),
//! one dense change-log entry per record, and a `ConditionCheck` per checked record (the
//! membership that authorised the change). Losing the `#META` race to another commit on the
//! same scope is retried here with fresh seqs (the records' own conditions still decide real
//! conflicts); a failed record condition is a [`StoreError::Conflict`] for the service to
//! re-decide. Reads that the protocol depends on are strongly consistent; index queries (GSIs)
//! are eventually consistent by nature, which the scanner and listings tolerate.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, Put as DdbPut, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem, Update,
};
use senvault_store::{
    Change, ChangeLog, CommitReceipt, CommitRequest, Committer, Expect, Index, IndexReader, KEY_MAX, MAX_PAGE, Page,
    RecordReader, ScopeMeta, StoreError, StoredRecord, backoff, check_commit,
};

/// Change-log entries expire after the sync horizon (devices further behind re-download).
pub const CHANGE_LOG_TTL: Duration = senvault_store::CHANGE_LOG_HORIZON;
/// Attempts at a commit whose only failure is another commit's `#META` bump. Scopes are small
/// (one child, one user), so contention is rare; a burst on one scope still gets through.
const META_ATTEMPTS: u32 = 30;

type Item = HashMap<String, AttributeValue>;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn backend<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// SDK errors as a storage failure: the error code and message, or the transport error chain;
/// never request items.
fn sdk<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    // Throttling, the service's own failures and transport errors (no code: a timeout, a
    // refused connection) pass; anything else is a fault of the request or the table.
    const OF_THE_MOMENT: [&str; 7] = [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
    ];
    match (e.code(), e.message()) {
        (Some(code), m) if OF_THE_MOMENT.contains(&code) => {
            StoreError::Unavailable(format!("dynamodb {code}: {}", m.unwrap_or("")))
        }
        (Some(code), Some(m)) => StoreError::Internal(format!("dynamodb {code}: {m}")),
        (Some(code), None) => StoreError::Internal(format!("dynamodb {code}")),
        _ => StoreError::Unavailable(format!("dynamodb: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e))),
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn pk(scope: &str) -> String {
    format!("S#{scope}")
}

fn record_sk(key: &str) -> String {
    format!("R#{key}")
}

fn log_sk(seq: u64) -> String {
    format!("L#{seq:020}")
}

const META_SK: &str = "#META";
const ALIAS_SK: &str = "#ALIAS";
/// Below every key the system writes; DynamoDB allows no empty key values in conditions.
const KEY_MIN: &str = "\u{1}";

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Internal(format!("item lacks string attribute {name}"))),
    }
}

fn get_n(item: &Item, name: &str) -> Result<u64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(backend),
        None => Ok(0),
        _ => Err(StoreError::Internal(format!("item attribute {name} is not a number"))),
    }
}

fn to_record(item: &Item) -> Result<StoredRecord, StoreError> {
    let scope = get_s(item, "PK")?.strip_prefix("S#").ok_or_else(|| backend("record PK"))?.to_owned();
    let key = get_s(item, "SK")?.strip_prefix("R#").ok_or_else(|| backend("record SK"))?.to_owned();
    Ok(StoredRecord {
        scope,
        key,
        version: get_n(item, "v")?,
        seq: get_n(item, "seq")?,
        deleted: matches!(item.get("del"), Some(AttributeValue::Bool(true))),
        body: get_s(item, "body")?.to_owned(),
    })
}

/// The smallest string after `s` in our key alphabet (no key contains a control character).
fn successor(s: &str) -> String {
    format!("{s}{KEY_MIN}")
}

/// The greatest string before `s` that any key could be (for an inclusive upper bound below
/// `s`); `None` when nothing sorts before it.
fn predecessor(s: &str) -> Option<String> {
    let mut chars: Vec<char> = s.chars().collect();
    let last = chars.pop()?;
    let mut out: String = chars.into_iter().collect();
    if let Some(lower) = (0..u32::from(last)).rev().find_map(char::from_u32) {
        out.push(lower);
        out.push_str(KEY_MAX);
    }
    Some(out)
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// A client from the standard AWS environment (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL`).
    pub async fn from_env(table: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), table)
    }

    /// Creates the table with its indexes and TTL (for local runs and tests; production tables
    /// come from the SAM template). An existing table is left as it is.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(backend)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(backend)
        };
        let gsi = |name: &str, hash: &str, range: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(hash, KeyType::Hash)?)
                .key_schema(key(range, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(backend)
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK")?)
            .attribute_definitions(attr("SK")?)
            .attribute_definitions(attr("g1pk")?)
            .attribute_definitions(attr("g1sk")?)
            .attribute_definitions(attr("g2pk")?)
            .attribute_definitions(attr("g2sk")?)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .global_secondary_indexes(gsi("GSI1", "g1pk", "g1sk")?)
            .global_secondary_indexes(gsi("GSI2", "g2pk", "g2sk")?)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceInUseException") => return Ok(()),
            Err(e) => return Err(sdk(e)),
        }
        for _ in 0..120 {
            let d = self.client.describe_table().table_name(&self.table).send().await.map_err(sdk)?;
            let active = d.table().and_then(|t| t.table_status()).map(|s| s.as_str() == "ACTIVE").unwrap_or(false);
            if active {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let ttl = TimeToLiveSpecification::builder().enabled(true).attribute_name("ttl").build().map_err(backend)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn get_item(&self, pk_value: String, sk_value: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(pk_value))
            .key("SK", s(sk_value))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item)
    }

    /// Items of one partition with SK in [lo, hi], live records only when `live`, up to `limit`.
    async fn query_range(
        &self,
        pk_value: &str,
        lo: &str,
        hi: &str,
        limit: usize,
        live: bool,
        forward: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(pk_value))
                .expression_attribute_values(":lo", s(lo))
                .expression_attribute_values(":hi", s(hi))
                .consistent_read(true)
                .scan_index_forward(forward)
                .limit((limit - out.len()).min(1000) as i32)
                .set_exclusive_start_key(start.take());
            if live {
                q = q.filter_expression("del = :f").expression_attribute_values(":f", AttributeValue::Bool(false));
            }
            let page = q.send().await.map_err(sdk)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if out.len() < limit => start = Some(k),
                _ => return Ok(out),
            }
        }
    }

    async fn read_seqs(&self, scopes: &[&str]) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut seqs = BTreeMap::new();
        for scope in scopes {
            let item = self.get_item(pk(scope), META_SK.into()).await?;
            seqs.insert((*scope).to_owned(), item.as_ref().map(|i| get_n(i, "seq")).transpose()?.unwrap_or(0));
        }
        Ok(seqs)
    }

    fn build(&self, request: &CommitRequest, base: &BTreeMap<String, u64>) -> Result<Transaction, StoreError> {
        let mut items = Vec::new();
        let mut slots = Vec::new();
        let mut next = base.clone();
        let ttl = (chrono::Utc::now() + CHANGE_LOG_TTL).timestamp() as u64;
        for p in &request.puts {
            let seq = next.get_mut(&p.scope).map(|s| {
                *s += 1;
                *s
            });
            let seq = seq.ok_or_else(|| backend("scope without seq"))?;
            let v = p.expect.next_version();
            let mut item: Item = HashMap::new();
            item.insert("PK".into(), s(pk(&p.scope)));
            item.insert("SK".into(), s(record_sk(&p.key)));
            item.insert("v".into(), n(v));
            item.insert("seq".into(), n(seq));
            item.insert("del".into(), AttributeValue::Bool(p.deleted));
            item.insert("body".into(), s(&p.body));
            for (ix, (a, b)) in [(&p.g1, ("g1pk", "g1sk")), (&p.g2, ("g2pk", "g2sk"))] {
                if let Some(ix) = ix {
                    item.insert(a.into(), s(&ix.pk));
                    item.insert(b.into(), s(&ix.sk));
                }
            }
            let mut put = DdbPut::builder().table_name(&self.table).set_item(Some(item));
            put = match p.expect {
                Expect::Absent => put.condition_expression("attribute_not_exists(PK)"),
                Expect::Version(v) => put.condition_expression("v = :v").expression_attribute_values(":v", n(v)),
            };
            items.push(TransactWriteItem::builder().put(put.build().map_err(backend)?).build());
            slots.push(Slot::Record(p.scope.clone(), p.key.clone()));

            let mut log: Item = HashMap::new();
            log.insert("PK".into(), s(pk(&p.scope)));
            log.insert("SK".into(), s(log_sk(seq)));
            log.insert("key".into(), s(&p.key));
            log.insert("v".into(), n(v));
            log.insert("del".into(), AttributeValue::Bool(p.deleted));
            log.insert("ttl".into(), n(ttl));
            let put = DdbPut::builder().table_name(&self.table).set_item(Some(log)).build().map_err(backend)?;
            items.push(TransactWriteItem::builder().put(put).build());
            slots.push(Slot::Log);
        }
        for c in &request.checks {
            let mut check = ConditionCheck::builder()
                .table_name(&self.table)
                .key("PK", s(pk(&c.scope)))
                .key("SK", s(record_sk(&c.key)));
            check = match c.expect {
                Expect::Absent => check.condition_expression("attribute_not_exists(PK)"),
                Expect::Version(v) => check.condition_expression("v = :v").expression_attribute_values(":v", n(v)),
            };
            items.push(TransactWriteItem::builder().condition_check(check.build().map_err(backend)?).build());
            slots.push(Slot::Record(c.scope.clone(), c.key.clone()));
        }
        for (scope, old) in base {
            let new = next.get(scope).copied().unwrap_or(*old);
            let mut update = Update::builder()
                .table_name(&self.table)
                .key("PK", s(pk(scope)))
                .key("SK", s(META_SK))
                .update_expression("SET seq = :new, epoch = if_not_exists(epoch, :one), purged_before = if_not_exists(purged_before, :zero)")
                .expression_attribute_values(":new", n(new))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":zero", n(0));
            update = if *old == 0 {
                update.condition_expression("attribute_not_exists(seq)")
            } else {
                update.condition_expression("seq = :old").expression_attribute_values(":old", n(*old))
            };
            items.push(TransactWriteItem::builder().update(update.build().map_err(backend)?).build());
            slots.push(Slot::Meta);
        }
        for (id, scope) in &request.aliases {
            let mut item: Item = HashMap::new();
            item.insert("PK".into(), s(format!("A#{id}")));
            item.insert("SK".into(), s(ALIAS_SK));
            item.insert("scope".into(), s(scope));
            let put = DdbPut::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR #s = :scope")
                .expression_attribute_names("#s", "scope")
                .expression_attribute_values(":scope", s(scope))
                .build()
                .map_err(backend)?;
            items.push(TransactWriteItem::builder().put(put).build());
            slots.push(Slot::Alias(id.clone()));
            // The scope's note of the alias, so purging the scope finds it without a scan.
            let mut back: Item = HashMap::new();
            back.insert("PK".into(), s(pk(scope)));
            back.insert("SK".into(), s(format!("A#{id}")));
            let put = DdbPut::builder().table_name(&self.table).set_item(Some(back)).build().map_err(backend)?;
            items.push(TransactWriteItem::builder().put(put).build());
            slots.push(Slot::Log);
        }
        Ok(Transaction { items, slots, seqs: next })
    }
}

/// One commit as DynamoDB transaction items, what each item is, and the seqs it allocates.
struct Transaction {
    items: Vec<TransactWriteItem>,
    slots: Vec<Slot>,
    seqs: BTreeMap<String, u64>,
}

/// What each transaction item was, to read cancellation reasons.
enum Slot {
    Record(String, String),
    Log,
    Meta,
    Alias(String),
}

#[async_trait]
impl RecordReader for DynamoStore {
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError> {
        self.get_item(pk(scope), record_sk(key)).await?.as_ref().map(to_record).transpose()
    }

    async fn list(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.list_range(scope, prefix, after, limit, true).await
    }

    async fn list_with_tombstones(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.list_range(scope, prefix, after, limit, false).await
    }

    async fn list_newest(
        &self,
        scope: &str,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let lo = record_sk(prefix);
        // BETWEEN is inclusive: the upper bound is the greatest key below `before`.
        let hi = match before {
            Some(b) if b.starts_with(prefix) => match predecessor(&record_sk(b)) {
                Some(p) => p,
                None => return Ok(Page { items: Vec::new(), next: None }),
            },
            _ => record_sk(&format!("{prefix}{KEY_MAX}")),
        };
        if lo > hi {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let items = self.query_range(&pk(scope), &lo, &hi, limit + 1, true, false).await?;
        let mut records = items.iter().map(to_record).collect::<Result<Vec<_>, _>>()?;
        let next = if records.len() > limit {
            records.truncate(limit);
            records.last().map(|r| r.key.clone())
        } else {
            None
        };
        Ok(Page { items: records, next })
    }
}

impl DynamoStore {
    async fn list_range(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
        live_only: bool,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let lo = match after {
            Some(a) if a >= prefix => record_sk(&successor(a)),
            _ => record_sk(prefix),
        };
        let hi = record_sk(&format!("{prefix}{KEY_MAX}"));
        // DynamoDB refuses BETWEEN with bounds out of order; such a range is simply empty.
        if lo > hi {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let items = self.query_range(&pk(scope), &lo, &hi, limit + 1, live_only, true).await?;
        let mut records = items.iter().map(to_record).collect::<Result<Vec<_>, _>>()?;
        let next = if records.len() > limit {
            records.truncate(limit);
            records.last().map(|r| r.key.clone())
        } else {
            None
        };
        Ok(Page { items: records, next })
    }
}

#[async_trait]
impl IndexReader for DynamoStore {
    async fn query_index(
        &self,
        index: Index,
        pk_value: &str,
        after: Option<&str>,
        until: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let (name, pkc, skc) = match index {
            Index::G1 => ("GSI1", "g1pk", "g1sk"),
            Index::G2 => ("GSI2", "g2pk", "g2sk"),
        };
        let lo = after.map(successor).unwrap_or_else(|| KEY_MIN.to_owned());
        let hi = until.unwrap_or(KEY_MAX).to_owned();
        if lo > hi {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let mut records = Vec::new();
        let mut sks = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(name)
                .key_condition_expression(format!("{pkc} = :pk AND {skc} BETWEEN :lo AND :hi"))
                .filter_expression("del = :f")
                .expression_attribute_values(":pk", s(pk_value))
                .expression_attribute_values(":lo", s(&lo))
                .expression_attribute_values(":hi", s(&hi))
                .expression_attribute_values(":f", AttributeValue::Bool(false))
                .limit((limit + 1 - records.len()).min(1000) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk)?;
            for item in page.items.unwrap_or_default() {
                sks.push(get_s(&item, skc)?.to_owned());
                records.push(to_record(&item)?);
            }
            match page.last_evaluated_key {
                Some(k) if records.len() <= limit => start = Some(k),
                _ => break,
            }
        }
        let next = (records.len() > limit).then(|| sks[limit - 1].clone());
        records.truncate(limit);
        Ok(Page { items: records, next })
    }

    async fn resolve(&self, id: &str) -> Result<Option<String>, StoreError> {
        let item = self.get_item(format!("A#{id}"), ALIAS_SK.into()).await?;
        item.as_ref().map(|i| get_s(i, "scope").map(str::to_owned)).transpose()
    }
}

#[async_trait]
impl Committer for DynamoStore {
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError> {
        check_commit(&request)?;
        if request.puts.is_empty() && request.aliases.is_empty() {
            return Ok(CommitReceipt::default());
        }
        let scopes: std::collections::BTreeSet<&str> = request.puts.iter().map(|p| p.scope.as_str()).collect();
        let scopes: Vec<&str> = scopes.into_iter().collect();
        for attempt in 0..META_ATTEMPTS {
            let base = self.read_seqs(&scopes).await?;
            let Transaction { items, slots, seqs: next } = self.build(&request, &base)?;
            let sent = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
            let err = match sent {
                Ok(_) => return Ok(CommitReceipt { seqs: next }),
                Err(e) => e,
            };
            let retry_only = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    let mut meta_lost = false;
                    let mut transient = false;
                    for (reason, slot) in c.cancellation_reasons().iter().zip(&slots) {
                        match (reason.code(), slot) {
                            (Some("ConditionalCheckFailed"), Slot::Record(scope, key)) => {
                                return Err(StoreError::Conflict { scope: scope.clone(), key: key.clone() });
                            }
                            (Some("ConditionalCheckFailed"), Slot::Alias(id)) => {
                                return Err(StoreError::AliasTaken(id.clone()));
                            }
                            (Some("ConditionalCheckFailed"), Slot::Meta | Slot::Log) => meta_lost = true,
                            (Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"), _) => {
                                transient = true
                            }
                            _ => {}
                        }
                    }
                    meta_lost || transient
                }
                Some(
                    TransactWriteItemsError::TransactionInProgressException(_)
                    | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                    | TransactWriteItemsError::RequestLimitExceeded(_)
                    | TransactWriteItemsError::ThrottlingException(_),
                ) => true,
                // A server error (DynamoDB's InternalServerError, or an emulator's crash) says
                // nothing about our conditions; retrying is safe because every put is
                // conditioned, so a transaction that did apply turns into a Conflict.
                Some(TransactWriteItemsError::InternalServerError(_)) => true,
                _ => err.raw_response().is_some_and(|r| r.status().is_server_error()),
            };
            if !retry_only {
                return Err(sdk(err));
            }
            tokio::time::sleep(backoff::delay(attempt, 5)).await;
        }
        Err(StoreError::Unavailable("dynamodb: commit kept losing races on scope sequence numbers".into()))
    }
}

impl DynamoStore {
    /// Every item key of one partition (strongly consistent), page by page.
    async fn partition_keys(&self, pk_value: &str) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(pk_value))
                .projection_expression("PK, SK, #k")
                .expression_attribute_names("#k", "key")
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }

    /// Deletes items by key, 25 to a batch, until DynamoDB has processed every one.
    async fn delete_items(&self, keys: Vec<(String, String)>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        for chunk in keys.chunks(25) {
            let mut requests = chunk
                .iter()
                .map(|(p, k)| {
                    DeleteRequest::builder()
                        .key("PK", s(p))
                        .key("SK", s(k))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(backend)
                })
                .collect::<Result<Vec<_>, _>>()?;
            for attempt in 0..META_ATTEMPTS {
                let out =
                    self.client.batch_write_item().request_items(&self.table, requests).send().await.map_err(sdk)?;
                requests = out.unprocessed_items.and_then(|mut m| m.remove(&self.table)).unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                tokio::time::sleep(backoff::delay(attempt, 20)).await;
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable("deletes left unprocessed".into()));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl senvault_store::Eraser for DynamoStore {
    /// Nothing to do: a deleted item leaves nothing a reader of the table can see.
    async fn compact(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn purge_scope(&self, scope: &str) -> Result<u64, StoreError> {
        let partition = pk(scope);
        let items = self.partition_keys(&partition).await?;
        let mut keys = Vec::with_capacity(items.len() * 2);
        let mut records = 0;
        for item in &items {
            let sk = get_s(item, "SK")?;
            if sk == META_SK {
                continue;
            }
            if sk.starts_with("R#") {
                records += 1;
            }
            if let Some(id) = sk.strip_prefix("A#") {
                keys.push((format!("A#{id}"), ALIAS_SK.to_owned()));
            }
            keys.push((partition.clone(), sk.to_owned()));
        }
        self.delete_items(keys).await?;
        // The metadata last: a purge cut short leaves the scope findable and is run again.
        self.delete_items(vec![(partition, META_SK.to_owned())]).await?;
        Ok(records)
    }

    async fn erase_keys(&self, scope: &str, keys: &[String]) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let partition = pk(scope);
        let wanted: std::collections::BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let mut doomed = Vec::new();
        let mut records = 0;
        for item in self.partition_keys(&partition).await? {
            let sk = get_s(&item, "SK")?;
            let hit = match sk.strip_prefix("R#") {
                Some(key) => {
                    let hit = wanted.contains(key);
                    records += u64::from(hit);
                    hit
                }
                None => sk.starts_with("L#") && get_s(&item, "key").is_ok_and(|k| wanted.contains(k)),
            };
            if hit {
                doomed.push((partition.clone(), sk.to_owned()));
            }
        }
        self.delete_items(doomed).await?;
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(&partition))
            .key("SK", s(META_SK))
            .update_expression("SET epoch = if_not_exists(epoch, :one) + :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match update {
            Ok(_) => {}
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {}
            Err(e) => return Err(sdk(e)),
        }
        Ok(records)
    }
}

#[async_trait]
impl ChangeLog for DynamoStore {
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let lo = log_sk(after.saturating_add(1));
        let hi = log_sk(u64::MAX);
        let items = self.query_range(&pk(scope), &lo, &hi, limit.clamp(1, MAX_PAGE), false, true).await?;
        items
            .iter()
            .map(|i| {
                let seq =
                    get_s(i, "SK")?.strip_prefix("L#").ok_or_else(|| backend("log SK"))?.parse().map_err(backend)?;
                Ok(Change {
                    seq,
                    key: get_s(i, "key")?.to_owned(),
                    version: get_n(i, "v")?,
                    deleted: matches!(i.get("del"), Some(AttributeValue::Bool(true))),
                })
            })
            .collect()
    }

    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError> {
        let item = self.get_item(pk(scope), META_SK.into()).await?;
        Ok(match item {
            Some(i) => ScopeMeta {
                seq: get_n(&i, "seq")?,
                epoch: get_n(&i, "epoch")?.max(1),
                purged_before: get_n(&i, "purged_before")?,
            },
            None => ScopeMeta::default(),
        })
    }
}
