//! Given-when-then tests for every webhook endpoint rule.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type EndpointTest = TestFramework<WebhookEndpoint>;

const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));
const ENDPOINT: WebhookEndpointId = WebhookEndpointId::from_uuid(Uuid::from_u128(2));

fn register(url: &str, types: &[&str]) -> WebhookCommand {
    WebhookCommand::Register {
        tenant_id: TENANT,
        endpoint_id: ENDPOINT,
        url: url.into(),
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        description: Some(" ERP ".into()),
    }
}

fn registered() -> WebhookEvent {
    WebhookEvent::WebhookEndpointRegistered {
        tenant_id: TENANT,
        endpoint_id: ENDPOINT,
        url: "https://erp.example/hooks".into(),
        event_types: vec!["invoice.issued".into(), "invoice.payment_recorded".into()],
        description: Some("ERP".into()),
    }
}

#[test]
fn an_endpoint_is_registered_with_known_types_sorted_once_each() {
    EndpointTest::with(())
        .given_no_previous_events()
        .when(register(
            " https://erp.example/hooks ",
            &[
                "invoice.payment_recorded",
                "invoice.issued",
                "invoice.issued",
            ],
        ))
        .then_expect_events(vec![registered()]);
    EndpointTest::with(())
        .given(vec![registered()])
        .when(register("https://erp.example/hooks", &[]))
        .then_expect_error(WebhookError::AlreadyExists);
}

#[test]
fn a_url_must_be_http_with_a_host_and_no_credentials() {
    for url in [
        "ftp://erp.example/x",
        "https://",
        "https://user:pw@erp.example/x",
        "https://erp.example/a b",
        "erp.example/hooks",
    ] {
        EndpointTest::with(())
            .given_no_previous_events()
            .when(register(url, &[]))
            .then_expect_error(WebhookError::InvalidUrl(url.trim().to_owned()));
    }
    assert_eq!(
        checked_url("http://127.0.0.1:8080/hook").as_deref(),
        Ok("http://127.0.0.1:8080/hook")
    );
    assert!(checked_url("https://[::1]:8443/hook").is_ok());
}

#[test]
fn an_unknown_event_type_is_refused_by_name() {
    EndpointTest::with(())
        .given_no_previous_events()
        .when(register("https://erp.example/hooks", &["invoice.paid"]))
        .then_expect_error(WebhookError::UnknownEventType("invoice.paid".into()));
}

#[test]
fn a_rotation_starts_the_next_secret_and_keeps_the_last_for_a_day() {
    let at: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
    EndpointTest::with(())
        .given(vec![registered()])
        .when(WebhookCommand::RotateSecret { at })
        .then_expect_events(vec![WebhookEvent::WebhookSecretRotated {
            secret_version: 2,
            previous_valid_until: "2026-12-08T10:00:00Z".parse().unwrap(),
        }]);
}

#[test]
fn a_disabled_endpoint_receives_nothing_until_enabled_and_a_deleted_one_never() {
    let disabled = WebhookEvent::WebhookEndpointDisabled {
        reason: "failing for 5 days".into(),
        automatic: true,
    };
    let mut endpoint = WebhookEndpoint::default();
    endpoint.fold(registered());
    assert!(endpoint.receives("invoice.issued"));
    assert!(!endpoint.receives("expense.submitted"));
    endpoint.fold(disabled.clone());
    assert!(!endpoint.receives("invoice.issued"));
    EndpointTest::with(())
        .given(vec![registered(), disabled.clone()])
        .when(WebhookCommand::Enable)
        .then_expect_events(vec![WebhookEvent::WebhookEndpointEnabled {}]);
    EndpointTest::with(())
        .given(vec![registered()])
        .when(WebhookCommand::Enable)
        .then_expect_error(WebhookError::NotDisabled);
    EndpointTest::with(())
        .given(vec![registered(), WebhookEvent::WebhookEndpointDeleted {}])
        .when(WebhookCommand::RotateSecret {
            at: "2026-12-07T10:00:00Z".parse().unwrap(),
        })
        .then_expect_error(WebhookError::Deleted);
}

#[test]
fn an_update_records_only_a_change() {
    EndpointTest::with(())
        .given(vec![registered()])
        .when(WebhookCommand::Update {
            url: Some("https://erp.example/hooks".into()),
            event_types: None,
            description: None,
        })
        .then_expect_events(vec![]);
    EndpointTest::with(())
        .given(vec![registered()])
        .when(WebhookCommand::Update {
            url: None,
            event_types: Some(vec![]),
            description: Some(None),
        })
        .then_expect_events(vec![WebhookEvent::WebhookEndpointChanged {
            url: "https://erp.example/hooks".into(),
            event_types: vec![],
            description: None,
        }]);
}
