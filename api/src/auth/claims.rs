//! Where an identity provider puts the tenant and the roles, and what its role
//! names mean in Folio. Keycloak nests roles under `realm_access.roles`, Auth0
//! wants namespaced claims (`https://folio.example/tenant`), Entra ID sends app
//! roles as `roles`; none of them says `tenant` or knows Folio's role names, so
//! the layout is configuration, not code.

use std::collections::BTreeMap;
use std::str::FromStr;

use folio_commands::{Caller, Role};
use folio_domain::ids::{TenantId, UserId};
use serde_json::Value;
use uuid::Uuid;

use super::AuthError;

/// A claim's place in a token: a top-level claim name (`tenant`, or a namespaced
/// `https://folio.example/tenant`), or, starting with `/`, a JSON Pointer
/// (RFC 6901) into nested claims (`/realm_access/roles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath(ClaimPlace);

#[derive(Debug, Clone, PartialEq, Eq)]
enum ClaimPlace {
    TopLevel(String),
    Pointer(String),
}

impl ClaimPath {
    /// The value at this place in `claims`, if any.
    pub fn find<'a>(&self, claims: &'a Value) -> Option<&'a Value> {
        match &self.0 {
            ClaimPlace::TopLevel(name) => claims.get(name),
            ClaimPlace::Pointer(pointer) => claims.pointer(pointer),
        }
    }
}

impl FromStr for ClaimPath {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s == "/" {
            return Err("a claim path names a claim: `tenant` or `/realm_access/roles`".into());
        }
        Ok(ClaimPath(if s.starts_with('/') {
            ClaimPlace::Pointer(s.to_owned())
        } else {
            ClaimPlace::TopLevel(s.to_owned())
        }))
    }
}

impl std::fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            ClaimPlace::TopLevel(name) | ClaimPlace::Pointer(name) => f.write_str(name),
        }
    }
}

/// How a token's claims become a [`Caller`]: the subject from `sub`, the tenant
/// and the roles from the configured places, provider role names translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// Where the tenant's id (a UUID) is.
    pub tenant: ClaimPath,
    /// Where the roles are: an array of names, or one space-separated string.
    pub roles: ClaimPath,
    /// What the provider's role names mean in Folio.
    pub role_names: RoleNames,
}

/// What a provider's role names mean in Folio: always chosen by the operator,
/// since a provider role that merely happens to be called `admin` must not make
/// its holders Folio's admins by accident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleNames {
    /// The provider uses Folio's own names (`admin`, `accountant`, ...),
    /// configured as `identity`.
    Identity,
    /// Provider role name → Folio role; only mapped names count.
    Mapped(BTreeMap<String, Role>),
}

impl FromStr for RoleNames {
    type Err = String;

    /// `identity`, or a map written `provider-name=folio-role,...`, e.g.
    /// `finance-admins=admin,ap-clerks=accountant`.
    fn from_str(spec: &str) -> Result<Self, String> {
        if spec.trim() == "identity" {
            return Ok(RoleNames::Identity);
        }
        let mut names = BTreeMap::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (provider, folio) = pair.split_once('=').ok_or_else(|| {
                format!("`{pair}` is not `provider-role=folio-role` (or the whole map `identity`)")
            })?;
            let role = Role::from_str(folio.trim())?;
            names.insert(provider.trim().to_owned(), role);
        }
        if names.is_empty() {
            return Err("map at least one provider role, or write `identity`".into());
        }
        Ok(RoleNames::Mapped(names))
    }
}

impl Default for ClaimMapping {
    /// Folio's own layout: `tenant` and `roles` at the top level, Folio's role
    /// names.
    fn default() -> Self {
        ClaimMapping {
            tenant: ClaimPath(ClaimPlace::TopLevel("tenant".into())),
            roles: ClaimPath(ClaimPlace::TopLevel("roles".into())),
            role_names: RoleNames::Identity,
        }
    }
}

impl ClaimMapping {
    /// The caller these (already verified) claims describe.
    pub fn caller(&self, claims: &Value) -> Result<Caller, AuthError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Invalid("the token has no subject (`sub`)".into()))?;
        let tenant = self
            .tenant
            .find(claims)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                AuthError::Invalid(format!("the token has no tenant at `{}`", self.tenant))
            })?;
        let tenant = Uuid::parse_str(tenant).map_err(|_| {
            AuthError::Invalid(format!("the tenant at `{}` is not a UUID", self.tenant))
        })?;
        let names: Vec<&str> = match self.roles.find(claims) {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(names)) => names.split_whitespace().collect(),
            _ => Vec::new(),
        };
        let mut roles: Vec<Role> = names
            .into_iter()
            .filter_map(|name| self.role(name))
            .collect();
        roles.sort_by_key(|role| Role::ALL.iter().position(|r| r == role));
        roles.dedup();
        if roles.is_empty() {
            return Err(AuthError::Invalid(format!(
                "the token grants no Folio role at `{}`",
                self.roles
            )));
        }
        Ok(Caller::new(
            TenantId(tenant),
            UserId::new(subject.to_owned()),
            roles,
        ))
    }

    fn role(&self, name: &str) -> Option<Role> {
        match &self.role_names {
            RoleNames::Identity => Role::from_str(name).ok(),
            RoleNames::Mapped(names) => names.get(name).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    const TENANT: &str = "5b1f0c7e-0000-4000-8000-000000000001";

    #[test]
    fn folio_layout_by_default() {
        // Given Folio's own claims
        let claims =
            json!({"sub": "ana", "tenant": TENANT, "roles": ["accountant", "admin", "admin"]});
        // When they are mapped by default
        let caller = ClaimMapping::default().caller(&claims).unwrap();
        // Then the roles are Folio's, once each
        assert_eq!(caller.tenant_id.0.to_string(), TENANT);
        assert_eq!(caller.user.to_string(), "ana");
        assert_eq!(caller.roles, &[Role::Admin, Role::Accountant]);
    }

    #[test]
    fn nested_and_namespaced_claims_with_renamed_roles() {
        // Given a Keycloak-like layout with an Auth0-like namespaced tenant
        let claims = json!({
            "sub": "svc-1",
            "https://folio.example/tenant": TENANT,
            "realm_access": {"roles": ["finance-admins", "offline_access", "admin"]},
        });
        let mapping = ClaimMapping {
            tenant: "https://folio.example/tenant".parse().unwrap(),
            roles: "/realm_access/roles".parse().unwrap(),
            role_names: "finance-admins=accountant".parse().unwrap(),
        };
        // When mapped
        let caller = mapping.caller(&claims).unwrap();
        // Then only the mapped name counts: the provider's own `admin` grants nothing
        assert_eq!(caller.roles, &[Role::Accountant]);
    }

    #[test]
    fn roles_as_one_space_separated_string() {
        let claims = json!({"sub": "a", "tenant": TENANT, "scope": "approver employee"});
        let mapping = ClaimMapping {
            roles: "scope".parse().unwrap(),
            ..ClaimMapping::default()
        };
        let caller = mapping.caller(&claims).unwrap();
        assert_eq!(caller.roles, &[Role::Approver, Role::Employee]);
    }

    #[test]
    fn missing_or_malformed_claims_are_refused_by_name() {
        let mapping = ClaimMapping::default();
        for (claims, says) in [
            (json!({"tenant": TENANT, "roles": ["admin"]}), "subject"),
            (
                json!({"sub": "a", "roles": ["admin"]}),
                "no tenant at `tenant`",
            ),
            (
                json!({"sub": "a", "tenant": "acme", "roles": ["admin"]}),
                "not a UUID",
            ),
            (
                json!({"sub": "a", "tenant": TENANT, "roles": ["owner"]}),
                "no Folio role",
            ),
            (
                json!({"sub": " ", "tenant": TENANT, "roles": ["admin"]}),
                "subject",
            ),
        ] {
            let refused = mapping.caller(&claims).unwrap_err().to_string();
            assert!(refused.contains(says), "{claims}: {refused}");
        }
    }

    #[test]
    fn role_maps_name_their_mistakes() {
        assert!("a=owner"
            .parse::<RoleNames>()
            .unwrap_err()
            .contains("owner"));
        assert!("a".parse::<RoleNames>().unwrap_err().contains("`a`"));
        assert!(" , ".parse::<RoleNames>().unwrap_err().contains("identity"));
        assert!("".parse::<ClaimPath>().is_err());
    }

    #[test]
    fn identity_is_chosen_by_name() {
        // Given the operator's explicit choice of Folio's own names
        let names: RoleNames = " identity ".parse().unwrap();
        let mapping = ClaimMapping {
            role_names: names,
            ..ClaimMapping::default()
        };
        // When a token carries Folio role names
        let claims = json!({"sub": "a", "tenant": TENANT, "roles": ["auditor"]});
        // Then they count as they are
        assert_eq!(mapping.caller(&claims).unwrap().roles, &[Role::Auditor]);
    }
}
