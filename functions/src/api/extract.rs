//! Request extractors whose every refusal is a problem body: the caller (bearer token), JSON
//! bodies (size, media type, syntax, types, unknown fields), path ids and list paging.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use senvault_domain::Actor;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::{AuthError, AuthMode, GatewayClaims};
use crate::problem::Problem;

/// The authenticated caller.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.auth.mode() == AuthMode::Gateway {
            let claims = parts.extensions.get::<GatewayClaims>().ok_or(AuthError::Missing)?;
            return Ok(Caller(state.auth.actor_from_claims(&claims.0)?));
        }
        let header = parts.headers.get(header::AUTHORIZATION).ok_or(AuthError::Missing)?;
        let value = header.to_str().map_err(|_| AuthError::Invalid("unreadable header".into()))?;
        let token =
            value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(AuthError::Missing)?;
        Ok(Caller(state.auth.verify(token.trim())?))
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
        serde_json::from_slice(body).map(ApiJson).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Data => Problem::invalid(vec![senvault_domain::FieldError::new("body", e.to_string())]),
                Category::Syntax | Category::Eof | Category::Io => Problem::bad_request(format!("malformed JSON: {e}")),
            }
        })
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

/// `?limit=&cursor=` (DESIGN §4: default 50, max 200; the cursor is opaque).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
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

/// Cursors are hex so they survive any URL handling unescaped.
pub fn encode_cursor(position: &str) -> String {
    position.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<String, Problem> {
    let bad = || Problem::bad_request("the cursor is not one this API issued");
    if !cursor.len().is_multiple_of(2) || cursor.len() > 2048 {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("case/0192/x");
        assert_eq!(decode_cursor(&c).unwrap(), "case/0192/x");
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor("abc").is_err());
    }
}
