//! SAT data: the catalogues as the data files hold them, and the rules that
//! join them.

use rust_decimal_macros::dec;

use super::catalogue::{self, SatTax, TaxDirection};
use super::*;
use crate::tax::{TaxRate, TaxTreatment};

fn issuer() -> SatIssuer {
    SatIssuer {
        rfc: " eku9003173c9 ".into(),
        name: "ESCUELA  KEMPER URGATE".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    }
}

fn receiver() -> SatReceiver {
    SatReceiver {
        tax_regime: "601".into(),
        postal_code: "06600".into(),
        cfdi_use: "G03".into(),
    }
}

fn keys() -> SatLineKeys {
    SatLineKeys {
        product_key: "84111506".into(),
        unit_key: "E48".into(),
        tax_object: None,
    }
}

fn tax(code: &str, percent: rust_decimal::Decimal, treatment: TaxTreatment) -> TaxRate {
    TaxRate {
        code: code.into(),
        percent,
        treatment,
        category: None,
        exemption: None,
    }
}

fn iva16() -> TaxRate {
    tax("IVA", dec!(16), TaxTreatment::Standard)
}

#[test]
fn the_catalogues_hold_what_sat_publishes() {
    assert_eq!(
        catalogue::product_or_service("84111506"),
        Some("Servicios de facturación")
    );
    assert_eq!(catalogue::unit("H87"), Some("Pieza"));
    assert_eq!(
        catalogue::payment_form("03"),
        Some("Transferencia electrónica de fondos")
    );
    let regime = catalogue::tax_regime("601").unwrap();
    assert!(regime.persons.legal && !regime.persons.natural);
    let cdmx = catalogue::postal_code("06600").unwrap();
    assert_eq!((cdmx.state, cdmx.border_stimulus), ("CMX", false));
    assert_eq!(cdmx.time_zone, "Tiempo del Centro");
    assert!(catalogue::postal_code("22000").unwrap().border_stimulus); // Tijuana
    assert!(catalogue::cfdi_use("G03")
        .unwrap()
        .receiver_regimes
        .contains(&"626"));
    assert_eq!(catalogue::cfdi_use("P01"), None); // CFDI 3.3's, not 4.0's
    assert_eq!(catalogue::product_or_service("99999999"), None);
    assert!(catalogue::VERSION.starts_with("satcfdi "));
}

#[test]
fn an_issuer_is_kept_trimmed_with_its_rfc_canonical() {
    let issuer = issuer().validated().unwrap();
    assert_eq!(issuer.rfc, "EKU9003173C9");
    assert_eq!(issuer.name, "ESCUELA KEMPER URGATE");
}

#[test]
fn an_issuer_with_a_wrong_check_digit_is_refused() {
    let wrong = SatIssuer {
        rfc: "EKU9003173C8".into(),
        ..issuer()
    };
    assert_eq!(
        wrong.validated(),
        Err(SatError::InvalidRfc("EKU9003173C8".into()))
    );
}

#[test]
fn a_company_cannot_have_a_regime_of_natural_persons() {
    let salaried = SatIssuer {
        tax_regime: "605".into(),
        ..issuer()
    };
    assert!(matches!(
        salaried.validated(),
        Err(SatError::RegimeNotForPerson { .. })
    ));
}

#[test]
fn codes_outside_the_catalogues_are_refused_by_name() {
    let nowhere = SatIssuer {
        postal_code: "00001".into(),
        ..issuer()
    };
    assert_eq!(
        nowhere.validated(),
        Err(SatError::UnknownCode {
            catalogue: "c_CodigoPostal".into(),
            code: "00001".into()
        })
    );
    let unknown_unit = SatLineKeys {
        unit_key: "ZZZZ".into(),
        ..keys()
    };
    assert!(matches!(
        unknown_unit.check(),
        Err(SatError::UnknownCode { catalogue, .. }) if catalogue == "c_ClaveUnidad"
    ));
}

#[test]
fn a_use_must_fit_the_receivers_regime_and_person() {
    let salaried = SatReceiver {
        tax_regime: "605".into(),
        ..receiver()
    };
    assert!(matches!(
        salaried.validated(Some("GODE561231GR8")),
        Err(SatError::UseNotForRegime { .. })
    ));
    let medical = SatReceiver {
        cfdi_use: "D01".into(),
        ..receiver()
    };
    assert!(matches!(
        medical.validated(Some("EKU9003173C9")),
        Err(SatError::UseNotForPerson { .. })
    ));
    assert!(receiver().validated(Some("EKU9003173C9")).is_ok());
}

#[test]
fn the_general_public_takes_regime_616_and_use_s01() {
    let public = SatReceiver {
        tax_regime: "616".into(),
        postal_code: "06600".into(),
        cfdi_use: "S01".into(),
    };
    assert!(public.clone().validated(Some(rfc::GENERAL_PUBLIC)).is_ok());
    let expenses = SatReceiver {
        cfdi_use: "G03".into(),
        ..public
    };
    assert_eq!(
        expenses.validated(Some(rfc::GENERAL_PUBLIC)),
        Err(SatError::GeneralPublicTerms)
    );
}

#[test]
fn ppd_takes_form_99_and_pue_any_other() {
    let ppd = SatPaymentTerms::default();
    assert!(ppd.clone().validated().is_ok());
    let pue_undefined = SatPaymentTerms {
        payment_method: SatPaymentMethod::Pue,
        ..ppd.clone()
    };
    assert!(matches!(
        pue_undefined.validated(),
        Err(SatError::FormForMethod { .. })
    ));
    let ppd_transfer = SatPaymentTerms {
        payment_form: "03".into(),
        ..ppd
    };
    assert!(matches!(
        ppd_transfer.validated(),
        Err(SatError::FormForMethod { .. })
    ));
}

#[test]
fn taxes_map_onto_sats_catalogue_of_rates() {
    let iva = sat_tax(&iva16()).unwrap();
    assert_eq!(
        (iva.tax, iva.direction, iva.fraction),
        (SatTax::Iva, TaxDirection::Transferred, Some(dec!(0.16)))
    );
    let isr = sat_tax(&tax("ISR", dec!(10), TaxTreatment::Withholding)).unwrap();
    assert_eq!(isr.tax.code(), "001");
    assert_eq!(isr.direction, TaxDirection::Withheld);
    // Two thirds of the IVA withheld: SAT's 10.6667%.
    assert!(sat_tax(&tax("IVA", dec!(10.6667), TaxTreatment::Withholding)).is_ok());
    assert!(sat_tax(&tax("IVA", dec!(0), TaxTreatment::ZeroRated)).is_ok());
    assert!(sat_tax(&tax("IVA", dec!(0), TaxTreatment::Exempt))
        .unwrap()
        .fraction
        .is_none());
    assert!(sat_tax(&tax("IEPS", dec!(26.5), TaxTreatment::Standard)).is_ok());
    for refused in [
        tax("IVA", dec!(15), TaxTreatment::Standard),
        tax("ISR", dec!(10), TaxTreatment::Standard),
        tax("ISR", dec!(40), TaxTreatment::Withholding),
        tax("ISR", dec!(0), TaxTreatment::Exempt),
        tax("VAT", dec!(16), TaxTreatment::Standard),
    ] {
        assert!(
            matches!(sat_tax(&refused), Err(SatError::TaxNotSat { .. })),
            "{refused:?}"
        );
    }
}

fn check(lines: &[CfdiLine<'_>]) -> Result<CfdiParties, SatError> {
    let issuer = issuer().validated().unwrap();
    check_invoice(
        &issuer,
        "EKU9003173C9",
        &receiver(),
        &SatPaymentTerms::default(),
        lines,
    )
}

#[test]
fn an_invoice_records_its_parties_with_the_receivers_use() {
    let keys = keys();
    let taxes = [iva16()];
    let parties = check(&[CfdiLine {
        description: "Servicios de facturación",
        keys: Some(&keys),
        taxes: &taxes,
    }])
    .unwrap();
    assert_eq!(parties.receiver.cfdi_use, "G03");
    assert_eq!(parties.payment.cfdi_use, None);
    assert_eq!(parties.receiver_rfc, "EKU9003173C9");
}

#[test]
fn an_invoice_with_an_unkeyed_line_is_refused_naming_the_line() {
    let keys = keys();
    let taxes = [iva16()];
    let keyed = CfdiLine {
        description: "Servicios de facturación",
        keys: Some(&keys),
        taxes: &taxes,
    };
    let bare = CfdiLine {
        description: "Servicios de facturación",
        keys: None,
        taxes: &taxes,
    };
    assert_eq!(
        check(&[keyed, bare]),
        Err(SatError::MissingLineKeys { line: 2 })
    );
}

#[test]
fn a_taxed_line_cannot_say_it_is_not_subject_to_tax() {
    let not_subject = SatLineKeys {
        tax_object: Some("01".into()),
        ..keys()
    };
    let taxes = [iva16()];
    assert!(matches!(
        check(&[CfdiLine {
            description: "Servicios de facturación",
            keys: Some(&not_subject),
            taxes: &taxes
        }]),
        Err(SatError::TaxObjectMismatch { .. })
    ));
    let keys = keys();
    assert!(check(&[CfdiLine {
        description: "Servicios de facturación",
        keys: Some(&keys),
        taxes: &[]
    }])
    .is_ok());
}

#[test]
fn iva_at_8_percent_is_refused_outside_the_border_regions() {
    let keys = keys();
    let border_rate = [tax("IVA", dec!(8), TaxTreatment::Standard)];
    let line = CfdiLine {
        description: "Servicios de facturación",
        keys: Some(&keys),
        taxes: &border_rate,
    };
    // Mexico City (06600) is not in the border region; Tijuana (22000) is.
    assert!(matches!(
        check(&[line]),
        Err(SatError::BorderRateOutsideBorder { .. })
    ));
    let tijuana = SatIssuer {
        postal_code: "22000".into(),
        ..issuer()
    }
    .validated()
    .unwrap();
    assert!(check_invoice(
        &tijuana,
        "EKU9003173C9",
        &receiver(),
        &SatPaymentTerms::default(),
        &[line]
    )
    .is_ok());
}

#[test]
fn a_pipe_in_a_description_is_refused_naming_the_line() {
    let keys = keys();
    let piped = CfdiLine {
        description: "Licencia | anual",
        keys: Some(&keys),
        taxes: &[],
    };
    assert_eq!(
        check(&[piped]),
        Err(SatError::PipeInDescription { line: 1 })
    );
}

#[test]
fn iva_on_top_of_ieps_is_refused_rather_than_undercharged() {
    let keys = keys();
    let both = [tax("IEPS", dec!(26.5), TaxTreatment::Standard), iva16()];
    assert_eq!(
        check(&[CfdiLine {
            description: "Refresco",
            keys: Some(&keys),
            taxes: &both,
        }]),
        Err(SatError::IvaOnIeps { line: 1 })
    );
    let ieps_only = [tax("IEPS", dec!(26.5), TaxTreatment::Standard)];
    assert!(check(&[CfdiLine {
        description: "Refresco",
        keys: Some(&keys),
        taxes: &ieps_only,
    }])
    .is_ok());
}

#[test]
fn codes_are_found_by_their_start_or_by_words_of_their_description() {
    use catalogue::{search, Catalogue};
    let invoicing = search(
        Catalogue::ProductOrService,
        Some("servicios FACTURACION"),
        0,
        10,
    );
    assert!(
        invoicing.contains(&("84111506", "Servicios de facturación")),
        "{invoicing:?}"
    );
    let by_code = search(Catalogue::Unit, Some("E48"), 0, 10);
    assert_eq!(by_code.first(), Some(&("E48", "Unidad de servicio")));
    let uses = search(Catalogue::CfdiUse, None, 0, 100);
    assert_eq!(uses.len(), 24);
    assert_eq!(
        search(Catalogue::TaxRegime, None, 2, 1),
        vec![("605", "Sueldos y Salarios e Ingresos Asimilados a Salarios")]
    );
}
