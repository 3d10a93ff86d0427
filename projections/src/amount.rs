//! Reading an amount with its scale. The read models' views give every amount
//! its currency's scale (`public.in_minor_units`: `0.00` in euros), but sqlx 0.8
//! reads a NUMERIC zero back as a bare `0`, whatever its scale, so `0.00` would
//! reach a client as `"0"`. A row field marked `#[sqlx(try_from = "Amount")]`
//! (or `"MaybeAmount"` where it may be NULL) keeps the scale Postgres sent.

use rust_decimal::Decimal;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::{Decode, Postgres, Type, ValueRef};

/// A NUMERIC amount, zero included, at the scale Postgres sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal);

/// A NUMERIC amount that may be NULL (totals of a draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeAmount(pub Option<Decimal>);

impl From<Amount> for Decimal {
    fn from(amount: Amount) -> Self {
        amount.0
    }
}

impl From<MaybeAmount> for Option<Decimal> {
    fn from(amount: MaybeAmount) -> Self {
        amount.0
    }
}

impl Type<Postgres> for Amount {
    fn type_info() -> PgTypeInfo {
        <Decimal as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Decimal as Type<Postgres>>::compatible(ty)
    }
}

impl Type<Postgres> for MaybeAmount {
    fn type_info() -> PgTypeInfo {
        <Decimal as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Decimal as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Amount {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let zero_scale = zero_scale(&value)?;
        let mut amount = <Decimal as Decode<Postgres>>::decode(value)?;
        if let Some(scale) = zero_scale {
            amount.rescale(scale);
        }
        Ok(Amount(amount))
    }
}

impl<'r> Decode<'r, Postgres> for MaybeAmount {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(MaybeAmount(None));
        }
        Ok(MaybeAmount(Some(Amount::decode(value)?.0)))
    }
}

/// The scale of a binary NUMERIC zero (no digits): its header is the digit
/// count, the weight, the sign and the display scale, two bytes each. A value
/// in text form keeps its scale through `Decimal`'s own parsing.
fn zero_scale(value: &PgValueRef<'_>) -> Result<Option<u32>, BoxDynError> {
    if value.format() != PgValueFormat::Binary {
        return Ok(None);
    }
    match value.as_bytes()? {
        [0, 0, _, _, _, _, high, low, ..] => Ok(Some(u32::from(u16::from_be_bytes([*high, *low])))),
        _ => Ok(None),
    }
}
