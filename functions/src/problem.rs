//! RFC 9457 problem details: every refusal is a clear `application/problem+json` body.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use senvault_domain::{DomainError, FieldError};
use serde::Serialize;

use crate::auth::AuthError;
use crate::service::ServiceError;
use senvault_store::StoreError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:senvault:problem:<slug>`.
    #[serde(rename = "type", serialize_with = "problem_type")]
    #[schema(value_type = String)]
    pub slug: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a 409, the kind of conflict (stable, for programs: `ticket-closed`, `id-taken`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Seconds after which the same request may pass (sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

fn problem_type<S: serde::Serializer>(slug: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("urn:senvault:problem:{slug}"))
}

/// How long a client waits before retrying after storage was unavailable.
pub const RETRY_AFTER_SECONDS: u32 = 2;

impl Problem {
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            slug,
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            code: None,
            retry_after: None,
        }
    }

    /// 503: storage was unavailable or too busy; the same request may pass in a moment.
    pub fn unavailable(slug: &'static str, detail: impl Into<String>) -> Self {
        let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, slug, "Temporarily unavailable", detail);
        p.retry_after = Some(RETRY_AFTER_SECONDS);
        p
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{what} not found"))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid request",
            "one or more fields are invalid",
        );
        p.errors = errors;
        p
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let retry_after = self.retry_after;
        let mut res = (status, axum::Json(self)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if unauthorized {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound { what } => Problem::not_found(what),
            DomainError::Forbidden { rule } => Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", rule),
            DomainError::Invalid(errors) => Problem::invalid(errors),
            DomainError::Refused(errors) => {
                let mut p = Problem::new(
                    StatusCode::CONFLICT,
                    "refused",
                    "Refused by a rule",
                    "the request is well formed, but a rule about the records, today's date or how its fields relate refuses it",
                );
                p.errors = errors;
                p
            }
            DomainError::Conflict(kind) => {
                let mut p = if kind.is_transient() {
                    Problem::unavailable("conflict", kind.to_string())
                } else {
                    Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", kind.to_string())
                };
                p.code = Some(kind.code());
                p
            }
            // The dates are within the document's range, but the calendar the server holds (bank
            // holidays by year) cannot count to them yet: a refusal by what is stored, not by the
            // document.
            DomainError::Date(d) => {
                Problem::new(StatusCode::CONFLICT, "date", "Date cannot be computed", d.to_string())
            }
        }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } | StoreError::AliasTaken(_) => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                "the record was changed or an id is already in use",
            ),
            StoreError::TooLarge { .. } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "too-large", "Change too large", e.to_string())
            }
            StoreError::Unavailable(msg) => {
                // Ids and error kinds only: storage messages never contain record bodies.
                tracing::warn!(error = %msg, "storage unavailable");
                Problem::unavailable("unavailable", "the records cannot be reached just now; try again shortly")
            }
            StoreError::Corrupt { scope, key, reason } => {
                tracing::error!(%scope, %key, %reason, "stored record does not decode");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "corrupt",
                    "Unreadable record",
                    "a stored record needed for this request cannot be read; the operators have been told",
                )
            }
            StoreError::Internal(msg) => {
                tracing::error!(error = %msg, "storage failure");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the request could not be completed",
                )
            }
        }
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Domain(d) => d.into(),
            ServiceError::Store(s) => s.into(),
            ServiceError::Busy => Problem::unavailable("busy", e.to_string()),
        }
    }
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized", e.to_string())
    }
}

impl From<JsonRejection> for Problem {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let (slug, title) = match status {
            StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "Body too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("media-type", "Expected application/json"),
            StatusCode::UNPROCESSABLE_ENTITY => ("validation", "Invalid request"),
            _ => ("bad-json", "Malformed JSON"),
        };
        let detail = match &r {
            JsonRejection::JsonDataError(e) => {
                e.body_text().replace("Failed to deserialize the JSON body into the target type: ", "")
            }
            _ => r.body_text(),
        };
        Problem::new(status, slug, title, detail)
    }
}

impl From<QueryRejection> for Problem {
    fn from(r: QueryRejection) -> Self {
        Problem::bad_request(r.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(r: PathRejection) -> Self {
        Problem::bad_request(r.body_text())
    }
}
