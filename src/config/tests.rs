//! The configuration's checks, over parsed command lines.

use std::path::PathBuf;

use clap::Parser;
use secrecy::ExposeSecret;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(flatten)]
    serve: ServeSettings,
}

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("folio").chain(args.iter().copied())).expect("parses")
}

#[test]
fn the_blob_store_is_a_directory_by_default_or_an_s3_bucket() {
    let default = parse(&[]).settings.validate().expect("valid");
    assert_eq!(
        default.blob_store,
        BlobLocation::Directory(PathBuf::from("folio-documents"))
    );
    let s3 = parse(&[
        "--blob-store",
        "s3://invoices/",
        "--s3-endpoint",
        "http://127.0.0.1:9000",
        "--s3-access-key-id",
        "id",
        "--s3-secret-access-key",
        "secret",
    ])
    .settings
    .validate()
    .expect("valid");
    let BlobLocation::S3(bucket) = s3.blob_store else {
        panic!("an S3 bucket")
    };
    assert_eq!(bucket.bucket, "invoices");
    assert_eq!(bucket.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert!(!format!("{bucket:?}").contains("secret"), "never printed");
    for wrong in [
        vec!["--blob-store", "s3://"],
        vec!["--blob-store", "/tmp/docs"],
    ] {
        let refused = parse(&wrong).settings.validate().unwrap_err().to_string();
        assert!(refused.contains("FOLIO_BLOB_STORE"), "{refused}");
    }
    let half = parse(&["--blob-store", "s3://b", "--s3-access-key-id", "id"])
        .settings
        .validate()
        .unwrap_err()
        .to_string();
    assert!(half.contains("AWS_SECRET_ACCESS_KEY"), "{half}");
}

#[test]
fn download_links_are_relative_by_default_and_a_short_key_or_odd_address_is_refused() {
    let default = parse(&[]).settings.validate().expect("valid");
    assert_eq!(default.download_links.base_url, "");
    assert!(default.download_links.key.is_none());
    let key = "k".repeat(32);
    let set = parse(&[
        "--public-url",
        "https://folio.example.com/",
        "--download-link-key",
        &key,
    ])
    .settings
    .validate()
    .expect("valid");
    assert_eq!(set.download_links.base_url, "https://folio.example.com");
    assert!(!format!("{set:?}").contains(&key), "never printed");
    let kept = set.download_links.key.as_ref().map(|k| k.expose_secret());
    assert_eq!(kept, Some(key.as_str()));
    for (wrong, named) in [
        (
            vec!["--public-url", "folio.example.com"],
            "FOLIO_PUBLIC_URL",
        ),
        (
            vec!["--download-link-key", "short"],
            "FOLIO_DOWNLOAD_LINK_KEY",
        ),
    ] {
        let refused = parse(&wrong).settings.validate().unwrap_err().to_string();
        assert!(refused.contains(named), "{refused}");
    }
}

#[test]
fn without_a_key_tokens_need_development_mode_and_it_serves_loopback_only() {
    // Given no token key
    let strict = parse(&[]).settings.validate().expect("valid");
    let dev = parse(&["--dev"]).settings.validate().expect("valid");
    // Then without --dev nothing can check a token, and the refusal names
    // every way out
    let refused = strict.authenticator().expect_err("no key").to_string();
    for way_out in [
        "FOLIO_JWT_SECRET",
        "FOLIO_JWT_PUBLIC_KEY",
        "FOLIO_OIDC_ISSUER",
        "--dev",
    ] {
        assert!(refused.contains(way_out), "{refused}");
    }
    // And with it the development secret serves loopback and nothing else
    assert!(dev.authenticator().is_ok());
    let loopback = "127.0.0.1:8080".parse().unwrap();
    let everywhere = "0.0.0.0:8080".parse().unwrap();
    assert!(dev.require_safe_listener(loopback).is_ok());
    let refused = dev
        .require_safe_listener(everywhere)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("FOLIO_JWT_SECRET"), "{refused}");
    // While a configured secret serves any address
    let keyed = parse(&["--jwt-secret", "a-secret-of-at-least-thirty-two-bytes!!"])
        .settings
        .validate()
        .expect("valid");
    assert!(keyed.require_safe_listener(everywhere).is_ok());
}

#[test]
fn flags_override_the_defaults_and_out_of_range_values_are_named() {
    let cli = parse(&["--db-max-connections", "8", "--projection-batch-size", "50"]);
    let config = cli.settings.validate().expect("valid");
    assert_eq!(config.database.max_connections, 8);
    assert_eq!(config.projections.batch_size, 50);

    let refused = parse(&["--db-max-connections", "1"]).settings.validate();
    let message = refused.expect_err("1 connection is too few").to_string();
    assert!(message.contains("FOLIO_DB_MAX_CONNECTIONS"), "{message}");
}

#[test]
fn request_limits_out_of_range_are_refused_by_name() {
    let cli = parse(&["--request-timeout-ms", "10"]);
    let message = cli.serve.limits().expect_err("refused").to_string();
    assert!(message.contains("FOLIO_REQUEST_TIMEOUT_MS"), "{message}");
    // A wait longer than the request is bounded by the request, not refused.
    let cli = parse(&[
        "--request-timeout-ms",
        "1000",
        "--consistency-wait-ms",
        "2000",
    ]);
    let limits = cli.serve.limits().expect("accepted");
    assert_eq!(limits.consistency_wait, Duration::from_secs(2));
}

#[test]
fn a_psql_url_has_no_password_and_only_libpq_parameters() {
    assert_eq!(
        psql_url(
            "postgres://folio:s3cret@db:5432/folio?sslmode=require&statement-cache-capacity=100"
        )
        .unwrap(),
        "postgres://folio@db:5432/folio?sslmode=require"
    );
    assert_eq!(
        psql_url("postgres://root@127.0.0.1:5432/folio?statement-cache-capacity=100").unwrap(),
        "postgres://root@127.0.0.1:5432/folio"
    );
}

#[test]
fn a_malformed_master_key_and_two_token_sources_are_refused() {
    let cli = parse(&["--personal-data-master-key", "abc"]);
    assert!(matches!(
        cli.settings.validate(),
        Err(ConfigError::MasterKey(_))
    ));
    let cli = parse(&["--jwt-secret", "s", "--jwt-public-key", "k.pem"]);
    assert!(matches!(
        cli.settings.validate(),
        Err(ConfigError::TwoTokenSources)
    ));
}

#[test]
fn an_openid_provider_needs_an_audience_https_and_asymmetric_algorithms() {
    let issuer = ["--oidc-issuer", "https://id.example.com/realms/acme"];
    let refusal = |extra: &[&str]| {
        let args: Vec<&str> = issuer.iter().chain(extra).copied().collect();
        parse(&args).settings.validate().unwrap_err().to_string()
    };
    // Given an issuer without an audience, Then the refusal says why it matters
    assert!(refusal(&[]).contains("FOLIO_OIDC_AUDIENCE"));
    // Given HS256, Then it is refused: published keys are asymmetric
    let hs = refusal(&["--oidc-audience", "folio", "--oidc-algorithms", "HS256"]);
    assert!(hs.contains("symmetric"), "{hs}");
    // Given a plain-http issuer off this machine, Then it is refused
    let args = [
        "--oidc-issuer",
        "http://id.example.com",
        "--oidc-audience",
        "folio",
    ];
    let plain = parse(&args).settings.validate().unwrap_err().to_string();
    assert!(plain.contains("not https"), "{plain}");
    // Given a bad role map, Then the setting is named
    let map = refusal(&["--oidc-audience", "folio", "--oidc-role-map", "x=owner"]);
    assert!(map.contains("FOLIO_OIDC_ROLE_MAP"), "{map}");
    // Given no role map, Then the operator must say what the names mean
    let unmapped = refusal(&["--oidc-audience", "folio"]);
    assert!(
        unmapped.contains("FOLIO_OIDC_ROLE_MAP") && unmapped.contains("identity"),
        "{unmapped}"
    );
    // Given a secret besides the issuer, Then one source must be chosen
    assert!(refusal(&["--oidc-audience", "a", "--jwt-secret", "s"]).contains("not several"));
    // Given everything, Then it is valid, listens anywhere and cannot mint
    let args = [
        issuer[0],
        issuer[1],
        "--oidc-audience",
        "folio, billing",
        "--oidc-roles-claim",
        "/realm_access/roles",
        "--oidc-role-map",
        "finance=accountant",
    ];
    let config = parse(&args).settings.validate().expect("valid");
    let TokenSource::Oidc(settings) = &config.tokens else {
        panic!("{:?}", config.tokens);
    };
    assert_eq!(settings.audiences, ["folio", "billing"]);
    assert_eq!(settings.mapping.roles.to_string(), "/realm_access/roles");
    assert!(config.authenticator().is_ok());
    assert!(config.minting_keys().is_err());
    assert!(config
        .require_safe_listener("0.0.0.0:8080".parse().unwrap())
        .is_ok());
    // And a provider on this machine may speak plain http
    let local = [
        "--oidc-issuer",
        "http://127.0.0.1:9000",
        "--oidc-audience",
        "f",
        "--oidc-role-map",
        "identity",
    ];
    assert!(parse(&local).settings.validate().is_ok());
}

#[test]
fn an_rs256_key_needs_the_issuer_and_audience_of_its_tokens() {
    let key = ["--jwt-public-key", "/etc/folio/idp.pem"];
    let refusal = |extra: &[&str]| {
        let args: Vec<&str> = key.iter().chain(extra).copied().collect();
        parse(&args).settings.validate().unwrap_err().to_string()
    };
    // Given a key alone, Then the issuer is required, and why
    let alone = refusal(&[]);
    assert!(alone.contains("FOLIO_JWT_ISSUER"), "{alone}");
    assert!(alone.contains("another application"), "{alone}");
    // Given an issuer but no audience, Then the audience is required
    let no_audience = refusal(&["--jwt-issuer", "https://id.example.com"]);
    assert!(no_audience.contains("FOLIO_JWT_AUDIENCE"), "{no_audience}");
    // Given both, Then the key verifies tokens for that issuer and audience
    let args = [
        key[0],
        key[1],
        "--jwt-issuer",
        "https://id.example.com",
        "--jwt-audience",
        "folio, billing",
    ];
    let config = parse(&args).settings.validate().expect("valid");
    let TokenSource::PublicKeyFile(_, minter) = &config.tokens else {
        panic!("{:?}", config.tokens);
    };
    assert_eq!(minter.issuer, "https://id.example.com");
    assert_eq!(minter.audiences, ["folio", "billing"]);
    // Given an issuer beside a secret, Then it is refused: it would check nothing
    let beside = parse(&[
        "--jwt-secret",
        "s",
        "--jwt-issuer",
        "https://id.example.com",
    ]);
    let refused = beside.settings.validate().unwrap_err().to_string();
    assert!(
        refused.contains("only with FOLIO_JWT_PUBLIC_KEY"),
        "{refused}"
    );
}

#[test]
fn secrets_are_never_printed() {
    let cli = parse(&[
        "--database-url",
        "postgres://folio:hunter2@db:5432/folio",
        "--jwt-secret",
        "a-very-secret-secret-of-32-bytes!!",
    ]);
    let printed = format!("{:?} {:?}", cli.settings, cli.settings.validate().unwrap());
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("a-very-secret"), "{printed}");
}

#[test]
fn e_mail_needs_a_sender_address_with_its_smtp_server_and_nonsense_is_refused() {
    let default = parse(&[]).settings.validate().expect("valid");
    assert!(default.mail.smtp.is_none(), "no SMTP server: e-mails wait");
    assert_eq!(default.mail.retries, RetrySchedule::email());
    let url = "smtp://folio:s3cret@mail.example:587?tls=required";
    let set = parse(&["--smtp-url", url, "--mail-from", "invoices@folio.example"])
        .settings
        .validate()
        .expect("valid");
    let smtp = set.mail.smtp.expect("an SMTP server");
    assert_eq!(smtp.url.expose_secret(), url);
    assert_eq!(smtp.timeout, std::time::Duration::from_secs(30));
    assert!(!format!("{smtp:?}").contains("s3cret"), "never printed");
    for (wrong, named) in [
        (vec!["--smtp-url", url], "FOLIO_MAIL_FROM"),
        (
            vec![
                "--smtp-url",
                "http://mail.example",
                "--mail-from",
                "a@b.example",
            ],
            "FOLIO_SMTP_URL",
        ),
        (vec!["--mail-from", "not an address"], "FOLIO_MAIL_FROM"),
        (
            vec!["--mail-retry-schedule", "soon"],
            "FOLIO_MAIL_RETRY_SCHEDULE",
        ),
        (
            vec!["--webhook-retry-schedule", "5x"],
            "FOLIO_WEBHOOK_RETRY_SCHEDULE",
        ),
        (
            vec!["--webhook-disable-after", "soon"],
            "FOLIO_WEBHOOK_DISABLE_AFTER",
        ),
        (
            vec![
                "--smtp-url",
                url,
                "--mail-from",
                "a@b.example",
                "--smtp-timeout-ms",
                "5",
            ],
            "FOLIO_SMTP_TIMEOUT_MS",
        ),
    ] {
        let refused = parse(&wrong).settings.validate().unwrap_err().to_string();
        assert!(refused.contains(named), "{wrong:?}: {refused}");
    }
}

#[test]
fn webhooks_retry_like_svix_and_reach_no_loopback_unless_allowed() {
    let set = parse(&[]).settings.validate().unwrap();
    assert_eq!(set.webhooks.retries, RetrySchedule::webhook());
    assert!(!set.webhooks.policy.allow_loopback);
    assert_eq!(set.webhooks.disable_after, DEFAULT_WEBHOOK_DISABLE_AFTER);
    let allowed = parse(&["--webhook-allow-loopback"])
        .settings
        .validate()
        .unwrap();
    assert!(allowed.webhooks.policy.allow_loopback);
}
