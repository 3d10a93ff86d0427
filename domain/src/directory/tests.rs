//! Given-when-then tests for every directory rule.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::ids::{TenantId, UserId};

type TenantTest = TestFramework<Tenant>;
type UserTest = TestFramework<User>;

const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));

fn ana() -> UserId {
    UserId::new("ana")
}

fn boss() -> UserId {
    UserId::new("boss")
}

fn by_manager() -> DirectoryPolicy {
    DirectoryPolicy {
        enrollment: Enrollment::InviteOnly,
        approval_routing: ApprovalRouting::EmployeesManager,
    }
}

fn created() -> TenantEvent {
    TenantEvent::TenantCreated {
        tenant_id: TENANT,
        name: "Acme".into(),
        policy: DirectoryPolicy::default(),
    }
}

fn invited() -> UserEvent {
    UserEvent::UserInvited {
        tenant_id: TENANT,
        subject: ana(),
        roles: vec![Role::Employee],
        manager: Some(boss()),
        cost_center: Some("CC-100".into()),
        email: Some("ana@example.com".into()),
    }
}

#[test]
fn a_tenant_is_created_once_with_a_trimmed_name() {
    TenantTest::with(())
        .given_no_previous_events()
        .when(TenantCommand::Create {
            tenant_id: TENANT,
            name: "  Acme  ".into(),
            policy: DirectoryPolicy::default(),
        })
        .then_expect_events(vec![created()]);
    TenantTest::with(())
        .given(vec![created()])
        .when(TenantCommand::Create {
            tenant_id: TENANT,
            name: "Acme".into(),
            policy: DirectoryPolicy::default(),
        })
        .then_expect_error(TenantError::AlreadyExists);
    TenantTest::with(())
        .given_no_previous_events()
        .when(TenantCommand::Create {
            tenant_id: TENANT,
            name: " ".into(),
            policy: DirectoryPolicy::default(),
        })
        .then_expect_error(TenantError::InvalidName);
}

#[test]
fn the_directory_policy_of_an_existing_tenant_changes_and_an_unchanged_one_is_a_no_op() {
    TenantTest::with(())
        .given(vec![created()])
        .when(TenantCommand::ConfigureDirectory {
            tenant_id: TENANT,
            policy: by_manager(),
        })
        .then_expect_events(vec![TenantEvent::DirectoryConfigured {
            tenant_id: TENANT,
            policy: by_manager(),
        }]);
    TenantTest::with(())
        .given(vec![created()])
        .when(TenantCommand::ConfigureDirectory {
            tenant_id: TENANT,
            policy: DirectoryPolicy::default(),
        })
        .then_expect_events(vec![]);
    TenantTest::with(())
        .given_no_previous_events()
        .when(TenantCommand::ConfigureDirectory {
            tenant_id: TENANT,
            policy: by_manager(),
        })
        .then_expect_error(TenantError::NotFound);
}

#[test]
fn an_invitation_needs_roles_a_sane_cost_center_and_not_oneself_as_manager() {
    let invite = |roles: Vec<Role>, manager: Option<UserId>, cost_center: Option<&str>| {
        UserCommand::Invite {
            tenant_id: TENANT,
            subject: ana(),
            roles,
            manager,
            cost_center: cost_center.map(str::to_owned),
            email: Some("ana@example.com".into()),
        }
    };
    UserTest::with(())
        .given_no_previous_events()
        .when(invite(
            vec![Role::Employee, Role::Employee],
            Some(boss()),
            Some(" CC-100 "),
        ))
        .then_expect_events(vec![invited()]);
    for (command, error) in [
        (invite(vec![], None, None), UserError::NoRoles),
        (
            invite(vec![Role::Admin], Some(ana()), None),
            UserError::SelfManaged,
        ),
        (
            invite(vec![Role::Admin], None, Some(" ")),
            UserError::InvalidCostCenter,
        ),
    ] {
        UserTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(error);
    }
    UserTest::with(())
        .given(vec![invited()])
        .when(invite(vec![Role::Admin], None, None))
        .then_expect_error(UserError::AlreadyExists);
}

#[test]
fn an_invited_user_is_activated_by_their_first_request_and_only_once() {
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Activate)
        .then_expect_events(vec![UserEvent::UserActivated {}]);
    UserTest::with(())
        .given(vec![invited(), UserEvent::UserActivated {}])
        .when(UserCommand::Activate)
        .then_expect_events(vec![]);
    UserTest::with(())
        .given(vec![
            invited(),
            UserEvent::UserDeactivated {
                reason: "left".into(),
            },
        ])
        .when(UserCommand::Activate)
        .then_expect_error(UserError::Deactivated);
}

#[test]
fn an_unknown_subject_enrolls_active_with_the_roles_of_their_token() {
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::Enroll {
            tenant_id: TENANT,
            subject: ana(),
            roles: vec![Role::Approver, Role::Employee, Role::Approver],
        })
        .then_expect_events(vec![UserEvent::UserEnrolled {
            tenant_id: TENANT,
            subject: ana(),
            roles: vec![Role::Approver, Role::Employee],
        }]);
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::Enroll {
            tenant_id: TENANT,
            subject: UserId::new(" "),
            roles: vec![Role::Employee],
        })
        .then_expect_error(UserError::InvalidSubject);
}

#[test]
fn deactivation_needs_a_reason_and_reactivation_a_deactivated_user() {
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Deactivate {
            reason: " left the company ".into(),
        })
        .then_expect_events(vec![UserEvent::UserDeactivated {
            reason: "left the company".into(),
        }]);
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Deactivate { reason: "".into() })
        .then_expect_error(UserError::ReasonRequired);
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Reactivate)
        .then_expect_error(UserError::NotDeactivated);
    UserTest::with(())
        .given(vec![
            invited(),
            UserEvent::UserDeactivated {
                reason: "left".into(),
            },
        ])
        .when(UserCommand::Reactivate)
        .then_expect_events(vec![UserEvent::UserReactivated {}]);
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::Deactivate { reason: "x".into() })
        .then_expect_error(UserError::NotFound);
}

#[test]
fn an_update_records_only_what_changed() {
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: Some(vec![Role::Employee, Role::Approver]),
            manager: Some(Some(boss())),
            cost_center: Some(None),
            email: None,
        })
        .then_expect_events(vec![
            UserEvent::UserRolesAssigned {
                roles: vec![Role::Approver, Role::Employee],
            },
            UserEvent::UserCostCenterSet { cost_center: None },
        ]);
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: None,
            manager: Some(Some(ana())),
            cost_center: None,
            email: None,
        })
        .then_expect_error(UserError::SelfManaged);
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: Some(vec![]),
            manager: None,
            cost_center: None,
            email: None,
        })
        .then_expect_error(UserError::NoRoles);
}

#[test]
fn an_e_mail_address_is_checked_trimmed_and_changed_only_when_it_differs() {
    // Given an invited user with an address
    // When an admin gives a new one (with stray spaces), it is recorded trimmed
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: None,
            manager: None,
            cost_center: None,
            email: Some(Some(" ana@acme.example ".into())),
        })
        .then_expect_events(vec![UserEvent::UserEmailSet {
            email: Some("ana@acme.example".into()),
        }]);
    // When it is the same one, nothing happens
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: None,
            manager: None,
            cost_center: None,
            email: Some(Some("ana@example.com".into())),
        })
        .then_expect_events(vec![]);
    // When it is no address at all, it is refused
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::Update {
            roles: None,
            manager: None,
            cost_center: None,
            email: Some(Some("ana at acme".into())),
        })
        .then_expect_error(UserError::NotAnEmailAddress("ana at acme".into()));
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::Invite {
            tenant_id: TENANT,
            subject: ana(),
            roles: vec![Role::Employee],
            manager: None,
            cost_center: None,
            email: Some("@acme.example".into()),
        })
        .then_expect_error(UserError::NotAnEmailAddress("@acme.example".into()));
}

#[test]
fn erasure_forgets_the_address_once_and_for_good() {
    let erased = UserEvent::UserPersonalDataErased {
        reason: "request 42".into(),
    };
    // Given an invited user, when an admin erases their personal data with a reason
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::ErasePersonalData {
            reason: " request 42 ".into(),
        })
        .then_expect_events(vec![erased.clone()]);
    // A reason is required
    UserTest::with(())
        .given(vec![invited()])
        .when(UserCommand::ErasePersonalData { reason: " ".into() })
        .then_expect_error(UserError::ReasonRequired);
    // Erasing again changes nothing
    UserTest::with(())
        .given(vec![invited(), erased.clone()])
        .when(UserCommand::ErasePersonalData {
            reason: "again".into(),
        })
        .then_expect_events(vec![]);
    // No new address is recorded for them; removing none is no change
    UserTest::with(())
        .given(vec![invited(), erased.clone()])
        .when(UserCommand::Update {
            roles: None,
            manager: None,
            cost_center: None,
            email: Some(Some("ana@new.example".into())),
        })
        .then_expect_error(UserError::PersonalDataErased);
    UserTest::with(())
        .given(vec![invited(), erased])
        .when(UserCommand::Update {
            roles: None,
            manager: None,
            cost_center: None,
            email: Some(None),
        })
        .then_expect_events(vec![]);
    // Only a user in the directory can be erased
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::ErasePersonalData { reason: "x".into() })
        .then_expect_error(UserError::NotFound);
}

#[test]
fn user_ids_are_derived_from_tenant_and_subject() {
    let other = TenantId::from_uuid(Uuid::from_u128(2));
    assert_eq!(
        user_aggregate_id(TENANT, &ana()),
        user_aggregate_id(TENANT, &ana())
    );
    assert_ne!(
        user_aggregate_id(TENANT, &ana()),
        user_aggregate_id(other, &ana())
    );
    assert_ne!(
        user_aggregate_id(TENANT, &ana()),
        user_aggregate_id(TENANT, &boss())
    );
}

fn appointed(subject: UserId) -> TenantEvent {
    TenantEvent::AdminAppointed {
        tenant_id: TENANT,
        subject,
    }
}

#[test]
fn an_admin_is_appointed_once_and_only_in_an_existing_tenant() {
    TenantTest::with(())
        .given(vec![created()])
        .when(TenantCommand::AppointAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_events(vec![appointed(ana())]);
    TenantTest::with(())
        .given(vec![created(), appointed(ana())])
        .when(TenantCommand::AppointAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_events(vec![]);
    TenantTest::with(())
        .given_no_previous_events()
        .when(TenantCommand::AppointAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_error(TenantError::NotFound);
}

#[test]
fn the_last_admin_cannot_be_dismissed_but_one_of_two_can() {
    // Given ana as the only admin, when she is dismissed, then it is refused
    TenantTest::with(())
        .given(vec![created(), appointed(ana())])
        .when(TenantCommand::DismissAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_error(TenantError::LastAdmin(ana()));
    // Given ana and boss as admins, when ana is dismissed, then she leaves the roster
    TenantTest::with(())
        .given(vec![created(), appointed(ana()), appointed(boss())])
        .when(TenantCommand::DismissAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_events(vec![TenantEvent::AdminDismissed {
            tenant_id: TENANT,
            subject: ana(),
        }]);
    // Given boss as the only admin, when ana (no admin) is dismissed, nothing happens
    TenantTest::with(())
        .given(vec![created(), appointed(boss())])
        .when(TenantCommand::DismissAdmin {
            tenant_id: TENANT,
            subject: ana(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_tenant_lets_unknown_subjects_in_only_when_told_to() {
    assert_eq!(Enrollment::default(), Enrollment::InviteOnly);
}
