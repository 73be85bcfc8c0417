//! Bearer-token authentication. Locally the server verifies HS256 tokens itself; behind API
//! Gateway a JWT authorizer verifies them first. A missing, expired or badly signed token is
//! refused before any handler runs.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use senvault_domain::{Actor, RoleClaim, UserId};
use serde_json::{Map, Value};

/// The issuer the local server signs and expects.
pub const LOCAL_ISSUER: &str = "senvault-local";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("a bearer token is required")]
    Missing,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

/// Claims already verified by API Gateway's JWT authorizer, placed in the request extensions
/// by the Lambda adapter (a client cannot set extensions, only headers).
#[derive(Debug, Clone)]
pub struct GatewayClaims(pub Map<String, Value>);

/// Where a caller's identity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Verify an HS256 bearer token here (the local server).
    VerifyHs256,
    /// Trust the claims API Gateway's authorizer verified (Lambda behind an HTTP API).
    Gateway,
}

/// Verifies and (for the local server) mints tokens.
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    role_claim: String,
    mode: AuthMode,
}

impl Authenticator {
    /// HS256 with a shared secret; `role_claim` names the claim holding the role.
    pub fn hs256(secret: &[u8], role_claim: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[LOCAL_ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.leeway = 30;
        validation.validate_aud = false;
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
            role_claim: role_claim.to_owned(),
            mode: AuthMode::VerifyHs256,
        }
    }

    /// Behind API Gateway: identity comes only from the authorizer's verified claims.
    pub fn gateway(role_claim: &str) -> Self {
        // No secret exists in this mode; the keys are random and never used to accept a token.
        let unusable = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        Self { mode: AuthMode::Gateway, ..Self::hs256(unusable.as_bytes(), role_claim) }
    }

    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The caller named by a verified token.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &self.validation).map_err(|e| match e
                .kind()
            {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::InvalidSignature => AuthError::Invalid("bad signature".into()),
                _ => AuthError::Invalid("malformed or unacceptable token".into()),
            })?;
        self.actor_from_claims(&data.claims)
    }

    /// The caller named by claims already verified elsewhere (an API Gateway authorizer).
    pub fn actor_from_claims(&self, claims: &Map<String, Value>) -> Result<Actor, AuthError> {
        let user: UserId = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| AuthError::Invalid("no subject".into()))?
            .parse()
            .map_err(|_| AuthError::Invalid("unusable subject".into()))?;
        let role: RoleClaim = claims
            .get(&self.role_claim)
            .and_then(Value::as_str)
            .ok_or_else(|| AuthError::Invalid(format!("no `{}` claim", self.role_claim)))?
            .parse()
            .map_err(|_| AuthError::Invalid(format!("unknown `{}`", self.role_claim)))?;
        Ok(Actor { user, role })
    }

    /// A signed token for `user`, valid for `ttl`.
    pub fn mint(&self, user: &UserId, role: RoleClaim, ttl: Duration) -> String {
        let now = chrono::Utc::now().timestamp();
        self.mint_expiring_at(user, role, now + ttl.as_secs() as i64)
    }

    /// A signed token that expires at `exp` (seconds since the epoch); tests use past values.
    pub fn mint_expiring_at(&self, user: &UserId, role: RoleClaim, exp: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = Map::new();
        claims.insert("sub".into(), Value::from(user.as_str()));
        claims.insert("iss".into(), Value::from(LOCAL_ISSUER));
        claims.insert("iat".into(), Value::from(now));
        claims.insert("exp".into(), Value::from(exp));
        claims.insert(self.role_claim.clone(), Value::from(role.as_str()));
        // Encoding HS256 with an in-memory key cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let auth = Authenticator::hs256(b"secret-one-that-is-long-enough!!", "role");
        let user: UserId = "u1".parse().unwrap();
        let t = auth.mint(&user, RoleClaim::Family, Duration::from_secs(60));
        assert_eq!(auth.verify(&t).unwrap(), Actor { user: user.clone(), role: RoleClaim::Family });
        let other = Authenticator::hs256(b"another-secret-that-is-long!!!!!", "role");
        assert!(matches!(other.verify(&t), Err(AuthError::Invalid(_))));
        assert!(matches!(auth.verify("not.a.token"), Err(AuthError::Invalid(_))));
        let old = auth.mint_expiring_at(&user, RoleClaim::Family, chrono::Utc::now().timestamp() - 3600);
        assert_eq!(auth.verify(&old), Err(AuthError::Expired));
        let custom = Authenticator::hs256(b"secret-one-that-is-long-enough!!", "custom:role");
        assert!(matches!(custom.verify(&t), Err(AuthError::Invalid(_))), "the role claim name is configurable");
    }
}
