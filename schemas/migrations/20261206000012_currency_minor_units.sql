-- Every amount the read models show carries its currency's minor unit: "0.00" in
-- euros, "0" in yen, "0.000" in dinars, never a bare "0" from a default or an
-- empty sum. The table is reference data: `folio migrate` fills it from the
-- domain's ISO 4217 list (folio_domain::money::Currency::all) after the
-- migrations, so the domain stays the one owner of the minor units.

CREATE TABLE public.currencies
(
    code        text    NOT NULL PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    minor_units integer NOT NULL CHECK (minor_units BETWEEN 0 AND 4)
);

COMMENT ON TABLE public.currencies IS 'ISO 4217 currencies Folio knows, with the decimal places of their minor unit; written by folio migrate from the domain''s list.';
COMMENT ON COLUMN public.currencies.code IS 'ISO 4217 code, e.g. EUR.';
COMMENT ON COLUMN public.currencies.minor_units IS 'Decimal places of the minor unit: 2 for EUR, 0 for JPY, 3 for KWD.';

GRANT SELECT ON public.currencies TO PUBLIC;

-- An amount at its currency's scale. Amounts never carry more places than the
-- minor unit, so this only pads (0 -> 0.00); a currency missing from the table
-- leaves the amount as it is rather than hiding it.
CREATE FUNCTION public.in_minor_units(amount numeric, currency text) RETURNS numeric
    LANGUAGE sql
    STABLE
    PARALLEL SAFE
RETURN round(amount, coalesce((SELECT c.minor_units FROM public.currencies c WHERE c.code = currency),
                              scale(amount)));

COMMENT ON FUNCTION public.in_minor_units(numeric, text) IS 'The amount at its currency''s scale (0 in EUR reads 0.00); every money column of the read models'' views goes through it.';
