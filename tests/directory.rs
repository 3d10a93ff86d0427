//! The tenant and user directory end to end: an operator creates a tenant with
//! `folio tenant create`, its admin manages users over GraphQL against a running
//! `folio serve`, and every request is checked against the directory: directory
//! roles replace the token's (under open enrollment, only roles both grant
//! count), an uninvited subject is refused (or enrolled when enrollment is
//! open), a deactivated user's valid token is refused at once, even while the
//! directory's projector is stuck, the last admin cannot be removed, an
//! operator can make someone admin again, and with routing by manager only the
//! employee's manager decides on an expense.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use folio_domain::ids::TenantId;
use serde_json::{json, Value};
use support::server::Server;
use support::TestDatabase;

/// The code of the first error, or `OK`, and its message.
async fn outcome(server: &Server, token: &str, query: &str, variables: Value) -> (String, String) {
    let body = server.gql(token, query, variables).await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned();
    let message = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (code, message)
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

const INVITE: &str =
    "mutation($key: String!, $subject: String!, $roles: [Role!]!, $manager: String) {
    inviteUser(idempotencyKey: $key, input: {subject: $subject, roles: $roles, manager: $manager,
        costCenter: \"CC-10\"}) { aggregateId } }";
const USER: &str = "query($subject: String!, $token: String) {
    directoryUser(subject: $subject, consistencyToken: $token) {
        subject status roles manager costCenter joinedBy deactivationReason } }";
const SUBMIT: &str =
    "mutation($key: String!, $on: Date!) { submitExpense(idempotencyKey: $key, expense: {
    incurredOn: $on, merchant: \"Rail\", category: \"travel\",
    amount: {amount: \"84.50\", currency: \"EUR\"}, description: \"Train\", receiptRef: \"r-1\"}) {
    aggregateId } }";
const APPROVE: &str = "mutation($key: String!, $id: ID!) {
    approveExpense(idempotencyKey: $key, expenseId: $id) { aggregateId } }";
const MY_EXPENSES: &str = "{ expenses(first: 5) { edges { node { expenseId } } } }";

/// `folio ARGS` against the test's database, as an operator runs it; its
/// output. Fails the test unless it succeeds.
fn folio(db: &TestDatabase, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `folio tenant create` as an operator runs it; the tenant's id.
fn create_tenant(db: &TestDatabase, admin: &str, extra: &[&str]) -> TenantId {
    let mut args = vec![
        "tenant",
        "create",
        "--name",
        "Acme Directory GmbH",
        "--admin",
        admin,
    ];
    args.extend_from_slice(extra);
    TenantId(folio(db, &args).trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_decides_who_acts_with_which_roles_and_who_approves() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = create_tenant(
        &db,
        "alice",
        &[
            "--enrollment",
            "invite-only",
            "--approval-routing",
            "employees-manager",
        ],
    );

    // Given alice, invited as the first admin, with a token that says employee
    let alice = server.token(tenant, "alice", Role::Employee);
    // Then she acts as the admin the directory says she is (decided from the
    // directory's aggregates at once), and once the read model has the tenant,
    // she reads it; her first request activated her
    let directory = support::eventually("the tenant's directory is projected", || async {
        let body = server
            .gql(
                &alice,
                "{ directory { name enrollment approvalRouting } }",
                json!({}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        (!body["data"]["directory"].is_null()).then(|| body["data"].clone())
    })
    .await;
    assert_eq!(
        directory["directory"],
        json!({"name": "Acme Directory GmbH", "enrollment": "INVITE_ONLY",
               "approvalRouting": "EMPLOYEES_MANAGER"})
    );
    let me = support::eventually("alice's activation is projected", || async {
        let me = server.ok(&alice, USER, json!({"subject": "alice"})).await;
        (me["directoryUser"]["status"] == "ACTIVE").then_some(me)
    })
    .await;
    assert_eq!(me["directoryUser"]["roles"], json!(["ADMIN"]));

    // Given a subject nobody invited, with a token that says admin
    let mallory = server.token(tenant, "mallory", Role::Admin);
    // Then the directory refuses them, naming why
    let (code, message) = outcome(&server, &mallory, MY_EXPENSES, json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED", "{message}");
    assert!(
        message.contains("not in this tenant's directory"),
        "{message}"
    );

    // When alice invites a manager, an employee reporting to them, and another approver
    for (subject, roles, manager) in [
        ("boss", json!(["APPROVER", "EMPLOYEE"]), Value::Null),
        ("emp", json!(["EMPLOYEE"]), json!("boss")),
        ("other", json!(["APPROVER"]), Value::Null),
    ] {
        let variables =
            json!({"key": key(), "subject": subject, "roles": roles, "manager": manager});
        server.ok(&alice, INVITE, variables).await;
    }
    // Then a manager outside the directory is refused by name
    let variables =
        json!({"key": key(), "subject": "x", "roles": ["EMPLOYEE"], "manager": "ghost"});
    let (code, message) = outcome(&server, &alice, INVITE, variables).await;
    assert_eq!(code, "NOT_FOUND", "{message}");
    assert!(message.contains("ghost"), "{message}");

    // Given the employee's expense
    let emp = server.token(tenant, "emp", Role::Employee);
    let submitted = server
        .ok(
            &emp,
            SUBMIT,
            json!({"key": key(), "on": support::recently()}),
        )
        .await;
    let expense = submitted["submitExpense"]["aggregateId"].as_str().unwrap();
    // When an approver who is not the employee's manager approves, Then refused
    let other = server.token(tenant, "other", Role::Approver);
    let (code, message) = outcome(
        &server,
        &other,
        APPROVE,
        json!({"key": key(), "id": expense}),
    )
    .await;
    assert_eq!(code, "FORBIDDEN", "{message}");
    assert!(message.contains("boss"), "{message}");
    // When the manager approves, Then it is approved
    let boss = server.token(tenant, "boss", Role::Approver);
    server
        .ok(&boss, APPROVE, json!({"key": key(), "id": expense}))
        .await;

    // (A socket the employee opened before, to see it is checked on every
    // operation, not only when it opened.)
    let mut socket = server.connect(&emp).await;
    let ack = futures::StreamExt::next(&mut socket)
        .await
        .unwrap()
        .unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
    // When alice deactivates the employee
    let deactivated = server
        .ok(
            &alice,
            "mutation($key: String!) { deactivateUser(idempotencyKey: $key, subject: \"emp\",
                reason: \"left the company\") { consistencyToken } }",
            json!({"key": key()}),
        )
        .await;
    // Then their still-valid token is refused with the very next request
    let (code, message) = outcome(&server, &emp, MY_EXPENSES, json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED", "{message}");
    assert!(message.contains("deactivated"), "{message}");
    let (status, _) = server
        .post(Some(&emp), json!({"query": MY_EXPENSES}).to_string())
        .await;
    assert_eq!(status, 401);
    // And so is the next operation on the socket opened before
    let refusal = support::server::socket_answer(&mut socket, MY_EXPENSES).await;
    assert!(
        refusal.to_string().contains("deactivated"),
        "the socket still served a deactivated user: {refusal}"
    );
    // And the directory says why
    let token = deactivated["deactivateUser"]["consistencyToken"].clone();
    let gone = server
        .ok(&alice, USER, json!({"subject": "emp", "token": token}))
        .await;
    assert_eq!(gone["directoryUser"]["status"], "DEACTIVATED");
    assert_eq!(
        gone["directoryUser"]["deactivationReason"],
        "left the company"
    );
    // When reactivated, Then the same token works again
    let reactivated = server
        .ok(
            &alice,
            "mutation($key: String!) { reactivateUser(idempotencyKey: $key, subject: \"emp\") {
                consistencyToken } }",
            json!({"key": key()}),
        )
        .await;
    let token = reactivated["reactivateUser"]["consistencyToken"].clone();
    server
        .ok(&alice, USER, json!({"subject": "emp", "token": token}))
        .await;
    assert_eq!(outcome(&server, &emp, MY_EXPENSES, json!({})).await.0, "OK");

    // When the admin changes roles, Then the directory's roles count, not the token's
    server
        .ok(
            &alice,
            "mutation($key: String!) { updateUser(idempotencyKey: $key, subject: \"other\",
                input: {roles: [AUDITOR], clearCostCenter: true}) { consistencyToken } }",
            json!({"key": key()}),
        )
        .await;
    let audited = support::eventually("the new roles apply", || async {
        let (code, _) = outcome(
            &server,
            &other,
            APPROVE,
            json!({"key": key(), "id": expense}),
        )
        .await;
        (code == "FORBIDDEN").then_some(())
    });
    audited.await;
    let read = server
        .ok(
            &other,
            "{ eventLog(first: 1) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert!(read["eventLog"]["edges"].is_array());

    // When enrollment opens, Then an unknown subject joins on first sight with the
    // roles of their token
    let opened = server
        .ok(
            &alice,
            "mutation($key: String!) { configureDirectory(idempotencyKey: $key,
                policy: {enrollment: OPEN, approvalRouting: ANY_APPROVER}) { consistencyToken } }",
            json!({"key": key()}),
        )
        .await;
    let token = opened["configureDirectory"]["consistencyToken"].clone();
    // (Under open enrollment the token must carry the roles too.)
    let alice_as_employee = alice;
    let alice = server.token(tenant, "alice", Role::Admin);
    server
        .ok(
            &alice,
            "query($t: String) { directory(consistencyToken: $t) { name } }",
            json!({"t": token}),
        )
        .await;
    let newbie = server.token(tenant, "newbie", Role::Employee);
    assert_eq!(
        outcome(&server, &newbie, MY_EXPENSES, json!({})).await.0,
        "OK"
    );
    let joined = support::eventually("the first sight is projected", || async {
        let found = server.ok(&alice, USER, json!({"subject": "newbie"})).await;
        (!found["directoryUser"].is_null()).then_some(found)
    })
    .await;
    assert_eq!(joined["directoryUser"]["joinedBy"], "FIRST_SIGHT");
    assert_eq!(joined["directoryUser"]["roles"], json!(["EMPLOYEE"]));
    // And from then on a role counts only while both the directory and the
    // current token grant it: the newcomer's later token claiming admin gets
    // none, and alice, admin in the directory, loses what her token no longer says
    let promoted = server.token(tenant, "newbie", Role::Admin);
    let (code, _) = outcome(&server, &promoted, "{ directory { name } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = outcome(
        &server,
        &alice_as_employee,
        "{ directory { name } }",
        json!({}),
    )
    .await;
    assert_eq!(code, "FORBIDDEN");

    // And only admins and auditors read the directory
    let (code, _) = outcome(&server, &newbie, "{ directory { name } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");
    let other = server.token(tenant, "other", Role::Auditor);
    let users = server
        .ok(
            &other,
            "{ directoryUsers(first: 10, status: ACTIVE) { edges { node { subject } } } }",
            json!({}),
        )
        .await;
    let active: Vec<&str> = users["directoryUsers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["subject"].as_str().unwrap())
        .collect();
    assert!(
        active.contains(&"alice") && active.contains(&"emp"),
        "{active:?}"
    );
    assert!(!active.contains(&"mallory"), "{active:?}");

    // And a tenant without a directory trusts its tokens as before
    let elsewhere = server.token(support::tenant(), "anyone", Role::Accountant);
    assert_eq!(
        outcome(&server, &elsewhere, MY_EXPENSES, json!({})).await.0,
        "OK"
    );
    // And creating the same tenant again is refused, changing nothing
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["tenant", "create", "--name", "Again", "--admin", "zed"])
        .args(["--tenant-id", &tenant.0.to_string()])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subject_of_the_longest_allowed_length_joins_and_is_activated() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = create_tenant(&db, "alice", &["--enrollment", "open"]);
    let alice = server.token(tenant, "alice", Role::Admin);
    support::eventually("the directory is projected", || async {
        let body = server
            .gql(&alice, "{ directory { name } }", json!({}))
            .await;
        body.get("errors").is_none().then_some(())
    })
    .await;
    // 255 characters, the most a subject may have: the keys of a first sight
    // once named it in full and outgrew the 200 characters of an idempotency
    // key, so such a user got INTERNAL on every request.
    let newcomer = server.token(tenant, &"u".repeat(255), Role::Employee);
    let (code, message) = outcome(&server, &newcomer, MY_EXPENSES, json!({})).await;
    assert_eq!(code, "OK", "a newcomer could not join: {message}");
    let invited = "v".repeat(255);
    let (code, message) = outcome(
        &server,
        &alice,
        INVITE,
        json!({"key": key(), "subject": invited, "roles": ["EMPLOYEE"]}),
    )
    .await;
    assert_eq!(code, "OK", "{message}");
    let invitee = server.token(tenant, &invited, Role::Employee);
    let (code, message) = outcome(&server, &invitee, MY_EXPENSES, json!({})).await;
    assert_eq!(code, "OK", "an invitee could not be activated: {message}");
}

/// `folio tenant grant-admin` as an operator runs it.
fn grant_admin(db: &TestDatabase, tenant: TenantId, subject: &str) {
    let tenant = tenant.0.to_string();
    folio(
        db,
        &[
            "tenant",
            "grant-admin",
            "--tenant",
            &tenant,
            "--subject",
            subject,
        ],
    );
}

const UPDATE_ROLES: &str = "mutation($key: String!, $subject: String!, $roles: [Role!]!) {
    updateUser(idempotencyKey: $key, subject: $subject, input: {roles: $roles}) { aggregateId } }";
const DEACTIVATE: &str = "mutation($key: String!, $subject: String!) {
    deactivateUser(idempotencyKey: $key, subject: $subject, reason: \"left\") { aggregateId } }";

#[tokio::test(flavor = "multi_thread")]
async fn the_last_admin_stays_and_changes_apply_while_the_directory_projector_is_stuck() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = create_tenant(&db, "alice", &[]);
    let alice = server.token(tenant, "alice", Role::Admin);
    let demote = |subject: &str| json!({"key": key(), "subject": subject, "roles": ["ACCOUNTANT"]});
    let deactivate = |subject: &str| json!({"key": key(), "subject": subject});

    // Given alice, the only admin: demoting or deactivating her is refused
    for (mutation, variables) in [
        (UPDATE_ROLES, demote("alice")),
        (DEACTIVATE, deactivate("alice")),
    ] {
        let (code, message) = outcome(&server, &alice, mutation, variables).await;
        assert_eq!(code, "CONFLICT", "{message}");
        assert!(message.contains("last admin"), "{message}");
    }

    // Given a second admin, bob, alice may step down; then bob is the last
    let invite = json!({"key": key(), "subject": "bob", "roles": ["ADMIN"], "manager": null});
    server.ok(&alice, INVITE, invite).await;
    server.ok(&alice, UPDATE_ROLES, demote("alice")).await;
    let bob = server.token(tenant, "bob", Role::Admin);
    let (code, message) = outcome(&server, &bob, DEACTIVATE, deactivate("bob")).await;
    assert_eq!(code, "CONFLICT", "{message}");
    // And alice's admin token no longer makes her admin, at once
    let (code, _) = outcome(&server, &alice, "{ directory { name } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");

    // Given the directory's projector stuck (the table it writes users to is
    // locked; a table lock takes no transaction id)
    let mut holder = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("LOCK TABLE folio_read.directory_users IN SHARE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    // When bob deactivates alice, it answers, and her very next request is refused
    server.ok(&bob, DEACTIVATE, deactivate("alice")).await;
    let (code, message) = outcome(&server, &alice, MY_EXPENSES, json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED", "{message}");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    // When an operator makes alice (deactivated) and zoe (unknown) admins
    grant_admin(&db, tenant, "alice");
    grant_admin(&db, tenant, "zoe");
    // Then both act as admins, and bob is no longer the last
    for subject in ["alice", "zoe"] {
        let token = server.token(tenant, subject, Role::Admin);
        let (code, message) = outcome(&server, &token, "{ directory { name } }", json!({})).await;
        assert_eq!(code, "OK", "{subject}: {message}");
    }
    server.ok(&bob, DEACTIVATE, deactivate("bob")).await;
    // And granting again changes nothing
    let before = support::event_count(&db.app).await;
    grant_admin(&db, tenant, "zoe");
    assert_eq!(support::event_count(&db.app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expense_never_waits_for_a_manager_who_cannot_decide() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = create_tenant(&db, "alice", &["--approval-routing", "employees-manager"]);
    let alice = server.token(tenant, "alice", Role::Admin);
    // Given emp, whose manager boss has no role that approves, and an approver
    for (subject, roles, manager) in [
        ("boss", json!(["EMPLOYEE"]), Value::Null),
        ("emp", json!(["EMPLOYEE"]), json!("boss")),
        ("appr", json!(["APPROVER"]), Value::Null),
    ] {
        let variables =
            json!({"key": key(), "subject": subject, "roles": roles, "manager": manager});
        server.ok(&alice, INVITE, variables).await;
    }
    let emp = server.token(tenant, "emp", Role::Employee);
    let appr = server.token(tenant, "appr", Role::Approver);
    let submit = || async {
        let submitted = server
            .ok(
                &emp,
                SUBMIT,
                json!({"key": key(), "on": support::recently()}),
            )
            .await;
        submitted["submitExpense"]["aggregateId"].clone()
    };
    let approve = |expense: &Value| json!({"key": key(), "id": expense});

    // When the approver approves emp's expense, Then it is approved: the
    // manager could never have decided
    let first = submit().await;
    server.ok(&appr, APPROVE, approve(&first)).await;

    // Given boss made an approver: the first decision is boss's again
    server
        .ok(
            &alice,
            UPDATE_ROLES,
            json!({"key": key(), "subject": "boss", "roles": ["APPROVER"]}),
        )
        .await;
    let second = submit().await;
    let (code, message) = outcome(&server, &appr, APPROVE, approve(&second)).await;
    assert_eq!(code, "FORBIDDEN", "{message}");
    assert!(message.contains("boss"), "{message}");

    // When boss is deactivated, Then his queue falls back to the approvers
    server
        .ok(&alice, DEACTIVATE, json!({"key": key(), "subject": "boss"}))
        .await;
    server.ok(&appr, APPROVE, approve(&second)).await;
}
