//! The event store on a real Postgres: postgres-es unchanged by our extra columns,
//! append-only history, metadata on every event.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::EventStore;
use folio_domain::customer::{
    ContactDetails, Customer, CustomerCommand, CustomerEvent, TaxDetails,
};
use folio_domain::ids::{CustomerId, TenantId};
use folio_domain::money::Currency;
use folio_domain::Decide;
use postgres_es::PostgresEventRepository;
use sqlx::Row;
use support::{ctx, customer_input, event_count, tenant, TestDatabase};
use uuid::Uuid;

fn register(tenant_id: TenantId, customer_id: CustomerId) -> CustomerCommand {
    CustomerCommand::Register {
        tenant_id,
        customer_id,
        contact: ContactDetails {
            name: "Acme".into(),
            email: None,
            phone: None,
            address: None,
        },
        tax: TaxDetails {
            tax_id: None,
            country: "DE".into(),
            default_currency: Currency::from_code("EUR").unwrap(),
            payment_terms_days: 30,
            sat: None,
        },
    }
}

#[tokio::test]
async fn postgres_es_appends_and_loads_with_the_extra_columns_present() {
    let db = TestDatabase::new().await;
    let store: PersistedEventStore<PostgresEventRepository, Customer> =
        PersistedEventStore::new_event_store(PostgresEventRepository::new(db.app.pool.clone()));
    let tenant_id = tenant();
    let customer_id = CustomerId(Uuid::now_v7());
    let id = customer_id.to_string();

    let context = store.load_aggregate(&id).await.unwrap();
    let events = context
        .aggregate
        .decide(register(tenant_id, customer_id))
        .unwrap();
    let metadata =
        std::collections::HashMap::from([("tenant_id".to_string(), tenant_id.to_string())]);
    store
        .commit(events.clone(), context, metadata)
        .await
        .unwrap();

    let loaded = store.load_events(&id).await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].payload, events[0]);
    let context = store.load_aggregate(&id).await.unwrap();
    assert_eq!(context.current_sequence, 1);
    assert_eq!(context.aggregate.tenant_id, Some(tenant_id));

    let row = sqlx::query("SELECT global_position, transaction_id::text AS xid, recorded_at, tenant_id FROM events WHERE aggregate_id = $1")
        .bind(&id)
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert!(row.get::<i64, _>("global_position") >= 1);
    assert!(!row.get::<String, _>("xid").is_empty());
    assert_eq!(row.get::<Uuid, _>("tenant_id"), tenant_id.0);
}

#[tokio::test]
async fn history_cannot_be_updated_deleted_or_truncated() {
    let db = TestDatabase::new().await;
    let tenant_id = tenant();
    db.app
        .use_cases
        .register_customer(&ctx(tenant_id, "u1"), customer_input())
        .await
        .unwrap();
    for statement in [
        "UPDATE events SET event_type = 'Forged'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let error = sqlx::query(statement)
            .execute(&db.app.pool)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    assert_eq!(event_count(&db.app).await, 1);
}

#[tokio::test]
async fn every_event_carries_tenant_actor_command_and_correlation_metadata() {
    let db = TestDatabase::new().await;
    let tenant_id = tenant();
    let mut context = ctx(tenant_id, "accountant-7");
    context.causation_id = Some(Uuid::now_v7());
    let outcome = db
        .app
        .use_cases
        .register_customer(&context, customer_input())
        .await
        .unwrap();
    let metadata: serde_json::Value =
        sqlx::query_scalar("SELECT metadata FROM events WHERE aggregate_id = $1")
            .bind(&outcome.aggregate_id)
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(metadata["tenant_id"], tenant_id.to_string());
    assert_eq!(metadata["actor"], "accountant-7");
    assert_eq!(metadata["command"], "RegisterCustomer");
    assert_eq!(metadata["idempotency_key"], context.idempotency_key);
    assert_eq!(
        metadata["causation_id"],
        context.causation_id.unwrap().to_string()
    );
    for key in [
        "command_id",
        "correlation_id",
        "recorded_at",
        "request_fingerprint",
    ] {
        assert!(
            metadata[key].as_str().is_some_and(|v| !v.is_empty()),
            "missing {key}"
        );
    }
    assert_eq!(outcome.version, 1);
    assert!(outcome.position.is_some());
}

#[tokio::test]
async fn an_event_without_a_tenant_is_refused_by_the_store() {
    let db = TestDatabase::new().await;
    let store: PersistedEventStore<PostgresEventRepository, Customer> =
        PersistedEventStore::new_event_store(PostgresEventRepository::new(db.app.pool.clone()));
    let context = store.load_aggregate("c-1").await.unwrap();
    let events = vec![CustomerEvent::CustomerArchived { reason: "x".into() }];
    assert!(store
        .commit(events, context, Default::default())
        .await
        .is_err());
}
