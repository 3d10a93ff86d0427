//! Why a configuration cannot be used: each error names the setting (flag and
//! variable) and what it must be.

/// A setting that cannot be used; nothing was started.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A number outside its range.
    #[error("{setting} must be {expected} (it is {given})")]
    OutOfRange {
        /// The flag and variable, e.g. `--db-max-connections / FOLIO_DB_MAX_CONNECTIONS`.
        setting: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What was given.
        given: String,
    },
    /// The master key is malformed.
    // No `#[from]`: the cause is the message, and a source would print it twice.
    #[error("FOLIO_PERSONAL_DATA_MASTER_KEY: {0}")]
    MasterKey(folio_infra::personal_data::PersonalDataError),
    /// The token key cannot be used.
    #[error("token keys: {0}")]
    TokenKey(String),
    /// More than one token source was given.
    #[error(
        "give one of FOLIO_JWT_SECRET, FOLIO_JWT_PUBLIC_KEY and FOLIO_OIDC_ISSUER, not several"
    )]
    TwoTokenSources,
    /// A setting another one needs is missing.
    #[error("{setting} is required: {because}")]
    Required {
        /// The flag and variable that is missing.
        setting: &'static str,
        /// Why it is needed.
        because: &'static str,
    },
    /// An OpenID provider setting cannot be used.
    #[error("{setting}: {problem}")]
    Oidc {
        /// The flag and variable.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// No token key, and not in development mode.
    #[error(
        "no token key: set FOLIO_JWT_SECRET (32+ bytes) or FOLIO_JWT_PUBLIC_KEY (an RS256 PEM file), \
         or FOLIO_OIDC_ISSUER (an OpenID provider), or pass --dev (FOLIO_DEV=1) to use the published \
         development secret on this machine only"
    )]
    NoTokenKey,
    /// The development secret on an address other machines reach.
    #[error(
        "refusing to serve {0} with the published development secret (--dev): it serves loopback \
         only; set FOLIO_JWT_SECRET, FOLIO_JWT_PUBLIC_KEY or FOLIO_OIDC_ISSUER to listen there"
    )]
    DevelopmentSecretOffLoopback(std::net::SocketAddr),
}
