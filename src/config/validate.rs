//! The checks every setting passes at start, and the typed parts they build.

use std::path::PathBuf;
use std::time::Duration;

use folio_api::protection::Protection;
use folio_api::Limits;
use folio_commands::notifications::retries::parse_wait;
use folio_commands::notifications::RetrySchedule;
use folio_domain::email::is_email_address;
use folio_infra::blob_store::{BlobLocation, S3Bucket};
use folio_infra::kafka::KafkaConfig;
use folio_infra::personal_data::KeyWrapping;
use folio_infra::sat_status::SAT_STATUS_URL;
use folio_infra::webhook_http::AddressPolicy;
use folio_infra::ProjectionConfig;
use secrecy::ExposeSecret;
use url::Url;

use super::{
    Config, ConfigError, DatabaseConfig, DownloadLinkSettings, KafkaSettings, MailSettings,
    PacSettings, ServeSettings, Settings, SmtpSettings, TokenSource, WebhookSettings,
};

/// Whether `given` is an absolute http(s) URL naming a host.
fn is_http_url(given: &str) -> bool {
    Url::parse(given).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
}

/// The shortest download-link key accepted: 32 characters, 256 bits at the
/// least of a random hex or base64 string.
const MIN_DOWNLOAD_LINK_KEY_LEN: usize = 32;

/// `value` unless outside `low..=high`, which is refused naming `setting` and
/// what it must be.
fn in_range<T: PartialOrd + ToString>(
    setting: &'static str,
    value: T,
    low: T,
    high: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    if value < low || value > high {
        return Err(ConfigError::OutOfRange {
            setting,
            expected,
            given: value.to_string(),
        });
    }
    Ok(value)
}

impl Settings {
    /// Checks every setting and builds the typed configuration.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let max_connections = in_range(
            "--db-max-connections / FOLIO_DB_MAX_CONNECTIONS",
            self.db_max_connections,
            2,
            1_000,
            "2 to 1000",
        )?;
        let acquire_ms = in_range(
            "--db-acquire-timeout-ms / FOLIO_DB_ACQUIRE_TIMEOUT_MS",
            self.db_acquire_timeout_ms,
            1,
            600_000,
            "1 to 600000 ms",
        )?;
        let batch_size = in_range(
            "--projection-batch-size / FOLIO_PROJECTION_BATCH_SIZE",
            self.projection_batch_size,
            1,
            100_000,
            "1 to 100000",
        )?;
        let poll_ms = in_range(
            "--projection-poll-interval-ms / FOLIO_PROJECTION_POLL_INTERVAL_MS",
            self.projection_poll_interval_ms,
            1,
            60_000,
            "1 to 60000 ms",
        )?;
        let status_ms = in_range(
            "--status-interval-ms / FOLIO_STATUS_INTERVAL_MS",
            self.status_interval_ms,
            100,
            600_000,
            "100 to 600000 ms",
        )?;
        let tokens = match (&self.jwt_secret, &self.jwt_public_key, &self.oidc_issuer) {
            (Some(secret), None, None) => TokenSource::Secret(secret.clone()),
            (None, Some(path), None) => TokenSource::PublicKeyFile(path.clone(), self.minter()?),
            (None, None, Some(issuer)) => TokenSource::Oidc(self.oidc(issuer)?),
            (None, None, None) if self.dev => TokenSource::Development,
            (None, None, None) => TokenSource::Missing,
            _ => return Err(ConfigError::TwoTokenSources),
        };
        let minter_given = self.jwt_issuer.is_some() || !self.jwt_audience.is_empty();
        if minter_given && !matches!(tokens, TokenSource::PublicKeyFile(..)) {
            return Err(ConfigError::OutOfRange {
                setting: "--jwt-issuer, --jwt-audience / FOLIO_JWT_ISSUER, FOLIO_JWT_AUDIENCE",
                expected: "set only with FOLIO_JWT_PUBLIC_KEY (an OpenID provider's are FOLIO_OIDC_ISSUER and FOLIO_OIDC_AUDIENCE)",
                given: "set".into(),
            });
        }
        let key_wrapping = match &self.personal_data_master_key {
            Some(hex) => {
                KeyWrapping::with_master_key(hex.expose_secret()).map_err(ConfigError::MasterKey)?
            }
            None => KeyWrapping::none(),
        };
        Ok(Config {
            database: DatabaseConfig {
                url: self.database_url.clone(),
                max_connections,
                acquire_timeout: Duration::from_millis(acquire_ms),
            },
            tokens,
            key_wrapping,
            projections: ProjectionConfig {
                batch_size,
                poll_interval: Duration::from_millis(poll_ms),
                ..ProjectionConfig::default()
            },
            status_interval: Duration::from_millis(status_ms),
            blob_store: self.blob_location()?,
            download_links: self.download_links()?,
            mail: self.mail()?,
            pac: self.pac()?,
            webhooks: self.webhooks()?,
        })
    }

    /// How webhooks are posted, from `FOLIO_WEBHOOK_RETRY_SCHEDULE`,
    /// `FOLIO_WEBHOOK_DISABLE_AFTER` and `FOLIO_WEBHOOK_ALLOW_LOOPBACK`.
    fn webhooks(&self) -> Result<WebhookSettings, ConfigError> {
        let retries = RetrySchedule::parse(&self.webhook_retry_schedule).map_err(|_| {
            ConfigError::OutOfRange {
                setting: "--webhook-retry-schedule / FOLIO_WEBHOOK_RETRY_SCHEDULE",
                expected: "waits such as 5s,5m,30m,2h,5h,10h,10h",
                given: self.webhook_retry_schedule.clone(),
            }
        })?;
        let disable_after =
            parse_wait(&self.webhook_disable_after).ok_or_else(|| ConfigError::OutOfRange {
                setting: "--webhook-disable-after / FOLIO_WEBHOOK_DISABLE_AFTER",
                expected: "a wait such as 5d or 12h",
                given: self.webhook_disable_after.clone(),
            })?;
        Ok(WebhookSettings {
            policy: AddressPolicy {
                allow_loopback: self.webhook_allow_loopback,
            },
            retries,
            disable_after,
        })
    }

    /// Where e-mail goes out, from `FOLIO_SMTP_URL`, `FOLIO_MAIL_FROM` and
    /// `FOLIO_MAIL_RETRY_SCHEDULE`.
    fn mail(&self) -> Result<MailSettings, ConfigError> {
        let retries = RetrySchedule::parse(&self.mail_retry_schedule).map_err(|_| {
            ConfigError::OutOfRange {
                setting: "--mail-retry-schedule / FOLIO_MAIL_RETRY_SCHEDULE",
                expected: "waits such as 30s,2m,10m,1h,6h",
                given: self.mail_retry_schedule.clone(),
            }
        })?;
        let from = self.mail_from.as_deref().map(str::trim);
        if let Some(from) = from.filter(|from| !is_email_address(from)) {
            return Err(ConfigError::OutOfRange {
                setting: "--mail-from / FOLIO_MAIL_FROM",
                expected: "an e-mail address",
                given: from.to_owned(),
            });
        }
        let smtp = match (&self.smtp_url, from) {
            (None, _) => None,
            (Some(url), Some(from)) => {
                let scheme = url.expose_secret().split("://").next().unwrap_or_default();
                if !matches!(scheme, "smtp" | "smtps") {
                    return Err(ConfigError::OutOfRange {
                        setting: "--smtp-url / FOLIO_SMTP_URL",
                        expected: "an smtp:// or smtps:// URL",
                        given: format!("a {scheme}:// URL"),
                    });
                }
                let timeout_ms = in_range(
                    "--smtp-timeout-ms / FOLIO_SMTP_TIMEOUT_MS",
                    self.smtp_timeout_ms,
                    100,
                    600_000,
                    "100 to 600000 ms",
                )?;
                Some(SmtpSettings {
                    url: url.clone(),
                    from: from.to_owned(),
                    timeout: Duration::from_millis(timeout_ms),
                })
            }
            (Some(_), None) => {
                return Err(ConfigError::Required {
                    setting: "--mail-from / FOLIO_MAIL_FROM",
                    because: "e-mail sent through FOLIO_SMTP_URL needs a sender address",
                })
            }
        };
        Ok(MailSettings { smtp, retries })
    }

    /// The PAC, from `FOLIO_PAC_URL`, `FOLIO_PAC_USER` and
    /// `FOLIO_PAC_PASSWORD`, with SAT's status service from
    /// `FOLIO_SAT_STATUS_URL` (SAT's own by default).
    fn pac(&self) -> Result<Option<PacSettings>, ConfigError> {
        let Some(url) = self.pac_url.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if !is_http_url(url) {
            return Err(ConfigError::OutOfRange {
                setting: "--pac-url / FOLIO_PAC_URL",
                expected: "an http:// or https:// URL",
                given: url.to_owned(),
            });
        }
        let required = |setting| ConfigError::Required {
            setting,
            because: "the PAC at FOLIO_PAC_URL is reached with an account",
        };
        let user = self
            .pac_user
            .clone()
            .filter(|user| !user.trim().is_empty())
            .ok_or_else(|| required("--pac-user / FOLIO_PAC_USER"))?;
        let password = self
            .pac_password
            .clone()
            .ok_or_else(|| required("--pac-password / FOLIO_PAC_PASSWORD"))?;
        let sat_status_url = match self.sat_status_url.as_deref().map(str::trim) {
            None | Some("") => SAT_STATUS_URL.to_owned(),
            Some(given) if is_http_url(given) => given.to_owned(),
            Some(given) => {
                return Err(ConfigError::OutOfRange {
                    setting: "--sat-status-url / FOLIO_SAT_STATUS_URL",
                    expected: "an http:// or https:// URL",
                    given: given.to_owned(),
                })
            }
        };
        Ok(Some(PacSettings {
            url: url.trim_end_matches('/').to_owned(),
            user,
            password,
            sat_status_url,
        }))
    }

    /// How download links are signed, from `FOLIO_PUBLIC_URL` and
    /// `FOLIO_DOWNLOAD_LINK_KEY`.
    fn download_links(&self) -> Result<DownloadLinkSettings, ConfigError> {
        let base_url = match self.public_url.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(url) if is_http_url(url) => url.trim_end_matches('/').to_owned(),
            Some(url) => {
                return Err(ConfigError::OutOfRange {
                    setting: "--public-url / FOLIO_PUBLIC_URL",
                    expected: "an http:// or https:// address",
                    given: url.to_owned(),
                })
            }
        };
        if let Some(key) = &self.download_link_key {
            let key = key.expose_secret();
            if key.len() < MIN_DOWNLOAD_LINK_KEY_LEN {
                return Err(ConfigError::OutOfRange {
                    setting: "FOLIO_DOWNLOAD_LINK_KEY",
                    expected: "at least 32 characters",
                    given: format!("{} characters", key.len()),
                });
            }
        }
        Ok(DownloadLinkSettings {
            base_url,
            key: self.download_link_key.clone(),
        })
    }

    /// The blob store's location from `FOLIO_BLOB_STORE` and, for S3, its
    /// server, region and credentials.
    fn blob_location(&self) -> Result<BlobLocation, ConfigError> {
        const SETTING: &str = "--blob-store / FOLIO_BLOB_STORE";
        let given = self.blob_store.trim();
        if let Some(bucket) = given.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(ConfigError::OutOfRange {
                    setting: SETTING,
                    expected: "s3://BUCKET (a bucket name, no path)",
                    given: given.to_owned(),
                });
            }
            let credentials = match (&self.s3_access_key_id, &self.s3_secret_access_key) {
                (Some(id), Some(secret)) => Some((id.clone(), secret.expose_secret().to_owned())),
                (None, None) => None,
                _ => return Err(ConfigError::Required {
                    setting: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                    because:
                        "S3 credentials are a pair: give both, or neither to use the machine's role",
                }),
            };
            return Ok(BlobLocation::S3(S3Bucket {
                bucket: bucket.to_owned(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone(),
                credentials,
            }));
        }
        match given
            .strip_prefix("file://")
            .or_else(|| given.strip_prefix("file:"))
        {
            Some(directory) if !directory.is_empty() => {
                Ok(BlobLocation::Directory(PathBuf::from(directory)))
            }
            _ => Err(ConfigError::OutOfRange {
                setting: SETTING,
                expected: "file:DIRECTORY or s3://BUCKET",
                given: given.to_owned(),
            }),
        }
    }
}

impl ServeSettings {
    /// The request limits, checked. A consistency wait longer than the request
    /// timeout is allowed: the request is then stopped with `LIMIT` first.
    pub fn limits(&self) -> Result<Limits, ConfigError> {
        let timeout_ms = in_range(
            "--request-timeout-ms / FOLIO_REQUEST_TIMEOUT_MS",
            self.request_timeout_ms,
            100,
            600_000,
            "100 to 600000 ms",
        )?;
        let wait_ms = in_range(
            "--consistency-wait-ms / FOLIO_CONSISTENCY_WAIT_MS",
            self.consistency_wait_ms,
            0,
            600_000,
            "0 to 600000 ms",
        )?;
        let max_waiting_reads = in_range(
            "--consistency-waiters / FOLIO_CONSISTENCY_WAITERS",
            self.consistency_waiters,
            1,
            1_000_000,
            "1 to 1000000",
        )?;
        Ok(Limits {
            request_timeout: Duration::from_millis(timeout_ms),
            consistency_wait: Duration::from_millis(wait_ms),
            max_waiting_reads,
            introspection: self.graphql_introspection,
            ..Limits::default()
        })
    }

    /// How often the dunning process runs; none when it is `off`.
    pub fn dunning_interval(&self) -> Result<Option<Duration>, ConfigError> {
        let given = self.dunning_interval.trim();
        if given == "off" {
            return Ok(None);
        }
        match parse_wait(given) {
            Some(every) if !every.is_zero() => Ok(Some(every)),
            _ => Err(ConfigError::OutOfRange {
                setting: "--dunning-interval / FOLIO_DUNNING_INTERVAL",
                expected: "a wait such as 15m or 1h, or off",
                given: self.dunning_interval.clone(),
            }),
        }
    }

    /// The rate limits, allowed browser origins and GraphiQL's page, checked;
    /// `dev` turns the page on unless `--graphiql` says otherwise.
    pub fn protection(&self, dev: bool) -> Result<Protection, ConfigError> {
        let assets = self.graphiql_assets.trim_end_matches('/');
        if !is_http_url(assets) {
            return Err(ConfigError::OutOfRange {
                setting: "--graphiql-assets / FOLIO_GRAPHIQL_ASSETS",
                expected: "an http(s) URL serving the npm files, e.g. https://unpkg.com",
                given: self.graphiql_assets.clone(),
            });
        }
        for origin in &self.cors_origins {
            let valid = is_http_url(origin) && !origin.contains('*');
            if !valid {
                return Err(ConfigError::OutOfRange {
                    setting: "--cors-origins / FOLIO_CORS_ORIGINS",
                    expected: "origins like https://app.example.com (no wildcards)",
                    given: origin.clone(),
                });
            }
        }
        // A burst (twice the rate) must hold the largest query allowed, or that
        // query could never run.
        let largest = Limits::DEFAULT.max_complexity as u64;
        let budget = self.complexity_per_tenant;
        if budget != 0 && u64::from(budget) * 2 < largest {
            return Err(ConfigError::OutOfRange {
                setting: "--complexity-per-tenant / FOLIO_COMPLEXITY_PER_TENANT",
                expected: "0 (no budget) or at least half the largest query's complexity (1000)",
                given: budget.to_string(),
            });
        }
        Ok(Protection {
            per_tenant: self.rate_limit_per_tenant,
            per_address: self.rate_limit_per_address,
            complexity_per_tenant: budget,
            cors_origins: self.cors_origins.clone(),
            graphiql_assets: self.graphiql.unwrap_or(dev).then(|| assets.to_owned()),
        })
    }
}

impl KafkaSettings {
    /// The Kafka configuration, checked; `None` when no broker is configured.
    pub fn config(&self) -> Result<Option<KafkaConfig>, ConfigError> {
        let Some(brokers) = self.brokers.as_ref().filter(|b| !b.trim().is_empty()) else {
            return Ok(None);
        };
        let partitions = in_range(
            "--kafka-partitions / FOLIO_KAFKA_PARTITIONS",
            self.partitions,
            1,
            10_000,
            "1 to 10000",
        )?;
        let replication_factor = in_range(
            "--kafka-replication / FOLIO_KAFKA_REPLICATION",
            self.replication_factor,
            1,
            100,
            "1 to 100",
        )?;
        let batch_size = in_range(
            "--kafka-batch-size / FOLIO_KAFKA_BATCH_SIZE",
            self.batch_size,
            1,
            100_000,
            "1 to 100000",
        )?;
        Ok(Some(KafkaConfig {
            topic_prefix: self.topic_prefix.clone(),
            partitions,
            replication_factor,
            batch_size,
            message_timeout: Duration::from_millis(self.message_timeout_ms.max(1)),
            ..KafkaConfig::new(brokers.clone())
        }))
    }
}
