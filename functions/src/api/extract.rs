//! Request extractors whose every refusal is a problem body: the caller (bearer token), JSON
//! bodies (size, media type, syntax, types, unknown fields), path ids and list paging.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use senvault_domain::{Actor, OpId};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::{AuthError, AuthMode, GatewayClaims};
use crate::problem::Problem;

/// The authenticated caller, and the operation this request is: the client's
/// `Idempotency-Key` (the same key from the same user is the same operation, so a retried
/// request creates nothing twice), else a fresh one.
pub struct Caller {
    pub actor: Actor,
    pub op: OpId,
    /// Whether the request carried an `Idempotency-Key`: a keyed request that changes nothing
    /// is a retry, answered as the first was with `Idempotent-Replayed: true`.
    pub keyed: bool,
}

/// The header a client sends to make a change safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = if state.auth.mode() == AuthMode::Gateway {
            let claims = parts.extensions.get::<GatewayClaims>().ok_or(AuthError::Missing)?;
            state.auth.actor_from_claims(&claims.0)?
        } else {
            let header = parts.headers.get(header::AUTHORIZATION).ok_or(AuthError::Missing)?;
            let value = header.to_str().map_err(|_| AuthError::Invalid("unreadable header".into()))?;
            let token =
                value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(AuthError::Missing)?;
            state.auth.verify(token.trim())?
        };
        let keyed = parts.headers.contains_key(IDEMPOTENCY_KEY);
        let op = match parts.headers.get(IDEMPOTENCY_KEY) {
            None => OpId::new(),
            Some(v) => {
                let key = v
                    .to_str()
                    .ok()
                    .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
                match key {
                    Some(k) => OpId::from_key(&actor.user, k),
                    None => {
                        let mut p = Problem::bad_request("`Idempotency-Key` must be 1 to 255 visible ASCII characters");
                        p.errors = vec![senvault_domain::FieldError::new("Idempotency-Key", "invalid")];
                        return Err(p);
                    }
                }
            }
        };
        Ok(Caller { actor, op, keyed })
    }
}

/// A JSON body. An empty body reads as `{}` so that bodies whose fields are all optional may be
/// left out; a missing required field is then named in the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| {
            let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let status = r.status();
            if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, "too-large", "Body too large", "request bodies are limited to 1 MiB")
            } else {
                Problem::new(status, "bad-body", "Unreadable body", r.body_text())
            }
        })?;
        let body: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
        if !bytes.is_empty() && json_type != Some(true) {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "media-type",
                "Expected application/json",
                "send the body as application/json",
            ));
        }
        // Text that is not JSON is a 400; JSON of the wrong shape is a 422 naming the field.
        let mut value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("malformed JSON: {e}")))?;
        // Every request body the document describes is an object (serde would also read a
        // struct from an array of its fields, which the document does not allow).
        if !value.is_object() {
            return Err(Problem::invalid(vec![senvault_domain::FieldError::new("body", "must be a JSON object")]));
        }
        whole_numbers(&mut value);
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let field = match e.path().to_string() {
                p if p == "." => "body".to_owned(),
                p => p,
            };
            Problem::invalid(vec![senvault_domain::FieldError::new(field, e.into_inner().to_string())])
        })
    }
}

/// JSON has one number type: `3.0` is the integer 3 to JSON Schema (and to a JavaScript client
/// that sends it), so a whole number written with a fraction is read as that integer. The
/// parser may land one unit in the last place off a large value (`4356118724101578.0` can read
/// as `…577.5`), so a value within one ulp of an integer is that integer. Numbers with a real
/// fraction are left for the field's own type to judge.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_u64() && !n.is_i64() => {
            let whole = |f: f64| (f - f.round()).abs() <= f.abs() * f64::EPSILON;
            if let Some(f) = n.as_f64().filter(|f| whole(*f) && f.abs() < 9.007_199_254_740_992e15) {
                // Below 2^53 every integer is exact, so the cast loses nothing.
                *value = Value::from(f.round() as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(Problem::from)
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| ApiPath(p.0)).map_err(Problem::from)
    }
}

/// Parses an id from the path or query, answering a problem that names the field.
pub fn parse_id<T: FromStr>(field: &str, raw: &str) -> Result<T, Problem> {
    raw.parse().map_err(|_| {
        let mut p = Problem::bad_request(format!("`{field}` must be a UUID"));
        p.errors = vec![senvault_domain::FieldError::new(field, "not a UUID")];
        p
    })
}

/// `?limit=&cursor=` (README, "HTTP API": default 50, max 200; the cursor is opaque).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

impl Paging {
    pub fn limit(&self) -> Result<usize, Problem> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT as u32).contains(&n) => Ok(n as usize),
            Some(_) => {
                Err(Problem::invalid(vec![senvault_domain::FieldError::new("limit", "must be between 1 and 200")]))
            }
        }
    }

    /// The position to continue after, decoded from the cursor.
    pub fn after(&self) -> Result<Option<String>, Problem> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// Cursors are hex so they survive any URL handling unescaped. Positions are printable ASCII
/// (keys, dates, ids), so a cursor is pairs of hex digits from `20` to `7f` — which the schema
/// states, and any such cursor is a position a list can continue after.
pub fn encode_cursor(position: &str) -> String {
    position.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A cursor back to the position it encodes. Works on bytes, never on string offsets, so no
/// input — odd lengths, non-ASCII, multi-byte characters — can do more than be refused.
pub fn decode_cursor(cursor: &str) -> Result<String, Problem> {
    let bad = || {
        let mut p = Problem::bad_request("the cursor is not one this API issued");
        p.errors = vec![senvault_domain::FieldError::new("cursor", "not a cursor from this API")];
        p
    };
    let raw = cursor.as_bytes();
    if !raw.len().is_multiple_of(2) || raw.len() > 2048 {
        return Err(bad());
    }
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = raw
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .filter(|bytes| bytes.iter().all(|b| (0x20..=0x7f).contains(b)))
        .ok_or_else(bad)?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_integers_however_written() {
        let mut v: serde_json::Value =
            serde_json::from_str(r#"{"a": 3.0, "b": 4356118724101578.0, "c": 3.5, "d": [1e3], "e": 1e300}"#).unwrap();
        whole_numbers(&mut v);
        assert_eq!(v["a"], serde_json::json!(3));
        assert_eq!(v["b"], serde_json::json!(4356118724101578_i64), "read exactly despite the parser's rounding");
        assert!(v["c"].is_f64(), "a real fraction is left for the field to refuse");
        assert_eq!(v["d"][0], serde_json::json!(1000));
        assert!(v["e"].is_f64(), "beyond 2^53 is left as it is");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("case/0192/x");
        assert_eq!(decode_cursor(&c).unwrap(), "case/0192/x");
        for bad in ["zz", "abc", "é", "éé", "aé", "a\u{1F600}", "\u{1F600}\u{1F600}", "0", "+1", "-1", "ffff", "c3"]
        {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
        assert_eq!(decode_cursor("").unwrap(), "");
    }
}
