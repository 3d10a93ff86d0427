//! SAT's CFDI 4.0 catalogues that Folio checks codes against, kept as data
//! files in `domain/data/sat/` (their version in `VERSION` there; written by
//! `scripts/sat-catalogues`) and compiled into the crate, so that every check
//! is a pure lookup.
//!
//! Each file is tab-separated with a header line, sorted by its first column;
//! a catalogue is parsed on its first lookup.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rust_decimal::Decimal;

/// The version of the catalogues, as `scripts/sat-catalogues` recorded it
/// (the satcfdi release they were taken from).
pub const VERSION: &str = include_str!("../../data/sat/VERSION");

/// One catalogue: the first column of each row to the row's other columns.
struct Table(BTreeMap<&'static str, Vec<&'static str>>);

impl Table {
    fn parse(text: &'static str) -> Table {
        Table(
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    let mut columns = line.split('\t');
                    let code = columns.next()?;
                    Some((code, columns.collect()))
                })
                .collect(),
        )
    }

    fn row(&self, code: &str) -> Option<&[&'static str]> {
        self.0.get(code).map(Vec::as_slice)
    }

    fn text(&self, code: &str) -> Option<&'static str> {
        self.row(code).and_then(|row| row.first().copied())
    }
}

macro_rules! table {
    ($name:ident, $file:literal) => {
        static $name: LazyLock<Table> =
            LazyLock::new(|| Table::parse(include_str!(concat!("../../data/sat/", $file))));
    };
}

table!(PRODUCTS, "c_ClaveProdServ.tsv");
table!(UNITS, "c_ClaveUnidad.tsv");
table!(POSTAL_CODES, "c_CodigoPostal.tsv");
table!(PAYMENT_FORMS, "c_FormaPago.tsv");
table!(TAX_REGIMES, "c_RegimenFiscal.tsv");
table!(CFDI_USES, "c_UsoCFDI.tsv");
table!(TAX_OBJECTS, "c_ObjetoImp.tsv");

/// The description of a product or service key (c_ClaveProdServ), e.g.
/// `84111506` "Servicios de facturación".
pub fn product_or_service(code: &str) -> Option<&'static str> {
    PRODUCTS.text(code)
}

/// The name of a unit key (c_ClaveUnidad), e.g. `E48` "Unidad de servicio".
pub fn unit(code: &str) -> Option<&'static str> {
    UNITS.text(code)
}

/// The description of a form of payment (c_FormaPago), e.g. `03`
/// "Transferencia electrónica de fondos".
pub fn payment_form(code: &str) -> Option<&'static str> {
    PAYMENT_FORMS.text(code)
}

/// The description of a tax object code (c_ObjetoImp), e.g. `02`.
pub fn tax_object(code: &str) -> Option<&'static str> {
    TAX_OBJECTS.text(code)
}

/// A postal code of c_CodigoPostal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostalCode {
    /// The state's c_Estado code, e.g. `CMX`.
    pub state: &'static str,
    /// Whether it lies in the northern or southern border region, where IVA
    /// may be charged at 8%.
    pub border_stimulus: bool,
    /// SAT's name of its time zone, e.g. `Tiempo del Centro`.
    pub time_zone: &'static str,
}

impl PostalCode {
    /// The IANA time zone of SAT's zone name: a CFDI's date is local time
    /// of its place of issue. SAT's zones follow Mexico's 2022 law (no
    /// summer time) except along the US border, which keeps the US rules.
    pub fn zone(&self) -> chrono_tz::Tz {
        use chrono_tz::America;
        match self.time_zone {
            "Tiempo del Centro en Frontera" => America::Matamoros,
            "Tiempo del Pacífico" => America::Mazatlan,
            "Tiempo del Pacífico en Frontera" => America::Ciudad_Juarez,
            "Tiempo del Noroeste" => America::Tijuana,
            "Tiempo del Sureste" => America::Cancun,
            _ => America::Mexico_City,
        }
    }
}

/// The postal code `code`, if SAT's catalogue has it.
pub fn postal_code(code: &str) -> Option<PostalCode> {
    match POSTAL_CODES.row(code)? {
        [state, border, zone] => Some(PostalCode {
            state,
            border_stimulus: *border == "yes",
            time_zone: zone,
        }),
        _ => None,
    }
}

/// Which persons a regime or a CFDI use applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persons {
    /// Natural persons (*personas físicas*, 13-character RFCs).
    pub natural: bool,
    /// Legal persons (*personas morales*, 12-character RFCs).
    pub legal: bool,
}

impl Persons {
    fn parse(natural: &str, legal: &str) -> Persons {
        Persons {
            natural: natural == "yes",
            legal: legal == "yes",
        }
    }

    /// Whether `person` is among them.
    pub fn include(self, person: super::rfc::Person) -> bool {
        match person {
            super::rfc::Person::Natural => self.natural,
            super::rfc::Person::Legal => self.legal,
        }
    }
}

/// A tax regime of c_RegimenFiscal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxRegime {
    /// What SAT calls it, e.g. `General de Ley Personas Morales`.
    pub description: &'static str,
    /// Who may be registered under it.
    pub persons: Persons,
}

/// The tax regime `code` (e.g. `601`), if SAT's catalogue has it.
pub fn tax_regime(code: &str) -> Option<TaxRegime> {
    match TAX_REGIMES.row(code)? {
        [description, natural, legal] => Some(TaxRegime {
            description,
            persons: Persons::parse(natural, legal),
        }),
        _ => None,
    }
}

/// A use of CFDI 4.0 (c_UsoCFDI): what the receiver will do with the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiUse {
    /// What SAT calls it, e.g. `Gastos en general.`.
    pub description: &'static str,
    /// Which receivers may state it.
    pub persons: Persons,
    /// The receiver's tax regimes it is allowed with.
    pub receiver_regimes: Vec<&'static str>,
}

/// The CFDI use `code` (e.g. `G03`), if SAT's catalogue has it.
pub fn cfdi_use(code: &str) -> Option<CfdiUse> {
    match CFDI_USES.row(code)? {
        [description, natural, legal, regimes] => Some(CfdiUse {
            description,
            persons: Persons::parse(natural, legal),
            receiver_regimes: regimes.split(' ').collect(),
        }),
        _ => None,
    }
}

/// A tax of c_Impuesto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SatTax {
    /// `001`: income tax, only ever withheld.
    Isr,
    /// `002`: value added tax.
    Iva,
    /// `003`: the special tax on production and services.
    Ieps,
}

impl SatTax {
    /// The tax named by a line's tax code (`ISR`, `IVA`, `IEPS`).
    pub fn from_code(code: &str) -> Option<SatTax> {
        match code {
            "ISR" => Some(SatTax::Isr),
            "IVA" => Some(SatTax::Iva),
            "IEPS" => Some(SatTax::Ieps),
            _ => None,
        }
    }

    /// Its name, as c_TasaOCuota and lines spell it.
    pub fn name(self) -> &'static str {
        match self {
            SatTax::Isr => "ISR",
            SatTax::Iva => "IVA",
            SatTax::Ieps => "IEPS",
        }
    }

    /// Its c_Impuesto code, as a CFDI carries it.
    pub fn code(self) -> &'static str {
        match self {
            SatTax::Isr => "001",
            SatTax::Iva => "002",
            SatTax::Ieps => "003",
        }
    }
}

/// Whether charged (*traslado*) or withheld (*retención*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxDirection {
    /// Charged to the receiver on top of the amount.
    Transferred,
    /// Withheld by the receiver and paid to SAT for the issuer.
    Withheld,
}

struct RateRule {
    min: Decimal,
    max: Decimal,
    tax: &'static str,
    factor: &'static str,
    transfer: bool,
    withholding: bool,
}

static RATE_RULES: LazyLock<Vec<RateRule>> = LazyLock::new(|| {
    include_str!("../../data/sat/c_TasaOCuota.tsv")
        .lines()
        .skip(1)
        .filter_map(|line| match line.split('\t').collect::<Vec<_>>()[..] {
            [_kind, min, max, tax, factor, transfer, withholding] => Some(RateRule {
                min: min.parse().ok()?,
                max: max.parse().ok()?,
                tax,
                factor,
                transfer: transfer == "yes",
                withholding: withholding == "yes",
            }),
            _ => None,
        })
        .collect()
});

/// Whether c_TasaOCuota allows `tax` at the rate `fraction` (SAT's
/// *TasaOCuota*: `0.160000` for 16%) of factor *Tasa* in `direction`.
pub fn rate_allowed(tax: SatTax, fraction: Decimal, direction: TaxDirection) -> bool {
    RATE_RULES.iter().any(|rule| {
        rule.tax == tax.name()
            && rule.factor == "Tasa"
            && match direction {
                TaxDirection::Transferred => rule.transfer,
                TaxDirection::Withheld => rule.withholding,
            }
            && rule.min <= fraction
            && fraction <= rule.max
    })
}

/// The catalogues a person picks codes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalogue {
    /// c_ClaveProdServ.
    ProductOrService,
    /// c_ClaveUnidad.
    Unit,
    /// c_FormaPago.
    PaymentForm,
    /// c_RegimenFiscal.
    TaxRegime,
    /// c_UsoCFDI.
    CfdiUse,
    /// c_ObjetoImp.
    TaxObject,
}

impl Catalogue {
    fn table(self) -> &'static Table {
        match self {
            Catalogue::ProductOrService => &PRODUCTS,
            Catalogue::Unit => &UNITS,
            Catalogue::PaymentForm => &PAYMENT_FORMS,
            Catalogue::TaxRegime => &TAX_REGIMES,
            Catalogue::CfdiUse => &CFDI_USES,
            Catalogue::TaxObject => &TAX_OBJECTS,
        }
    }
}

/// `text` lower-cased without Spanish accents, so `facturacion` finds
/// `Facturación`.
fn folded(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// The codes of `catalogue` whose code starts with `search` or whose
/// description holds every word of it (case and accents aside), in code
/// order, `skip` of them skipped and at most `take`; all codes without a
/// search.
pub fn search(
    catalogue: Catalogue,
    search: Option<&str>,
    skip: usize,
    take: usize,
) -> Vec<(&'static str, &'static str)> {
    let words: Vec<String> = search
        .map(|s| folded(s).split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let needle = search.map(str::trim).unwrap_or_default();
    catalogue
        .table()
        .0
        .iter()
        .filter_map(|(code, row)| Some((*code, *row.first()?)))
        .filter(|(code, description)| {
            let text = folded(description);
            words.is_empty()
                || code.starts_with(needle)
                || words.iter().all(|word| text.contains(word.as_str()))
        })
        .skip(skip)
        .take(take)
        .collect()
}
