//! Given-when-then tests for every expense rule.

use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::*;
use crate::exchange::ExchangeRate;
use crate::ids::{ExpenseId, TenantId, UserId};
use crate::money::{Currency, Money};
use rust_decimal::Decimal;

type ExpenseTest = TestFramework<Expense>;

const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));
const EXPENSE: ExpenseId = ExpenseId::from_uuid(Uuid::from_u128(2));

fn eur(amount: Decimal) -> Money {
    Money::new(amount, Currency::from_code("EUR").unwrap())
}

fn employee() -> UserId {
    UserId::new("emp-1")
}

fn approver(n: u8) -> UserId {
    UserId::new(format!("mgr-{n}"))
}

/// The day the tests run on: a few days after the expenses were incurred.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn details(amount: Decimal) -> ExpenseDetails {
    ExpenseDetails {
        incurred_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        merchant: "Lufthansa".into(),
        category: "Travel".into(),
        amount: eur(amount),
        tax: Some(eur(dec!(10.00))),
        description: "Flight to the client".into(),
        receipt_ref: Some("rcpt-1".into()),
        exchange_rate: None,
    }
}

fn policy() -> ExpensePolicy {
    let currency = Currency::from_code("EUR").unwrap();
    ExpensePolicy {
        approval_thresholds: vec![
            ApprovalThreshold {
                currency,
                from_amount: dec!(0),
                approvals: 1,
            },
            ApprovalThreshold {
                currency,
                from_amount: dec!(1000),
                approvals: 2,
            },
            ApprovalThreshold {
                currency,
                from_amount: dec!(5000),
                approvals: 3,
            },
        ],
        category_limits: vec![CategoryLimit {
            category: "travel".into(),
            limit: eur(dec!(2000)),
        }],
        receipt_required_above: Some(eur(dec!(25))),
    }
}

fn submit(amount: Decimal) -> ExpenseCommand {
    ExpenseCommand::Submit {
        tenant_id: TENANT,
        expense_id: EXPENSE,
        employee_id: employee(),
        details: details(amount),
        policy: policy(),
        lookalikes: vec![],
        today: today(),
    }
}

fn submitted(amount: Decimal, approvals_required: u8) -> ExpenseEvent {
    let mut d = details(amount);
    d.category = "travel".into();
    let d = ExpenseDetails {
        amount: eur(amount.round_dp(2)),
        ..d
    };
    ExpenseEvent::ExpenseSubmitted {
        tenant_id: TENANT,
        expense_id: EXPENSE,
        employee_id: employee(),
        policy_violations: policy().violations(&d, &[]).unwrap(),
        details: d,
        approvals_required,
    }
}

fn approval(n: u8, so_far: u8, required: u8) -> ExpenseEvent {
    ExpenseEvent::ExpenseApprovalGiven {
        approver_id: approver(n),
        at: at(),
        comment: None,
        approvals_so_far: so_far,
        approvals_required: required,
    }
}

fn approve(n: u8) -> ExpenseCommand {
    ExpenseCommand::Approve {
        approver_id: approver(n),
        at: at(),
        comment: None,
        required_approver: None,
    }
}

#[test]
fn a_small_expense_needs_one_approval() {
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(submit(dec!(120.00)))
        .then_expect_events(vec![submitted(dec!(120.00), 1)]);
}

fn approvals_for(amount: Decimal) -> u8 {
    policy().approvals_required(&details(amount)).unwrap()
}

/// Five dollars of taxi, claimed with the card statement's rate into euros.
fn taxi_in_dollars(rate: Option<Decimal>) -> ExpenseDetails {
    ExpenseDetails {
        category: "taxi".into(),
        amount: Money::new(dec!(5.00), usd()),
        tax: None,
        receipt_ref: None,
        exchange_rate: rate.map(|rate| ExchangeRate {
            to: Currency::from_code("EUR").unwrap(),
            rate,
            source: Some("card statement".into()),
        }),
        ..details(dec!(5))
    }
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

#[test]
fn approvals_needed_grow_with_the_amount() {
    assert_eq!(approvals_for(dec!(999.99)), 1);
    assert_eq!(approvals_for(dec!(1000)), 2);
    assert_eq!(approvals_for(dec!(7500)), 3);
    let dollars = taxi_in_dollars(None);
    assert_eq!(ExpensePolicy::default().approvals_required(&dollars), Ok(1));
}

#[test]
fn a_foreign_currency_expense_is_approved_by_its_converted_amount() {
    // Five dollars at 0.92 is 4.60 EUR: one approval, not the strictest three.
    let dollars = taxi_in_dollars(Some(dec!(0.92)));
    assert_eq!(policy().approvals_required(&dollars), Ok(1));
    let fortune = ExpenseDetails {
        amount: Money::new(dec!(9000.00), usd()),
        ..dollars
    };
    assert_eq!(policy().approvals_required(&fortune), Ok(3));
}

#[test]
fn a_foreign_currency_expense_without_a_rate_is_refused_and_nothing_is_recorded() {
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(ExpenseCommand::Submit {
            tenant_id: TENANT,
            expense_id: EXPENSE,
            employee_id: employee(),
            details: taxi_in_dollars(None),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::ExchangeRateRequired {
            from: usd(),
            to: Currency::from_code("EUR").unwrap(),
        });
}

#[test]
fn a_foreign_currency_expense_does_not_escape_limits_or_the_receipt_rule() {
    // 30 dollars at 0.92 is 27.60 EUR: above the 25 EUR receipt threshold.
    let dinner = ExpenseDetails {
        amount: Money::new(dec!(30.00), usd()),
        ..taxi_in_dollars(Some(dec!(0.92)))
    };
    assert_eq!(
        policy().violations(&dinner, &[]),
        Ok(vec![PolicyViolation::ReceiptMissing {
            required_above: eur(dec!(25))
        }])
    );
    // 2,500 dollars of travel at 0.92 is 2,300 EUR: above the 2,000 EUR limit.
    let flight = ExpenseDetails {
        category: "travel".into(),
        amount: Money::new(dec!(2500.00), usd()),
        receipt_ref: Some("rcpt-2".into()),
        ..taxi_in_dollars(Some(dec!(0.92)))
    };
    assert_eq!(
        policy().violations(&flight, &[]),
        Ok(vec![PolicyViolation::CategoryLimitExceeded {
            category: "travel".into(),
            limit: eur(dec!(2000)),
            amount: Money::new(dec!(2500.00), usd()),
        }])
    );
}

#[test]
fn exceeding_a_category_limit_is_a_violation_the_approver_sees() {
    let events = Expense::default().decide(submit(dec!(2500.00))).unwrap();
    match &events[..] {
        [ExpenseEvent::ExpenseSubmitted {
            policy_violations,
            approvals_required,
            ..
        }] => {
            assert_eq!(*approvals_required, 2);
            assert_eq!(
                policy_violations,
                &vec![PolicyViolation::CategoryLimitExceeded {
                    category: "travel".into(),
                    limit: eur(dec!(2000)),
                    amount: eur(dec!(2500.00))
                }]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_missing_receipt_above_the_threshold_is_a_violation() {
    let d = ExpenseDetails {
        receipt_ref: None,
        ..details(dec!(30))
    };
    assert_eq!(
        policy().violations(&d, &[]),
        Ok(vec![PolicyViolation::ReceiptMissing {
            required_above: eur(dec!(25))
        }])
    );
}

#[test]
fn an_expense_like_others_of_the_tenant_is_flagged_as_a_possible_duplicate() {
    // Given two expenses already claimed with the same amount, date and merchant
    let earlier = [
        ExpenseId(Uuid::from_u128(0xd2)),
        ExpenseId(Uuid::from_u128(0xd1)),
        ExpenseId(Uuid::from_u128(0xd2)),
    ];
    let mut claim = submit(dec!(20));
    if let ExpenseCommand::Submit { lookalikes, .. } = &mut claim {
        *lookalikes = earlier.to_vec();
    }
    // When a third is submitted, then it is recorded, flagged with both
    let events = Expense::default().decide(claim).unwrap();
    let [ExpenseEvent::ExpenseSubmitted {
        policy_violations, ..
    }] = &events[..]
    else {
        panic!("{events:?}")
    };
    assert_eq!(
        policy_violations,
        &vec![PolicyViolation::PossibleDuplicate {
            expense_ids: vec![earlier[1], earlier[0]]
        }]
    );
}

#[test]
fn the_policy_flags_a_duplicate_only_when_lookalikes_were_found() {
    let d = details(dec!(20));
    let twin = ExpenseId(Uuid::from_u128(0xd3));
    assert_eq!(
        policy().violations(&d, &[twin]),
        Ok(vec![PolicyViolation::PossibleDuplicate {
            expense_ids: vec![twin]
        }])
    );
    assert_eq!(policy().violations(&d, &[]), Ok(vec![]));
}

#[test]
fn invalid_submissions_are_refused() {
    let mut bad = details(dec!(0));
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(ExpenseCommand::Submit {
            tenant_id: TENANT,
            expense_id: EXPENSE,
            employee_id: employee(),
            details: bad.clone(),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::AmountNotPositive(eur(dec!(0.00))));
    bad = ExpenseDetails {
        tax: Some(eur(dec!(200))),
        ..details(dec!(100))
    };
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(ExpenseCommand::Submit {
            tenant_id: TENANT,
            expense_id: EXPENSE,
            employee_id: employee(),
            details: bad,
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::InvalidTax {
            tax: eur(dec!(200)),
            amount: eur(dec!(100.00)),
        });
    bad = ExpenseDetails {
        merchant: " ".into(),
        ..details(dec!(100))
    };
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(ExpenseCommand::Submit {
            tenant_id: TENANT,
            expense_id: EXPENSE,
            employee_id: employee(),
            details: bad,
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::InvalidText {
            field: "merchant".into(),
            max: 200,
        });
}

#[test]
fn submitting_twice_is_a_conflict() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(submit(dec!(120)))
        .then_expect_error(ExpenseError::AlreadySubmitted);
}

#[test]
fn the_last_needed_approval_approves_the_expense() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(approve(1))
        .then_expect_events(vec![
            approval(1, 1, 1),
            ExpenseEvent::ExpenseApproved {
                approver_id: approver(1),
            },
        ]);
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2)])
        .when(approve(1))
        .then_expect_events(vec![approval(1, 1, 2)]);
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2), approval(1, 1, 2)])
        .when(approve(2))
        .then_expect_events(vec![
            approval(2, 2, 2),
            ExpenseEvent::ExpenseApproved {
                approver_id: approver(2),
            },
        ]);
}

#[test]
fn an_approver_cannot_approve_their_own_expense() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Approve {
            approver_id: employee(),
            at: at(),
            comment: None,
            required_approver: None,
        })
        .then_expect_error(ExpenseError::SelfApproval);
}

#[test]
fn with_routing_by_manager_only_the_employees_manager_decides() {
    let by = |approver_id: UserId| ExpenseCommand::Approve {
        approver_id,
        at: at(),
        comment: None,
        required_approver: Some(approver(7)),
    };
    // Given an expense whose employee's manager is mgr-7
    // When another approver approves, Then they are refused, naming the manager
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(by(approver(1)))
        .then_expect_error(ExpenseError::NotTheManager(approver(7)));
    // And rejecting or returning is the manager's too
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Reject {
            approver_id: approver(1),
            reason: "no".into(),
            required_approver: Some(approver(7)),
        })
        .then_expect_error(ExpenseError::NotTheManager(approver(7)));
    // When the manager approves, Then it is approved
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(by(approver(7)))
        .then_expect_events(vec![
            ExpenseEvent::ExpenseApprovalGiven {
                approver_id: approver(7),
                at: at(),
                comment: None,
                approvals_so_far: 1,
                approvals_required: 1,
            },
            ExpenseEvent::ExpenseApproved {
                approver_id: approver(7),
            },
        ]);
}

#[test]
fn with_routing_by_manager_any_approver_gives_the_approvals_after_the_managers() {
    let by = |n: u8| ExpenseCommand::Approve {
        approver_id: approver(n),
        at: at(),
        comment: None,
        required_approver: Some(approver(7)),
    };
    let managers = ExpenseEvent::ExpenseApprovalGiven {
        approver_id: approver(7),
        at: at(),
        comment: None,
        approvals_so_far: 1,
        approvals_required: 2,
    };
    // Given an expense needing two approvals, approved first by the manager
    // When another approver approves, Then it is approved
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2), managers.clone()])
        .when(by(1))
        .then_expect_events(vec![
            approval(1, 2, 2),
            ExpenseEvent::ExpenseApproved {
                approver_id: approver(1),
            },
        ]);
    // And another approver may return it then
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2), managers])
        .when(ExpenseCommand::Return {
            approver_id: approver(1),
            reason: "receipt unreadable".into(),
            required_approver: Some(approver(7)),
        })
        .then_expect_events(vec![ExpenseEvent::ExpenseReturned {
            approver_id: approver(1),
            reason: "receipt unreadable".into(),
        }]);
    // But before the manager, another approver is still refused
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2)])
        .when(by(1))
        .then_expect_error(ExpenseError::NotTheManager(approver(7)));
}

#[test]
fn an_approver_cannot_approve_twice() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(1500), 2), approval(1, 1, 2)])
        .when(approve(1))
        .then_expect_error(ExpenseError::AlreadyApprovedBy(approver(1)));
}

#[test]
fn rejecting_needs_a_reason_and_is_final() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Reject {
            approver_id: approver(1),
            reason: " ".into(),
            required_approver: None,
        })
        .then_expect_error(ExpenseError::InvalidText {
            field: "reason".into(),
            max: 2000,
        });
    let rejected = ExpenseEvent::ExpenseRejected {
        approver_id: approver(1),
        reason: "personal".into(),
    };
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Reject {
            approver_id: approver(1),
            reason: "personal".into(),
            required_approver: None,
        })
        .then_expect_events(vec![rejected.clone()]);
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1), rejected])
        .when(approve(2))
        .then_expect_error(ExpenseError::NotPending {
            status: ExpenseStatus::Rejected,
        });
}

#[test]
fn a_returned_expense_is_amended_by_its_employee_and_approvals_start_over() {
    let returned = ExpenseEvent::ExpenseReturned {
        approver_id: approver(1),
        reason: "add receipt".into(),
    };
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Return {
            approver_id: approver(1),
            reason: "add receipt".into(),
            required_approver: None,
        })
        .then_expect_events(vec![returned.clone()]);
    ExpenseTest::with(())
        .given(vec![
            submitted(dec!(1500), 2),
            approval(1, 1, 2),
            returned.clone(),
        ])
        .when(ExpenseCommand::Amend {
            employee_id: approver(3),
            details: details(dec!(100)),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::NotTheEmployee);
    let mut amended_details = details(dec!(100));
    amended_details.category = "travel".into();
    amended_details.amount = eur(dec!(100.00));
    ExpenseTest::with(())
        .given(vec![
            submitted(dec!(1500), 2),
            approval(1, 1, 2),
            returned.clone(),
        ])
        .when(ExpenseCommand::Amend {
            employee_id: employee(),
            details: details(dec!(100)),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_events(vec![ExpenseEvent::ExpenseAmended {
            details: amended_details,
            approvals_required: 1,
            policy_violations: vec![],
        }]);
    // After amending, the earlier approver may approve again.
    let mut state = Expense::default();
    for e in [submitted(dec!(1500), 2), approval(1, 1, 2), returned] {
        state.fold(e);
    }
    for e in state
        .decide(ExpenseCommand::Amend {
            employee_id: employee(),
            details: details(dec!(100)),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .unwrap()
    {
        state.fold(e);
    }
    assert!(state.decide(approve(1)).is_ok());
}

#[test]
fn only_a_returned_expense_can_be_amended() {
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Amend {
            employee_id: employee(),
            details: details(dec!(100)),
            policy: policy(),
            lookalikes: vec![],
            today: today(),
        })
        .then_expect_error(ExpenseError::NotReturned {
            status: ExpenseStatus::PendingApproval,
        });
}

#[test]
fn only_an_approved_expense_is_reimbursed() {
    let on = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    ExpenseTest::with(())
        .given(vec![submitted(dec!(120), 1)])
        .when(ExpenseCommand::Reimburse {
            batch_reference: "B-1".into(),
            reimbursed_on: on,
            reimbursed_by: UserId::new("accountant-1"),
        })
        .then_expect_error(ExpenseError::NotApproved {
            status: ExpenseStatus::PendingApproval,
        });
    ExpenseTest::with(())
        .given(vec![
            submitted(dec!(120), 1),
            approval(1, 1, 1),
            ExpenseEvent::ExpenseApproved {
                approver_id: approver(1),
            },
        ])
        .when(ExpenseCommand::Reimburse {
            batch_reference: "B-1".into(),
            reimbursed_on: on,
            reimbursed_by: UserId::new("accountant-1"),
        })
        .then_expect_events(vec![ExpenseEvent::ExpenseReimbursed {
            batch_reference: "B-1".into(),
            reimbursed_on: on,
            amount: eur(dec!(120.00)),
        }]);
}

#[test]
fn an_expense_cannot_be_incurred_in_the_future_or_more_than_a_year_ago() {
    let dated = |incurred_on: NaiveDate| ExpenseCommand::Submit {
        tenant_id: TENANT,
        expense_id: EXPENSE,
        employee_id: employee(),
        details: ExpenseDetails {
            incurred_on,
            ..details(dec!(100))
        },
        policy: policy(),
        lookalikes: vec![],
        today: today(),
    };
    // Given today, When the expense is dated tomorrow, Then it is refused
    let tomorrow = today().succ_opt().unwrap();
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(dated(tomorrow))
        .then_expect_error(ExpenseError::IncurredInTheFuture {
            incurred_on: tomorrow,
            today: today(),
        });
    // When it is dated a year and a day ago, Then it is too old
    let too_old = today() - chrono::Days::new(366);
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(dated(too_old))
        .then_expect_error(ExpenseError::TooOld {
            incurred_on: too_old,
        });
    // When it is dated today or exactly a year ago, Then it is accepted
    for fine in [today(), today() - chrono::Days::new(365)] {
        let events = Expense::default().decide(dated(fine)).unwrap();
        assert!(matches!(events[0], ExpenseEvent::ExpenseSubmitted { .. }));
    }
}

#[test]
fn nobody_reimburses_their_own_expense_or_before_it_was_incurred() {
    let approved = vec![
        submitted(dec!(120), 1),
        approval(1, 1, 1),
        ExpenseEvent::ExpenseApproved {
            approver_id: approver(1),
        },
    ];
    // Given an approved expense, When its employee records the reimbursement
    ExpenseTest::with(())
        .given(approved.clone())
        .when(ExpenseCommand::Reimburse {
            batch_reference: "B-1".into(),
            reimbursed_on: today(),
            reimbursed_by: employee(),
        })
        // Then segregation of duties refuses it
        .then_expect_error(ExpenseError::OwnReimbursement);
    // When it is dated before the expense, Then it is refused
    let before = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
    ExpenseTest::with(())
        .given(approved)
        .when(ExpenseCommand::Reimburse {
            batch_reference: "B-1".into(),
            reimbursed_on: before,
            reimbursed_by: UserId::new("accountant-1"),
        })
        .then_expect_error(ExpenseError::ReimbursedBeforeIncurred {
            reimbursed_on: before,
            incurred_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        });
}

#[test]
fn an_unknown_expense_is_not_found() {
    ExpenseTest::with(())
        .given_no_previous_events()
        .when(approve(1))
        .then_expect_error(ExpenseError::NotFound);
}

fn folded(events: Vec<ExpenseEvent>) -> Expense {
    let mut expense = Expense::default();
    for event in events {
        expense.fold(event);
    }
    expense
}

#[test]
fn the_manager_alone_is_awaited_first_then_any_other_approver() {
    let manager = approver(1);
    // Given an expense needing two approvals, just submitted
    let submitted_only = folded(vec![submitted(dec!(2000), 2)]);
    // When the tenant routes by manager, only the manager is awaited
    assert_eq!(
        submitted_only.next_deciders(Some(&manager)),
        Deciders::Only(manager.clone())
    );
    // When it does not, any approver but the employee is
    assert_eq!(
        submitted_only.next_deciders(None),
        Deciders::AnyApproverExcept(vec![employee()])
    );
    // Given the manager approved once, anyone but the employee and the manager is
    let approved_once = folded(vec![submitted(dec!(2000), 2), approval(1, 1, 2)]);
    assert_eq!(
        approved_once.next_deciders(Some(&manager)),
        Deciders::AnyApproverExcept(vec![employee(), manager])
    );
}

#[test]
fn a_decided_expense_awaits_nobody() {
    let rejected = folded(vec![
        submitted(dec!(50), 1),
        ExpenseEvent::ExpenseRejected {
            approver_id: approver(1),
            reason: "no receipt".into(),
        },
    ]);
    assert_eq!(rejected.next_deciders(None), Deciders::Nobody);
    assert_eq!(Expense::default().next_deciders(None), Deciders::Nobody);
}
