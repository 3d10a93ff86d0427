use super::*;
use crate::branding::LogoError;
use crate::document_number::InvalidSeries;
use crate::expense::{ApprovalThreshold, CategoryLimit};
use crate::legal_profile::LegalProfileError;
use crate::money::{Currency, Money, RoundingMode};
use crate::pricing::{RoundingPolicy, TaxRoundingScope};
use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;
use uuid::Uuid;

type SettingsTest = TestFramework<TenantSettings>;
const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(7));

#[test]
fn invoicing_can_be_configured_with_two_distinct_series() {
    let policy = InvoicingPolicy {
        invoice_series: "A".into(),
        ..InvoicingPolicy::default()
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureInvoicing {
            tenant_id: TENANT,
            policy: policy.clone(),
        })
        .then_expect_events(vec![SettingsEvent::InvoicingConfigured {
            tenant_id: TENANT,
            policy,
        }]);
}

#[test]
fn one_series_for_two_kinds_of_document_is_refused() {
    let shared = [("A", "A", "P"), ("A", "CN", "A"), ("INV", "P", "P")];
    for (invoices, credit_notes, complements) in shared {
        let policy = InvoicingPolicy {
            invoice_series: invoices.into(),
            credit_note_series: credit_notes.into(),
            payment_complement_series: complements.into(),
            ..InvoicingPolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureInvoicing {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::SameSeries);
    }
}

#[test]
fn a_policy_stored_before_payment_complements_numbers_them_in_p() {
    let stored = serde_json::json!({
        "rounding": { "mode": "HALF_UP", "scope": "PER_LINE" },
        "invoice_series": "A",
        "credit_note_series": "CN"
    });
    let policy: InvoicingPolicy = serde_json::from_value(stored).unwrap();
    assert_eq!(policy.payment_complement_series, "P");
}

#[test]
fn a_malformed_series_is_refused() {
    let policy = InvoicingPolicy {
        invoice_series: "a b".into(),
        ..InvoicingPolicy::default()
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureInvoicing {
            tenant_id: TENANT,
            policy,
        })
        .then_expect_error(SettingsError::Series(InvalidSeries("a b".into())));
}

#[test]
fn thresholds_need_one_to_five_approvals() {
    let eur = Currency::from_code("EUR").unwrap();
    let policy = ExpensePolicy {
        approval_thresholds: vec![ApprovalThreshold {
            currency: eur,
            from_amount: dec!(0),
            approvals: 9,
        }],
        ..ExpensePolicy::default()
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureExpensePolicy {
            tenant_id: TENANT,
            policy,
        })
        .then_expect_error(SettingsError::InvalidThreshold);
}

#[test]
fn category_limits_must_be_positive() {
    let eur = Currency::from_code("EUR").unwrap();
    let policy = ExpensePolicy {
        category_limits: vec![CategoryLimit {
            category: "meals".into(),
            limit: Money::new(dec!(0), eur),
        }],
        ..ExpensePolicy::default()
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureExpensePolicy {
            tenant_id: TENANT,
            policy,
        })
        .then_expect_error(SettingsError::InvalidCategoryLimit);
}

#[test]
fn an_eu_tenant_rounds_half_up_per_vat_category() {
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureJurisdiction {
            tenant_id: TENANT,
            jurisdiction: Jurisdiction::Eu,
        })
        .then_expect_events(vec![SettingsEvent::JurisdictionConfigured {
            tenant_id: TENANT,
            jurisdiction: Jurisdiction::Eu,
            rounding: RoundingPolicy {
                mode: RoundingMode::HalfUp,
                scope: TaxRoundingScope::PerTaxCategory,
            },
        }]);
}

#[test]
fn an_eu_tenant_cannot_round_against_en_16931() {
    let policy = InvoicingPolicy {
        rounding: RoundingPolicy {
            mode: RoundingMode::HalfEven,
            scope: TaxRoundingScope::PerLine,
        },
        ..InvoicingPolicy::default()
    };
    SettingsTest::with(())
        .given(vec![SettingsEvent::JurisdictionConfigured {
            tenant_id: TENANT,
            jurisdiction: Jurisdiction::Eu,
            rounding: Jurisdiction::Eu.required_rounding().unwrap(),
        }])
        .when(SettingsCommand::ConfigureInvoicing {
            tenant_id: TENANT,
            policy,
        })
        .then_expect_error(SettingsError::RoundingAgainstJurisdiction {
            jurisdiction: Jurisdiction::Eu,
            required: Jurisdiction::Eu.required_rounding().unwrap(),
        });
}

#[test]
fn a_tenant_elsewhere_keeps_its_rounding_when_it_sets_its_jurisdiction() {
    let half_even = RoundingPolicy {
        mode: RoundingMode::HalfEven,
        scope: TaxRoundingScope::PerLine,
    };
    SettingsTest::with(())
        .given(vec![SettingsEvent::InvoicingConfigured {
            tenant_id: TENANT,
            policy: InvoicingPolicy {
                rounding: half_even,
                ..InvoicingPolicy::default()
            },
        }])
        .when(SettingsCommand::ConfigureJurisdiction {
            tenant_id: TENANT,
            jurisdiction: Jurisdiction::Other,
        })
        .then_expect_events(vec![SettingsEvent::JurisdictionConfigured {
            tenant_id: TENANT,
            jurisdiction: Jurisdiction::Other,
            rounding: half_even,
        }]);
}

#[test]
fn a_tenant_that_set_nothing_rounds_half_up() {
    assert_eq!(
        TenantSettings::default().invoicing.rounding.mode,
        RoundingMode::HalfUp
    );
}

#[test]
fn another_tenant_cannot_change_these_settings() {
    let other = TenantId::from_uuid(Uuid::from_u128(8));
    SettingsTest::with(())
        .given(vec![SettingsEvent::ExpensePolicyConfigured {
            tenant_id: TENANT,
            policy: ExpensePolicy::default(),
        }])
        .when(SettingsCommand::ConfigureExpensePolicy {
            tenant_id: other,
            policy: ExpensePolicy::default(),
        })
        .then_expect_error(SettingsError::NotFound);
}

#[test]
fn a_tenant_s_today_is_the_date_in_its_timezone() {
    let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 4, 3, 30, 0).unwrap();
    assert_eq!(
        TenantSettings::default().today(now),
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        "UTC until set"
    );
    let mut mexico = TenantSettings::default();
    mexico.fold(SettingsEvent::TimezoneConfigured {
        tenant_id: TENANT,
        timezone: "America/Mexico_City".into(),
    });
    assert_eq!(
        mexico.today(now),
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        "03:30 UTC is still the evening before in Mexico City"
    );
}

fn profile(vat_id: &str) -> LegalProfile {
    LegalProfile {
        legal_name: "Muster GmbH".into(),
        trading_name: None,
        address: crate::legal_profile::PostalAddress {
            lines: vec!["Hauptstraße 1".into()],
            city: "München".into(),
            postal_code: Some("80331".into()),
            subdivision: None,
            country: "DE".into(),
        },
        vat_id: Some(vat_id.into()),
        tax_registration_id: None,
        company_id: None,
        email: None,
        phone: None,
        bank_account: None,
    }
}

fn logo(sha256: &str) -> TenantLogo {
    TenantLogo {
        sha256: sha256.into(),
        content_type: "image/png".into(),
        width_px: 300,
        height_px: 100,
    }
}

#[test]
fn a_logo_is_set_replaced_and_removed_and_the_same_logo_again_changes_nothing() {
    let (first, second) = (logo(&"a".repeat(64)), logo(&"b".repeat(64)));
    let set = |logo: Option<TenantLogo>| SettingsEvent::LogoConfigured {
        tenant_id: TENANT,
        logo,
    };
    let configure = |logo: Option<TenantLogo>| SettingsCommand::ConfigureLogo {
        tenant_id: TENANT,
        logo,
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(configure(Some(first.clone())))
        .then_expect_events(vec![set(Some(first.clone()))]);
    SettingsTest::with(())
        .given(vec![set(Some(first.clone()))])
        .when(configure(Some(second.clone())))
        .then_expect_events(vec![set(Some(second))]);
    SettingsTest::with(())
        .given(vec![set(Some(first.clone()))])
        .when(configure(Some(first.clone())))
        .then_expect_events(vec![]);
    SettingsTest::with(())
        .given(vec![set(Some(first))])
        .when(configure(None))
        .then_expect_events(vec![set(None)]);
    SettingsTest::with(())
        .given_no_previous_events()
        .when(configure(None))
        .then_expect_events(vec![]);
}

#[test]
fn a_logo_that_is_not_a_hashed_png_or_jpeg_of_sensible_size_is_refused() {
    let refused = |logo: TenantLogo, error: LogoError| {
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureLogo {
                tenant_id: TENANT,
                logo: Some(logo),
            })
            .then_expect_error(SettingsError::Logo(error));
    };
    refused(logo("ABC"), LogoError::Address);
    refused(logo(&"A".repeat(64)), LogoError::Address);
    let svg = TenantLogo {
        content_type: "image/svg+xml".into(),
        ..logo(&"a".repeat(64))
    };
    refused(svg, LogoError::ContentType("image/svg+xml".into()));
    let huge = TenantLogo {
        width_px: 5000,
        ..logo(&"a".repeat(64))
    };
    refused(huge, LogoError::Size(5000, 100));
}

#[test]
fn a_legal_profile_is_recorded_with_its_vat_number_in_canonical_form() {
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureLegalProfile {
            tenant_id: TENANT,
            profile: Box::new(profile("136 695 976")),
        })
        .then_expect_events(vec![SettingsEvent::LegalProfileConfigured {
            tenant_id: TENANT,
            profile: Box::new(profile("DE136695976")),
        }]);
}

#[test]
fn a_legal_profile_with_a_wrong_vat_number_is_refused() {
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureLegalProfile {
            tenant_id: TENANT,
            profile: Box::new(profile("DE136695977")),
        })
        .then_expect_error(SettingsError::LegalProfile(LegalProfileError::VatId(
            crate::tax_id::TaxIdError::CheckDigits {
                country: "DE".into(),
                tax_id: "DE136695977".into(),
            },
        )));
}

#[test]
fn only_iana_timezone_names_are_taken() {
    SettingsTest::with(())
        .given(vec![])
        .when(SettingsCommand::ConfigureTimezone {
            tenant_id: TENANT,
            timezone: " Europe/Berlin ".into(),
        })
        .then_expect_events(vec![SettingsEvent::TimezoneConfigured {
            tenant_id: TENANT,
            timezone: "Europe/Berlin".into(),
        }]);
    SettingsTest::with(())
        .given(vec![])
        .when(SettingsCommand::ConfigureTimezone {
            tenant_id: TENANT,
            timezone: "CEST+2".into(),
        })
        .then_expect_error(SettingsError::UnknownTimezone("CEST+2".into()));
}

#[test]
fn the_accounting_currency_is_set_once() {
    let eur = Currency::from_code("EUR").unwrap();
    let configure = |currency| SettingsCommand::ConfigureAccountingCurrency {
        tenant_id: TENANT,
        currency,
    };
    let configured = SettingsEvent::AccountingCurrencyConfigured {
        tenant_id: TENANT,
        currency: eur,
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(configure(eur))
        .then_expect_events(vec![configured.clone()]);
    SettingsTest::with(())
        .given(vec![configured.clone()])
        .when(configure(eur))
        .then_expect_events(vec![]);
    SettingsTest::with(())
        .given(vec![configured])
        .when(configure(Currency::from_code("USD").unwrap()))
        .then_expect_error(SettingsError::AccountingCurrencyFixed(eur));
}

#[test]
fn mail_settings_are_recorded_trimmed_and_the_same_again_changes_nothing() {
    let mail = |reply_to: &str| crate::mail_settings::MailSettings {
        sender_name: Some("Muster Billing".into()),
        reply_to: Some(reply_to.into()),
        copy_to: None,
        attach_e_invoice: true,
    };
    let configured = SettingsEvent::MailConfigured {
        tenant_id: TENANT,
        mail: mail("ar@muster.example"),
    };
    // Given no settings, when a tenant configures its mail, they are recorded trimmed
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureMail {
            tenant_id: TENANT,
            mail: mail(" ar@muster.example "),
        })
        .then_expect_events(vec![configured.clone()]);
    // Given them, the same again records nothing
    SettingsTest::with(())
        .given(vec![configured])
        .when(SettingsCommand::ConfigureMail {
            tenant_id: TENANT,
            mail: mail("ar@muster.example"),
        })
        .then_expect_events(vec![]);
    // A reply-to that is no address is refused
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureMail {
            tenant_id: TENANT,
            mail: mail("accounts"),
        })
        .then_expect_error(SettingsError::Mail(
            crate::mail_settings::MailSettingsError::NotAnEmailAddress("accounts".into()),
        ));
}

#[test]
fn a_reminder_schedule_is_recorded_in_order_and_a_bad_one_refused() {
    use crate::dunning::{DunningError, DunningPolicy, DunningStep};
    let schedule = |days: &[i32]| DunningPolicy {
        steps: days
            .iter()
            .map(|d| DunningStep {
                days_after_due: *d,
                late_fee: None,
            })
            .collect(),
    };
    // Given no schedule, when a tenant sets one out of order, it is recorded in order
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureDunning {
            tenant_id: TENANT,
            policy: schedule(&[14, -3, 7]),
        })
        .then_expect_events(vec![SettingsEvent::DunningConfigured {
            tenant_id: TENANT,
            policy: schedule(&[-3, 7, 14]),
        }]);
    // Two reminders on one day are refused
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureDunning {
            tenant_id: TENANT,
            policy: schedule(&[7, 7]),
        })
        .then_expect_error(SettingsError::Dunning(DunningError::SameDay(7)));
}

#[test]
fn a_late_fee_is_taxed_at_a_rate_of_the_tenant_s_catalogue() {
    use crate::dunning::{DunningError, DunningPolicy, DunningStep, LateFee, LateFeeRule};
    let fee = LateFee::Fixed {
        amount: Money::new(dec!(5.00), Currency::from_code("EUR").unwrap()),
    };
    let policy = DunningPolicy {
        steps: vec![DunningStep {
            days_after_due: 14,
            late_fee: Some(LateFeeRule {
                fee,
                tax_rate_key: "not-subject".into(),
            }),
        }],
    };
    // Given no tax catalogue, a fee taxed at a rate it does not hold is refused
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureDunning {
            tenant_id: TENANT,
            policy,
        })
        .then_expect_error(SettingsError::Dunning(DunningError::UnknownTaxRate(
            "not-subject".into(),
        )));
}

#[test]
fn the_sat_issuer_is_recorded_canonical_and_the_same_again_changes_nothing() {
    use crate::sat::SatIssuer;
    let issuer = |rfc: &str| SatIssuer {
        rfc: rfc.into(),
        name: " ESCUELA KEMPER URGATE ".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    };
    let configured = SettingsEvent::SatIssuerConfigured {
        tenant_id: TENANT,
        issuer: SatIssuer {
            name: "ESCUELA KEMPER URGATE".into(),
            ..issuer("EKU9003173C9")
        },
    };
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureSatIssuer {
            tenant_id: TENANT,
            issuer: issuer("eku9003173c9"),
        })
        .then_expect_events(vec![configured.clone()]);
    SettingsTest::with(())
        .given(vec![configured])
        .when(SettingsCommand::ConfigureSatIssuer {
            tenant_id: TENANT,
            issuer: issuer("EKU9003173C9"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_sat_issuer_with_a_bad_rfc_is_refused() {
    SettingsTest::with(())
        .given_no_previous_events()
        .when(SettingsCommand::ConfigureSatIssuer {
            tenant_id: TENANT,
            issuer: crate::sat::SatIssuer {
                rfc: "EKU9003173C8".into(),
                name: "ESCUELA KEMPER URGATE".into(),
                tax_regime: "601".into(),
                postal_code: "06600".into(),
            },
        })
        .then_expect_error(SettingsError::Sat(crate::sat::SatError::InvalidRfc(
            "EKU9003173C8".into(),
        )));
}

fn accem_csd() -> crate::sat::InstalledCsd {
    use chrono::TimeZone;
    crate::sat::InstalledCsd {
        certificate_number: "30001000000300023708".into(),
        holder_rfc: "AAA010101AAA".into(),
        valid_from: chrono::Utc.with_ymd_and_hms(2021, 12, 7, 0, 0, 1).unwrap(),
        valid_until: chrono::Utc.with_ymd_and_hms(2028, 12, 7, 0, 0, 1).unwrap(),
    }
}

fn accem_issuer() -> SettingsEvent {
    SettingsEvent::SatIssuerConfigured {
        tenant_id: TENANT,
        issuer: crate::sat::SatIssuer {
            rfc: "AAA010101AAA".into(),
            name: "ACCEM SERVICIOS EMPRESARIALES".into(),
            tax_regime: "601".into(),
            postal_code: "06600".into(),
        },
    }
}

fn install_at(year: i32) -> SettingsCommand {
    use chrono::TimeZone;
    SettingsCommand::InstallCsd {
        tenant_id: TENANT,
        certificate: accem_csd(),
        installed_at: chrono::Utc.with_ymd_and_hms(year, 6, 1, 12, 0, 0).unwrap(),
    }
}

#[test]
fn a_csd_of_the_issuer_in_force_is_installed() {
    SettingsTest::with(())
        .given(vec![accem_issuer()])
        .when(install_at(2026))
        .then_expect_events(vec![SettingsEvent::CsdInstalled {
            tenant_id: TENANT,
            certificate: accem_csd(),
        }]);
}

#[test]
fn a_csd_needs_the_issuer_it_belongs_to_and_to_be_in_force() {
    SettingsTest::with(())
        .given_no_previous_events()
        .when(install_at(2026))
        .then_expect_error(SettingsError::Sat(crate::sat::SatError::IssuerMissing));
    SettingsTest::with(())
        .given(vec![accem_issuer()])
        .when(install_at(2029))
        .then_expect_error(SettingsError::Sat(
            crate::sat::SatError::CertificateNotInForce {
                valid_from: accem_csd().valid_from,
                valid_until: accem_csd().valid_until,
                at: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2029, 6, 1, 12, 0, 0).unwrap(),
            },
        ));
    let other_issuer = SettingsEvent::SatIssuerConfigured {
        tenant_id: TENANT,
        issuer: crate::sat::SatIssuer {
            rfc: "EKU9003173C9".into(),
            name: "ESCUELA KEMPER URGATE".into(),
            tax_regime: "601".into(),
            postal_code: "06600".into(),
        },
    };
    SettingsTest::with(())
        .given(vec![other_issuer])
        .when(install_at(2026))
        .then_expect_error(SettingsError::Sat(
            crate::sat::SatError::CertificateOfAnotherTaxpayer {
                holder: "AAA010101AAA".into(),
                issuer: "EKU9003173C9".into(),
            },
        ));
}
