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

/// Where a verified token says what kind of account the caller has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSource {
    /// A claim holding one role id (`family`, `advocate`, `org_admin`); a token without it is
    /// refused. The local server's tokens, and identity providers with a role attribute.
    Claim(String),
    /// A claim listing the caller's groups (Cognito's `cognito:groups`): the role is
    /// [`RoleClaim::from_groups`], so a token with no groups — what self sign-up gives — is a
    /// family account. API Gateway hands a list claim over as the text `[a b]`; both forms
    /// are read.
    Groups(String),
}

impl RoleSource {
    /// The claim's name.
    pub fn claim(&self) -> &str {
        match self {
            RoleSource::Claim(c) | RoleSource::Groups(c) => c,
        }
    }

    fn role(&self, claims: &Map<String, Value>) -> Result<RoleClaim, AuthError> {
        match self {
            RoleSource::Claim(name) => claims
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| AuthError::Invalid(format!("no `{name}` claim")))?
                .parse()
                .map_err(|_| AuthError::Invalid(format!("unknown `{name}`"))),
            RoleSource::Groups(name) => match claims.get(name) {
                None | Some(Value::Null) => Ok(RoleClaim::Family),
                Some(Value::Array(items)) => Ok(RoleClaim::from_groups(items.iter().filter_map(Value::as_str))),
                Some(Value::String(text)) => {
                    let text = text.trim();
                    let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
                    Ok(RoleClaim::from_groups(inner.split([' ', ',']).map(str::trim).filter(|g| !g.is_empty())))
                }
                Some(_) => Err(AuthError::Invalid(format!("unreadable `{name}`"))),
            },
        }
    }
}

/// Verifies and (for the local server) mints tokens.
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    roles: RoleSource,
    mode: AuthMode,
}

impl Authenticator {
    /// HS256 with a shared secret; `role_claim` names the claim holding the role.
    pub fn hs256(secret: &[u8], role_claim: &str) -> Self {
        Self::hs256_with(secret, RoleSource::Claim(role_claim.to_owned()))
    }

    /// HS256 with a shared secret, the role read as `roles` says.
    pub fn hs256_with(secret: &[u8], roles: RoleSource) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[LOCAL_ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        Self {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
            roles,
            mode: AuthMode::VerifyHs256,
        }
    }

    /// Behind API Gateway: identity comes only from the authorizer's verified claims.
    pub fn gateway(roles: RoleSource) -> Self {
        // No secret exists in this mode; the keys are random and never used to accept a token.
        let unusable = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        Self { mode: AuthMode::Gateway, ..Self::hs256_with(unusable.as_bytes(), roles) }
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
        if user.is_reserved() {
            return Err(AuthError::Invalid("reserved subject".into()));
        }
        let role = self.roles.role(claims)?;
        Ok(Actor { user, role })
    }

    /// A signed token for `user`, valid for `ttl`.
    pub fn mint(&self, user: &UserId, role: RoleClaim, ttl: Duration) -> String {
        let now = chrono::Utc::now().timestamp();
        self.mint_expiring_at(user, role, now + ttl.as_secs() as i64)
    }

    /// A signed token that expires at `exp` (seconds since the epoch); tests use past values.
    pub fn mint_expiring_at(&self, user: &UserId, role: RoleClaim, exp: i64) -> String {
        self.mint_claims(user, role, exp, None)
    }

    /// A signed token with an optional not-before time (tests use future values).
    pub fn mint_claims(&self, user: &UserId, role: RoleClaim, exp: i64, nbf: Option<i64>) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = Map::new();
        if let Some(nbf) = nbf {
            claims.insert("nbf".into(), Value::from(nbf));
        }
        claims.insert("sub".into(), Value::from(user.as_str()));
        claims.insert("iss".into(), Value::from(LOCAL_ISSUER));
        claims.insert("iat".into(), Value::from(now));
        claims.insert("exp".into(), Value::from(exp));
        let role = match &self.roles {
            RoleSource::Claim(_) => Value::from(role.as_str()),
            RoleSource::Groups(_) => Value::from(vec![role.as_str()]),
        };
        claims.insert(self.roles.claim().to_owned(), role);
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

    #[test]
    fn not_yet_valid_and_reserved_subjects_are_refused() {
        let auth = Authenticator::hs256(b"secret-one-that-is-long-enough!!", "role");
        let user: UserId = "u1".parse().unwrap();
        let now = chrono::Utc::now().timestamp();
        let later = auth.mint_claims(&user, RoleClaim::Family, now + 7200, Some(now + 3600));
        assert!(matches!(auth.verify(&later), Err(AuthError::Invalid(_))), "nbf an hour ahead");
        let fine = auth.mint_claims(&user, RoleClaim::Family, now + 7200, Some(now - 10));
        assert!(auth.verify(&fine).is_ok());
        let scanner: UserId = senvault_domain::RESERVED_USERS[0].parse().unwrap();
        let as_system = auth.mint(&scanner, RoleClaim::Family, Duration::from_secs(60));
        assert_eq!(auth.verify(&as_system), Err(AuthError::Invalid("reserved subject".into())));
    }

    #[test]
    fn roles_from_groups_as_tokens_and_the_gateway_carry_them() {
        let auth = Authenticator::gateway(RoleSource::Groups("cognito:groups".into()));
        let role = |claims: Value| {
            let mut map = Map::new();
            map.insert("sub".into(), Value::from("u1"));
            if !claims.is_null() {
                map.insert("cognito:groups".into(), claims);
            }
            auth.actor_from_claims(&map).map(|a| a.role)
        };
        assert_eq!(role(Value::Null), Ok(RoleClaim::Family), "self sign-up: no groups at all");
        assert_eq!(role(serde_json::json!([])), Ok(RoleClaim::Family));
        assert_eq!(role(serde_json::json!(["advocate"])), Ok(RoleClaim::Advocate));
        assert_eq!(role(Value::from("[advocate]")), Ok(RoleClaim::Advocate), "API Gateway's rendering");
        assert_eq!(role(Value::from("[advocate org_admin]")), Ok(RoleClaim::OrgAdmin));
        assert_eq!(role(Value::from("[]")), Ok(RoleClaim::Family));
        assert_eq!(role(Value::from("[testers]")), Ok(RoleClaim::Family));
        assert!(role(serde_json::json!(3)).is_err());

        let local = Authenticator::hs256_with(b"secret-one-that-is-long-enough!!", RoleSource::Groups("groups".into()));
        let user: UserId = "u1".parse().unwrap();
        let t = local.mint(&user, RoleClaim::Advocate, Duration::from_secs(60));
        assert_eq!(local.verify(&t).map(|a| a.role), Ok(RoleClaim::Advocate));
    }
}
