-- Read models of the `invoicing` projector: customers, invoices with their lines,
-- payments, refunds and credit notes, the revenue and tax entries the reports sum,
-- and the report views. Runs with search_path set to the target schema (folio_read,
-- or a rebuild's staging schema), so names are unqualified. Amounts are numeric in
-- the document's currency, already rounded by the domain; nothing here recomputes a
-- business rule. Documented for BI in schemas/read_models.md.

CREATE TABLE customers
(
    tenant_id          uuid        NOT NULL,
    customer_id        uuid        NOT NULL,
    name               text        NOT NULL,
    email              text,
    phone              text,
    address            text,
    tax_id             text,
    country            text        NOT NULL,
    default_currency   text        NOT NULL,
    payment_terms_days integer     NOT NULL,
    status             text        NOT NULL CHECK (status IN ('ACTIVE', 'ARCHIVED')),
    archived_reason    text,
    personal_data_erased_at timestamptz,
    sat_tax_regime     text,
    sat_postal_code    text,
    sat_cfdi_use       text,
    registered_at      timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            bigint      NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX customers_by_name ON customers (tenant_id, lower(name));

COMMENT ON TABLE customers IS 'Customers who are invoiced, one row per customer.';
COMMENT ON COLUMN customers.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN customers.customer_id IS 'Customer id.';
COMMENT ON COLUMN customers.name IS 'Name on invoices.';
COMMENT ON COLUMN customers.email IS 'Billing e-mail, if any.';
COMMENT ON COLUMN customers.phone IS 'Phone, if any.';
COMMENT ON COLUMN customers.address IS 'Postal address, if any.';
COMMENT ON COLUMN customers.tax_id IS 'Tax identification number (VAT id, RFC, ...), if any.';
COMMENT ON COLUMN customers.country IS 'ISO 3166-1 alpha-2 country code.';
COMMENT ON COLUMN customers.sat_tax_regime IS 'Mexico: the receiver''s tax regime (SAT c_RegimenFiscal), if stated.';
COMMENT ON COLUMN customers.sat_postal_code IS 'Mexico: the postal code of the receiver''s tax address (SAT c_CodigoPostal), if stated.';
COMMENT ON COLUMN customers.sat_cfdi_use IS 'Mexico: the receiver''s default CFDI use (SAT c_UsoCFDI), if stated.';
COMMENT ON COLUMN customers.default_currency IS 'ISO 4217 currency new invoices default to.';
COMMENT ON COLUMN customers.payment_terms_days IS 'Default days from issue to due date.';
COMMENT ON COLUMN customers.status IS 'ACTIVE or ARCHIVED (archived customers cannot be invoiced).';
COMMENT ON COLUMN customers.archived_reason IS 'Why the customer was archived.';
COMMENT ON COLUMN customers.personal_data_erased_at IS 'When the customer''s personal data was erased (name reads [erased], contact columns null); null if never.';
COMMENT ON COLUMN customers.registered_at IS 'When the customer was registered (event time).';
COMMENT ON COLUMN customers.updated_at IS 'Time of the last event applied to this row.';
COMMENT ON COLUMN customers.version IS 'Sequence of the last event of this customer applied (the aggregate version).';

CREATE TABLE invoices
(
    tenant_id       uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    customer_id     uuid        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('DRAFT', 'ISSUED', 'SENT', 'VOID')),
    currency        text        NOT NULL,
    number          text,
    number_series   text,
    number_sequence bigint,
    issue_date      date,
    due_date        date,
    net_days        integer,
    notes           text,
    price_basis     text        NOT NULL DEFAULT 'NET' CHECK (price_basis IN ('NET', 'GROSS')),
    line_total      numeric,
    allowance_total numeric,
    charge_total    numeric,
    net_total       numeric,
    tax_total       numeric,
    total           numeric,
    amount_paid     numeric     NOT NULL DEFAULT 0,
    amount_credited numeric     NOT NULL DEFAULT 0,
    amount_due      numeric,
    customer_credit numeric     NOT NULL DEFAULT 0,
    credit_applied  numeric     NOT NULL DEFAULT 0,
    rounding_mode   text,
    rounding_scope  text,
    sent_at         timestamptz,
    sent_to         text,
    voided_on       date,
    void_reason     text,
    sat_cancellation_reason text CHECK (sat_cancellation_reason IN ('01', '02', '03', '04')),
    replaced_by     uuid,
    accounting_currency  text,
    exchange_rate        numeric,
    exchange_rate_date   date,
    exchange_rate_source text,
    accounting_net_total numeric,
    accounting_tax_total numeric,
    accounting_total     numeric,
    reminders_sent  smallint    NOT NULL DEFAULT 0,
    last_reminded_on date,
    disputed_on     date,
    dispute_reason  text,
    cfdi_payment_method text CHECK (cfdi_payment_method IN ('PUE', 'PPD')),
    cfdi_payment_form   text,
    cfdi_use            text,
    cfdi_status         text CHECK (cfdi_status IN ('PENDING', 'STAMPED', 'REJECTED')),
    cfdi_sealed_at      timestamptz,
    cfdi_certificate_number text,
    cfdi_sealed_xml_sha256 text,
    cfdi_uuid           uuid,
    cfdi_stamped_at     timestamptz,
    cfdi_pac_rfc        text,
    cfdi_sat_certificate_number text,
    cfdi_xml_sha256     text,
    cfdi_rejection_code text,
    cfdi_rejection_message text,
    cfdi_rejected_at    timestamptz,
    cfdi_cancellation_status text CHECK (cfdi_cancellation_status IN ('REQUESTED', 'SUBMITTED', 'REFUSED', 'CANCELLED')),
    cfdi_cancellation_requested_on date,
    cfdi_cancellation_reason text CHECK (cfdi_cancellation_reason IN ('01', '02', '03', '04')),
    cfdi_cancellation_replaced_by uuid,
    cfdi_cancellation_replacement_uuid uuid,
    cfdi_cancellation_acuse_sha256 text,
    cfdi_cancellation_status_code text,
    cfdi_cancellation_submitted_at timestamptz,
    cfdi_cancellation_refusal_code text,
    cfdi_cancellation_refusal_message text,
    cfdi_cancellation_refused_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         bigint      NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id)
);
CREATE INDEX invoices_by_customer ON invoices (tenant_id, customer_id);
CREATE INDEX invoices_by_status_and_due_date ON invoices (tenant_id, status, due_date);
CREATE INDEX invoices_by_issue_date ON invoices (tenant_id, issue_date);

COMMENT ON TABLE invoices IS 'Invoices, one row per invoice, drafts included. Payment status and days overdue depend on today: read them from invoice_overview.';
COMMENT ON COLUMN invoices.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN invoices.invoice_id IS 'Invoice id.';
COMMENT ON COLUMN invoices.customer_id IS 'Customer invoiced (customers.customer_id).';
COMMENT ON COLUMN invoices.status IS 'Document status: DRAFT, ISSUED, SENT or VOID.';
COMMENT ON COLUMN invoices.currency IS 'ISO 4217 currency of every amount of the invoice.';
COMMENT ON COLUMN invoices.number IS 'Document number, e.g. INV-000042; NULL while DRAFT.';
COMMENT ON COLUMN invoices.number_series IS 'Number series, e.g. INV.';
COMMENT ON COLUMN invoices.number_sequence IS 'Gap-free sequence within the series and tenant.';
COMMENT ON COLUMN invoices.issue_date IS 'Issue date; NULL while DRAFT.';
COMMENT ON COLUMN invoices.due_date IS 'Due date; for drafts, set only when terms name a fixed date.';
COMMENT ON COLUMN invoices.net_days IS 'Draft terms in days after issue, when given that way.';
COMMENT ON COLUMN invoices.notes IS 'Free-text notes printed on the invoice.';
COMMENT ON COLUMN invoices.price_basis IS 'The basis of lines added without one (invoice_lines.price_basis): NET, or GROSS when the document is quoted with taxes included.';
COMMENT ON COLUMN invoices.line_total IS 'Sum of the lines'' net amounts, after their discounts (EN 16931 BT-106); NULL while DRAFT.';
COMMENT ON COLUMN invoices.allowance_total IS 'Sum of the allowances on the whole document (invoice_adjustments, BT-107); 0 when none; NULL while DRAFT.';
COMMENT ON COLUMN invoices.charge_total IS 'Sum of the charges on the whole document (invoice_adjustments, BT-108); 0 when none; NULL while DRAFT.';
COMMENT ON COLUMN invoices.net_total IS 'Amount taxes are computed on: line_total - allowance_total + charge_total (EN 16931 BT-109); NULL while DRAFT.';
COMMENT ON COLUMN invoices.tax_total IS 'Sum of taxes (withholdings negative); NULL while DRAFT.';
COMMENT ON COLUMN invoices.total IS 'Amount invoiced: net_total + tax_total; NULL while DRAFT.';
COMMENT ON COLUMN invoices.amount_paid IS 'Payments received minus refunds.';
COMMENT ON COLUMN invoices.amount_credited IS 'Sum of credit notes against this invoice.';
COMMENT ON COLUMN invoices.amount_due IS 'What the customer still owes: total - amount_credited - amount_paid when positive, else 0; NULL while DRAFT.';
COMMENT ON COLUMN invoices.customer_credit IS 'What the invoice holds for the customer: paid or credited beyond its total (an overpayment, a credit note after payment), until refunded or moved to another invoice; 0 otherwise. amount_due - customer_credit = total - amount_credited - amount_paid - credit_applied.';
COMMENT ON COLUMN invoices.credit_applied IS 'Credit moved here from other invoices of the customer less credit moved from here to them (credit_transfers); 0 when none moved.';
COMMENT ON COLUMN invoices.rounding_mode IS 'Rounding mode the totals were computed under (HALF_UP or HALF_EVEN).';
COMMENT ON COLUMN invoices.rounding_scope IS 'Where tax was rounded (PER_LINE or PER_TAX_CATEGORY).';
COMMENT ON COLUMN invoices.sent_at IS 'When the invoice was last sent.';
COMMENT ON COLUMN invoices.sent_to IS 'Recipients it was last sent to, comma-separated; NULL once the customer''s personal data is erased.';
COMMENT ON COLUMN invoices.voided_on IS 'Date the invoice was voided.';
COMMENT ON COLUMN invoices.void_reason IS 'Why it was voided.';
COMMENT ON COLUMN invoices.sat_cancellation_reason IS 'SAT''s cancellation reason code (01 to 04) of a Mexican invoice cancelled under the MX jurisdiction; NULL otherwise.';
COMMENT ON COLUMN invoices.replaced_by IS 'For SAT reason 01, the invoice that replaces this one (invoices.invoice_id); NULL otherwise.';
COMMENT ON COLUMN invoices.reminders_sent IS 'The last step of the tenant''s reminder schedule recorded for the invoice (payment_reminders); 0 when none.';
COMMENT ON COLUMN invoices.last_reminded_on IS 'Date of the last payment reminder; NULL when none.';
COMMENT ON COLUMN invoices.disputed_on IS 'Date the customer''s open dispute was raised; NULL while none is open (reminders wait while one is).';
COMMENT ON COLUMN invoices.dispute_reason IS 'What the customer contests, while a dispute is open.';
COMMENT ON COLUMN invoices.cfdi_payment_method IS 'Mexico: PUE (paid at once) or PPD (paid later, with payment complements), as set on the draft and fixed at issue; NULL when never set on a draft not issued under MX.';
COMMENT ON COLUMN invoices.cfdi_payment_form IS 'Mexico: the form of payment (SAT c_FormaPago), 99 while to be defined.';
COMMENT ON COLUMN invoices.cfdi_use IS 'Mexico: the receiver''s CFDI use (SAT c_UsoCFDI); on a draft NULL means the customer''s, from issue on it is the one the CFDI states.';
COMMENT ON COLUMN invoices.cfdi_status IS 'Mexico: where the fiscal stamp stands: PENDING (issued, the PAC has not stamped it yet), STAMPED, REJECTED (the PAC refused it; a user asks again); NULL when not issued under MX.';
COMMENT ON COLUMN invoices.cfdi_sealed_at IS 'Mexico: when the CFDI sent to the PAC was sealed (its Fecha); a PAC stamps it only within 72 hours.';
COMMENT ON COLUMN invoices.cfdi_certificate_number IS 'Mexico: the issuer''s CSD the CFDI is sealed with (NoCertificado).';
COMMENT ON COLUMN invoices.cfdi_sealed_xml_sha256 IS 'Mexico: SHA-256 (hex) of the sealed CFDI sent to the PAC: its address in the blob store.';
COMMENT ON COLUMN invoices.cfdi_uuid IS 'Mexico: the fiscal folio (TimbreFiscalDigital UUID) SAT knows the invoice by, once stamped.';
COMMENT ON COLUMN invoices.cfdi_stamped_at IS 'Mexico: when the PAC stamped it (FechaTimbrado, read in America/Mexico_City).';
COMMENT ON COLUMN invoices.cfdi_pac_rfc IS 'Mexico: the RFC of the PAC that stamped it (RfcProvCertif).';
COMMENT ON COLUMN invoices.cfdi_sat_certificate_number IS 'Mexico: the certificate the PAC stamped with (NoCertificadoSAT).';
COMMENT ON COLUMN invoices.cfdi_xml_sha256 IS 'Mexico: SHA-256 (hex) of the stamped CFDI (with its TimbreFiscalDigital): its address in the blob store.';
COMMENT ON COLUMN invoices.cfdi_rejection_code IS 'Mexico: the PAC''s error code while the stamp is REJECTED.';
COMMENT ON COLUMN invoices.cfdi_rejection_message IS 'Mexico: the PAC''s message while the stamp is REJECTED.';
COMMENT ON COLUMN invoices.cfdi_rejected_at IS 'Mexico: when the PAC refused the stamp, while REJECTED.';
COMMENT ON COLUMN invoices.cfdi_cancellation_status IS 'Mexico: the last cancellation asked of SAT for a stamped CFDI: REQUESTED (not sent yet), SUBMITTED (SAT acknowledged it and decides), REFUSED (SAT, the PAC or the receiver said no: the CFDI stays valid), CANCELLED (the invoice is VOID); NULL when none was asked.';
COMMENT ON COLUMN invoices.cfdi_cancellation_requested_on IS 'Mexico: the day the last cancellation was asked for.';
COMMENT ON COLUMN invoices.cfdi_cancellation_reason IS 'Mexico: SAT''s reason code (01 to 04) of the last cancellation asked for.';
COMMENT ON COLUMN invoices.cfdi_cancellation_replaced_by IS 'Mexico: for reason 01, the invoice named to replace this one (invoices.invoice_id).';
COMMENT ON COLUMN invoices.cfdi_cancellation_replacement_uuid IS 'Mexico: for reason 01, the replacing invoice''s fiscal folio SAT is told (FolioSustitucion).';
COMMENT ON COLUMN invoices.cfdi_cancellation_acuse_sha256 IS 'Mexico: SHA-256 (hex) of SAT''s acknowledgement (Acuse) of the request: its address in the blob store.';
COMMENT ON COLUMN invoices.cfdi_cancellation_status_code IS 'Mexico: SAT''s status of the folio in its acknowledgement (EstatusUUID: 201 received, 202 cancelled before).';
COMMENT ON COLUMN invoices.cfdi_cancellation_submitted_at IS 'Mexico: when SAT''s acknowledgement was recorded.';
COMMENT ON COLUMN invoices.cfdi_cancellation_refusal_code IS 'Mexico: the PAC''s or SAT''s code while REFUSED (RECEIVER_REFUSED when the receiver said no).';
COMMENT ON COLUMN invoices.cfdi_cancellation_refusal_message IS 'Mexico: their words while REFUSED.';
COMMENT ON COLUMN invoices.cfdi_cancellation_refused_at IS 'Mexico: when the refusal was recorded.';
COMMENT ON COLUMN invoices.accounting_currency IS 'The tenant''s accounting currency, for an invoice in another currency; NULL otherwise (and on invoices issued before the tenant set one).';
COMMENT ON COLUMN invoices.exchange_rate IS 'Units of accounting_currency for one unit of currency, the rate the invoice was booked at; NULL when not foreign.';
COMMENT ON COLUMN invoices.exchange_rate_date IS 'The day the rate is of: the issue date when the caller stated it, the exchange-rate table''s day (on or before the issue date) otherwise.';
COMMENT ON COLUMN invoices.exchange_rate_source IS 'Where the rate comes from, as recorded (e.g. ECB reference rate).';
COMMENT ON COLUMN invoices.accounting_net_total IS 'net_total in accounting_currency: net_total x exchange_rate rounded half-up once to its minor unit.';
COMMENT ON COLUMN invoices.accounting_tax_total IS 'tax_total in accounting_currency, converted once (EN 16931 BT-111 where the taxes are VAT).';
COMMENT ON COLUMN invoices.accounting_total IS 'total in accounting_currency, converted once (not the sum of the two above: each is rounded on its own).';
COMMENT ON COLUMN invoices.created_at IS 'When the draft was created (event time).';
COMMENT ON COLUMN invoices.updated_at IS 'Time of the last event applied to this row.';
COMMENT ON COLUMN invoices.version IS 'Sequence of the last event of this invoice applied (the aggregate version).';

CREATE TABLE invoice_lines
(
    tenant_id       uuid    NOT NULL,
    invoice_id      uuid    NOT NULL,
    line_id         uuid    NOT NULL,
    position        integer NOT NULL,
    description     text    NOT NULL,
    quantity        numeric NOT NULL,
    unit_price      numeric NOT NULL,
    discount_kind   text CHECK (discount_kind IN ('PERCENT', 'AMOUNT')),
    discount_value  numeric,
    taxes           jsonb   NOT NULL,
    discount_amount numeric,
    net_amount      numeric,
    tax_amount      numeric,
    total_amount    numeric,
    price_basis     text    NOT NULL DEFAULT 'NET' CHECK (price_basis IN ('NET', 'GROSS')),
    sat_product_key text,
    sat_unit_key    text,
    sat_tax_object  text,
    PRIMARY KEY (tenant_id, invoice_id, line_id)
);

COMMENT ON TABLE invoice_lines IS 'Lines of invoices; amounts are set when the invoice is issued.';
COMMENT ON COLUMN invoice_lines.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN invoice_lines.invoice_id IS 'Invoice (invoices.invoice_id).';
COMMENT ON COLUMN invoice_lines.line_id IS 'Line id.';
COMMENT ON COLUMN invoice_lines.position IS 'Order of the line on the invoice, from 1.';
COMMENT ON COLUMN invoice_lines.description IS 'What was sold.';
COMMENT ON COLUMN invoice_lines.quantity IS 'Quantity.';
COMMENT ON COLUMN invoice_lines.unit_price IS 'Unit price before discount, at up to 6 decimals: before tax, or with the line''s taxes included when price_basis is GROSS.';
COMMENT ON COLUMN invoice_lines.price_basis IS 'NET: unit_price and an amount discount exclude the line''s taxes; GROSS: they include them, and net_amount is derived so that net plus taxes is exactly the quoted gross.';
COMMENT ON COLUMN invoice_lines.discount_kind IS 'PERCENT or AMOUNT, if discounted.';
COMMENT ON COLUMN invoice_lines.sat_product_key IS 'Mexico: SAT''s product or service key (c_ClaveProdServ), if stated.';
COMMENT ON COLUMN invoice_lines.sat_unit_key IS 'Mexico: SAT''s unit key (c_ClaveUnidad), if stated.';
COMMENT ON COLUMN invoice_lines.sat_tax_object IS 'Mexico: the line''s tax object (c_ObjetoImp) as stated; NULL: 02 with taxes, 01 without.';
COMMENT ON COLUMN invoice_lines.discount_value IS 'The percentage or the amount off.';
COMMENT ON COLUMN invoice_lines.taxes IS 'Taxes applied: array of {code, percent, treatment, category, exemption}; category is the EN 16931 VAT category code (S, Z, E, AE, K, G, O, L, M) and exemption {code, reason} the VATEX reason, both absent when not stated.';
COMMENT ON COLUMN invoice_lines.discount_amount IS 'Discount taken off, rounded; NULL while DRAFT.';
COMMENT ON COLUMN invoice_lines.net_amount IS 'Net amount, rounded; NULL while DRAFT.';
COMMENT ON COLUMN invoice_lines.tax_amount IS 'Tax on the line; NULL while DRAFT.';
COMMENT ON COLUMN invoice_lines.total_amount IS 'net_amount + tax_amount; NULL while DRAFT.';

CREATE TABLE invoice_adjustments
(
    tenant_id     uuid    NOT NULL,
    invoice_id    uuid    NOT NULL,
    adjustment_id uuid    NOT NULL,
    position      integer NOT NULL,
    kind          text    NOT NULL CHECK (kind IN ('ALLOWANCE', 'CHARGE')),
    size_kind     text    NOT NULL CHECK (size_kind IN ('AMOUNT', 'PERCENT')),
    size_value    numeric NOT NULL,
    reason        text,
    reason_code   text,
    tax           jsonb   NOT NULL,
    base_amount   numeric,
    amount        numeric,
    PRIMARY KEY (tenant_id, invoice_id, adjustment_id)
);

COMMENT ON TABLE invoice_adjustments IS 'Allowances and charges on the whole document of invoices (EN 16931 BG-20, BG-21); amounts are set when the invoice is issued.';
COMMENT ON COLUMN invoice_adjustments.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN invoice_adjustments.invoice_id IS 'Invoice (invoices.invoice_id).';
COMMENT ON COLUMN invoice_adjustments.adjustment_id IS 'Adjustment id.';
COMMENT ON COLUMN invoice_adjustments.position IS 'Order of the adjustment on the invoice, from 1.';
COMMENT ON COLUMN invoice_adjustments.kind IS 'ALLOWANCE (taken off) or CHARGE (added).';
COMMENT ON COLUMN invoice_adjustments.size_kind IS 'AMOUNT (a fixed amount) or PERCENT (of the nets of the invoice''s lines at the same tax).';
COMMENT ON COLUMN invoice_adjustments.size_value IS 'The fixed amount or the percentage, as stated.';
COMMENT ON COLUMN invoice_adjustments.reason IS 'Why, in words (BT-97 / BT-104); NULL when only a code is given.';
COMMENT ON COLUMN invoice_adjustments.reason_code IS 'Why, as a UNCL 5189 (allowance) or UNCL 7161 (charge) code (BT-98 / BT-105); NULL when not given.';
COMMENT ON COLUMN invoice_adjustments.tax IS 'The one VAT rate whose taxable base it changes: {code, percent, treatment, category, exemption}, as on invoice_lines.taxes.';
COMMENT ON COLUMN invoice_adjustments.base_amount IS 'For a percentage, the nets of the lines at its tax it was taken of (BT-93 / BT-100); NULL for a fixed amount and while DRAFT.';
COMMENT ON COLUMN invoice_adjustments.amount IS 'The amount taken off or added, positive and rounded (BT-92 / BT-99); NULL while DRAFT.';

CREATE TABLE payments
(
    tenant_id       uuid        NOT NULL,
    payment_id      uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    customer_id     uuid        NOT NULL,
    currency        text        NOT NULL,
    amount          numeric     NOT NULL,
    refunded_amount numeric     NOT NULL DEFAULT 0,
    received_on     date        NOT NULL,
    method          text        NOT NULL,
    reference       text,
    recorded_at     timestamptz NOT NULL,
    sequence        bigint      NOT NULL,
    exchange_rate       numeric,
    exchange_rate_date  date,
    exchange_difference numeric,
    accounting_amount   numeric,
    PRIMARY KEY (tenant_id, payment_id)
);
CREATE INDEX payments_by_invoice ON payments (tenant_id, invoice_id);

COMMENT ON TABLE payments IS 'Payments received against invoices.';
COMMENT ON COLUMN payments.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN payments.payment_id IS 'Payment id.';
COMMENT ON COLUMN payments.invoice_id IS 'Invoice paid (invoices.invoice_id).';
COMMENT ON COLUMN payments.customer_id IS 'Customer who paid.';
COMMENT ON COLUMN payments.currency IS 'ISO 4217 currency (the invoice''s).';
COMMENT ON COLUMN payments.amount IS 'Amount received.';
COMMENT ON COLUMN payments.refunded_amount IS 'Part of it given back (payment_refunds).';
COMMENT ON COLUMN payments.received_on IS 'Value date.';
COMMENT ON COLUMN payments.method IS 'BANK_TRANSFER, CARD, CASH, CHEQUE, DIRECT_DEBIT or OTHER.';
COMMENT ON COLUMN payments.reference IS 'Bank or card reference.';
COMMENT ON COLUMN payments.recorded_at IS 'When the payment was recorded (event time).';
COMMENT ON COLUMN payments.sequence IS 'Position of PaymentRecorded in the invoice''s stream: payments of one value date are listed in this order, the order they were recorded in.';
COMMENT ON COLUMN payments.exchange_rate IS 'Units of the accounting currency per unit of currency on the value date, for a payment of an invoice booked in another currency (invoices.exchange_rate); NULL otherwise.';
COMMENT ON COLUMN payments.exchange_rate_date IS 'The day that rate is of.';
COMMENT ON COLUMN payments.accounting_amount IS 'What the payment was worth in the accounting currency at exchange_rate, rounded once; NULL unless the invoice is foreign.';
COMMENT ON COLUMN payments.exchange_difference IS 'Exchange gain (positive) or loss realised by the payment, in the accounting currency, less what its refunds reversed (exchange_differences); NULL unless the invoice is foreign.';

CREATE TABLE payment_complements
(
    tenant_id              uuid        NOT NULL,
    payment_id             uuid        NOT NULL,
    invoice_id             uuid        NOT NULL,
    number                 text        NOT NULL,
    number_series          text        NOT NULL,
    number_sequence        bigint      NOT NULL,
    issue_date             date        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('PENDING', 'STAMPED', 'REJECTED')),
    sealed_at              timestamptz,
    certificate_number     text,
    sealed_xml_sha256      text,
    uuid                   uuid,
    stamped_at             timestamptz,
    pac_rfc                text,
    sat_certificate_number text,
    xml_sha256             text,
    rejection_code         text,
    rejection_message      text,
    rejected_at            timestamptz,
    PRIMARY KEY (tenant_id, payment_id)
);
CREATE INDEX payment_complements_by_invoice ON payment_complements (tenant_id, invoice_id);

COMMENT ON TABLE payment_complements IS 'Mexico: the payment complement (CFDI of type P, Pagos 2.0) of a payment of a stamped invoice issued PPD, once numbered.';
COMMENT ON COLUMN payment_complements.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN payment_complements.payment_id IS 'The payment it states (payments.payment_id).';
COMMENT ON COLUMN payment_complements.invoice_id IS 'The invoice paid (invoices.invoice_id), whose fiscal folio it names.';
COMMENT ON COLUMN payment_complements.number IS 'Its number in the tenant''s complement series, e.g. P-000001 (gap-free).';
COMMENT ON COLUMN payment_complements.number_series IS 'The series (its CFDI''s Serie).';
COMMENT ON COLUMN payment_complements.number_sequence IS 'The position in the series (its CFDI''s Folio).';
COMMENT ON COLUMN payment_complements.issue_date IS 'The day it was numbered, in the tenant''s time.';
COMMENT ON COLUMN payment_complements.status IS 'Where its stamp stands: PENDING (the PAC has not stamped it yet), STAMPED, REJECTED (the PAC refused it; a user asks again).';
COMMENT ON COLUMN payment_complements.sealed_at IS 'When the XML sent to the PAC was sealed (its Fecha); a PAC stamps it only within 72 hours.';
COMMENT ON COLUMN payment_complements.certificate_number IS 'The issuer''s CSD it is sealed with (NoCertificado).';
COMMENT ON COLUMN payment_complements.sealed_xml_sha256 IS 'SHA-256 (hex) of the sealed XML sent to the PAC: its address in the blob store.';
COMMENT ON COLUMN payment_complements.uuid IS 'Its own fiscal folio (TimbreFiscalDigital UUID), once stamped.';
COMMENT ON COLUMN payment_complements.stamped_at IS 'When the PAC stamped it (FechaTimbrado, read in America/Mexico_City).';
COMMENT ON COLUMN payment_complements.pac_rfc IS 'The RFC of the PAC that stamped it (RfcProvCertif).';
COMMENT ON COLUMN payment_complements.sat_certificate_number IS 'The certificate the PAC stamped with (NoCertificadoSAT).';
COMMENT ON COLUMN payment_complements.xml_sha256 IS 'SHA-256 (hex) of the stamped XML: its address in the blob store.';
COMMENT ON COLUMN payment_complements.rejection_code IS 'The PAC''s error code while REJECTED.';
COMMENT ON COLUMN payment_complements.rejection_message IS 'The PAC''s message while REJECTED.';
COMMENT ON COLUMN payment_complements.rejected_at IS 'When the PAC refused it, while REJECTED.';

CREATE TABLE exchange_differences
(
    tenant_id           uuid        NOT NULL,
    invoice_id          uuid        NOT NULL,
    sequence            bigint      NOT NULL,
    customer_id         uuid        NOT NULL,
    payment_id          uuid,
    refund_id           uuid,
    transfer_id         uuid,
    realised_on         date        NOT NULL,
    currency            text        NOT NULL,
    settled             numeric     NOT NULL,
    booked_rate         numeric     NOT NULL,
    payment_rate        numeric     NOT NULL,
    accounting_currency text        NOT NULL,
    difference          numeric     NOT NULL,
    recorded_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, sequence)
);
CREATE INDEX exchange_differences_by_date ON exchange_differences (tenant_id, realised_on);

COMMENT ON TABLE exchange_differences IS 'Realised exchange differences: one row per payment of an invoice booked in a currency foreign to the books that settled it at another rate, per refund that reversed part of one, and per credit move that settled such an invoice with credit held at another invoice''s rate. Sum difference by realised_on for the period''s realised gain or loss.';
COMMENT ON COLUMN exchange_differences.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN exchange_differences.invoice_id IS 'The invoice settled (invoices.invoice_id).';
COMMENT ON COLUMN exchange_differences.sequence IS 'Position of ExchangeDifferenceRealised (or CreditExchangeDifferenceRealised) in the invoice''s stream.';
COMMENT ON COLUMN exchange_differences.customer_id IS 'The invoice''s customer.';
COMMENT ON COLUMN exchange_differences.payment_id IS 'The payment (payments.payment_id); NULL for a credit move.';
COMMENT ON COLUMN exchange_differences.refund_id IS 'The refund that reversed part of it (payment_refunds.refund_id); NULL for the payment itself and for a credit move.';
COMMENT ON COLUMN exchange_differences.transfer_id IS 'The credit move that settled the invoice (credit_transfers.transfer_id); NULL for a payment or refund.';
COMMENT ON COLUMN exchange_differences.realised_on IS 'The payment''s value date, the refund''s date, or the date the credit was applied.';
COMMENT ON COLUMN exchange_differences.currency IS 'The invoice''s currency.';
COMMENT ON COLUMN exchange_differences.settled IS 'What the payment, refund or credit moved of the invoice''s balance, in currency.';
COMMENT ON COLUMN exchange_differences.booked_rate IS 'The invoice''s rate, at which settled was booked.';
COMMENT ON COLUMN exchange_differences.payment_rate IS 'The payment''s rate; for a credit move, the rate of the invoice the credit came from, at which it was held.';
COMMENT ON COLUMN exchange_differences.accounting_currency IS 'The tenant''s accounting currency.';
COMMENT ON COLUMN exchange_differences.difference IS 'What settled was worth (at payment_rate, or what the credit''s invoice held of it) less settled at booked_rate, each rounded half-up once to the minor unit; a gain when positive; a refund''s row has the opposite sign.';
COMMENT ON COLUMN exchange_differences.recorded_at IS 'When it was recorded (event time).';

CREATE TABLE payment_refunds
(
    tenant_id   uuid        NOT NULL,
    refund_id   uuid        NOT NULL,
    payment_id  uuid        NOT NULL,
    invoice_id  uuid        NOT NULL,
    currency    text        NOT NULL,
    amount      numeric     NOT NULL,
    refunded_on date        NOT NULL,
    reason      text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    sequence    bigint      NOT NULL,
    accounting_amount numeric,
    PRIMARY KEY (tenant_id, refund_id)
);

COMMENT ON TABLE payment_refunds IS 'Money given back from a payment.';
COMMENT ON COLUMN payment_refunds.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN payment_refunds.refund_id IS 'Refund id.';
COMMENT ON COLUMN payment_refunds.payment_id IS 'Payment refunded (payments.payment_id).';
COMMENT ON COLUMN payment_refunds.invoice_id IS 'Invoice the payment was for.';
COMMENT ON COLUMN payment_refunds.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN payment_refunds.amount IS 'Amount given back.';
COMMENT ON COLUMN payment_refunds.refunded_on IS 'Date of the refund.';
COMMENT ON COLUMN payment_refunds.reason IS 'Why.';
COMMENT ON COLUMN payment_refunds.recorded_at IS 'When it was recorded (event time).';
COMMENT ON COLUMN payment_refunds.sequence IS 'Position of PaymentRefunded in the invoice''s stream; orders refunds of one date.';
COMMENT ON COLUMN payment_refunds.accounting_amount IS 'What the refund was worth in the accounting currency at its payment''s rate, rounded once; NULL unless the invoice is foreign.';

CREATE TABLE payment_reminders
(
    tenant_id      uuid        NOT NULL,
    invoice_id     uuid        NOT NULL,
    step           smallint    NOT NULL,
    reminded_on    date        NOT NULL,
    days_after_due integer     NOT NULL,
    currency       text        NOT NULL,
    amount_due     numeric     NOT NULL,
    e_mailed       boolean     NOT NULL,
    late_fee       numeric,
    late_fee_tax_rate_key text,
    fee_invoice_id uuid,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, step)
);
CREATE INDEX payment_reminders_by_fee_invoice ON payment_reminders (tenant_id, fee_invoice_id)
    WHERE fee_invoice_id IS NOT NULL;

COMMENT ON TABLE payment_reminders IS 'Payment reminders (dunning), one row per step of the tenant''s schedule recorded for an invoice. Whether the e-mail went out is in the notifications (outbox).';
COMMENT ON COLUMN payment_reminders.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN payment_reminders.invoice_id IS 'The invoice reminded of (invoices.invoice_id).';
COMMENT ON COLUMN payment_reminders.step IS 'Step of the schedule, from 1; a late run records the latest step due, so steps may be skipped.';
COMMENT ON COLUMN payment_reminders.reminded_on IS 'The tenant''s date it was recorded on.';
COMMENT ON COLUMN payment_reminders.days_after_due IS 'Days from the due date to reminded_on (negative: before it).';
COMMENT ON COLUMN payment_reminders.currency IS 'ISO 4217 currency of amount_due.';
COMMENT ON COLUMN payment_reminders.amount_due IS 'What the customer still owed that day.';
COMMENT ON COLUMN payment_reminders.e_mailed IS 'Whether it had e-mail addresses to go to (false: the invoice went out by post, or the customer''s personal data was erased).';
COMMENT ON COLUMN payment_reminders.late_fee IS 'The fee the reminder charged, before tax, in currency; NULL when none.';
COMMENT ON COLUMN payment_reminders.late_fee_tax_rate_key IS 'The tenant''s tax-catalogue key of the tax on the fee.';
COMMENT ON COLUMN payment_reminders.fee_invoice_id IS 'The invoice that charges the fee (invoices.invoice_id once it exists); NULL when no fee.';
COMMENT ON COLUMN payment_reminders.recorded_at IS 'When it was recorded (event time).';

CREATE TABLE credit_transfers
(
    tenant_id       uuid        NOT NULL,
    transfer_id     uuid        NOT NULL,
    customer_id     uuid        NOT NULL,
    currency        text        NOT NULL,
    amount          numeric     NOT NULL,
    from_invoice_id uuid        NOT NULL,
    to_invoice_id   uuid        NOT NULL,
    transferred_on  date,
    applied_on      date,
    transferred_at  timestamptz,
    applied_at      timestamptz,
    returned_on     date,
    returned_at     timestamptz,
    accounting_amount         numeric,
    applied_accounting_amount numeric,
    PRIMARY KEY (tenant_id, transfer_id)
);

COMMENT ON TABLE credit_transfers IS 'Customer credit moved from the invoice that held it to another invoice of the same customer. Each invoice records its half; a row with transferred_on but neither applied_on nor returned_on is a move under way.';
COMMENT ON COLUMN credit_transfers.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN credit_transfers.transfer_id IS 'The move''s id, recorded by both invoices.';
COMMENT ON COLUMN credit_transfers.customer_id IS 'The customer whose credit moved.';
COMMENT ON COLUMN credit_transfers.currency IS 'ISO 4217 currency (both invoices'').';
COMMENT ON COLUMN credit_transfers.amount IS 'Credit moved.';
COMMENT ON COLUMN credit_transfers.from_invoice_id IS 'The invoice that held the credit.';
COMMENT ON COLUMN credit_transfers.to_invoice_id IS 'The invoice it settles.';
COMMENT ON COLUMN credit_transfers.transferred_on IS 'Date the source recorded the move; NULL until it has.';
COMMENT ON COLUMN credit_transfers.applied_on IS 'Date the target recorded it; NULL until it has.';
COMMENT ON COLUMN credit_transfers.transferred_at IS 'When the source recorded its half (event time); orders the ledger''s entries of one date.';
COMMENT ON COLUMN credit_transfers.applied_at IS 'When the target recorded its half (event time).';
COMMENT ON COLUMN credit_transfers.returned_on IS 'Date the credit came back to the source because the target never recorded it; NULL unless it did.';
COMMENT ON COLUMN credit_transfers.returned_at IS 'When the source recorded the return (event time).';
COMMENT ON COLUMN credit_transfers.accounting_amount IS 'What the credit was worth in the books: what the move took out of them on the invoice that held it (at its rate, or all they still held of it), in its accounting currency; a return puts back exactly this. NULL unless the invoices are booked in a foreign currency.';
COMMENT ON COLUMN credit_transfers.applied_accounting_amount IS 'What the credit settled of the receivable in the books of the invoice it settles (at that invoice''s rate); accounting_amount less this is realised there (exchange_differences). NULL unless both invoices are booked in a foreign currency, or until the target recorded its half.';

CREATE TABLE credit_notes
(
    tenant_id       uuid        NOT NULL,
    credit_note_id  uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    customer_id     uuid        NOT NULL,
    number          text        NOT NULL,
    number_series   text        NOT NULL,
    number_sequence bigint      NOT NULL,
    issue_date      date        NOT NULL,
    reason          text        NOT NULL,
    currency        text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('LINES', 'AMOUNT')),
    net_total       numeric     NOT NULL,
    tax_total       numeric     NOT NULL,
    total           numeric     NOT NULL,
    recorded_at     timestamptz NOT NULL,
    sequence        bigint      NOT NULL,
    accounting_tax_total numeric,
    accounting_total     numeric,
    cfdi_status          text CHECK (cfdi_status IN ('PENDING', 'STAMPED', 'REJECTED')),
    cfdi_sealed_at       timestamptz,
    cfdi_certificate_number text,
    cfdi_sealed_xml_sha256 text,
    cfdi_uuid            uuid,
    cfdi_stamped_at      timestamptz,
    cfdi_pac_rfc         text,
    cfdi_sat_certificate_number text,
    cfdi_xml_sha256      text,
    cfdi_rejection_code  text,
    cfdi_rejection_message text,
    cfdi_rejected_at     timestamptz,
    PRIMARY KEY (tenant_id, credit_note_id)
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (tenant_id, invoice_id);

COMMENT ON TABLE credit_notes IS 'Credit notes: documents that reduce what an invoice asks for.';
COMMENT ON COLUMN credit_notes.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN credit_notes.credit_note_id IS 'Credit note id.';
COMMENT ON COLUMN credit_notes.invoice_id IS 'Invoice credited (invoices.invoice_id).';
COMMENT ON COLUMN credit_notes.customer_id IS 'Customer credited.';
COMMENT ON COLUMN credit_notes.number IS 'Document number, e.g. CN-000003.';
COMMENT ON COLUMN credit_notes.number_series IS 'Number series, e.g. CN.';
COMMENT ON COLUMN credit_notes.number_sequence IS 'Gap-free sequence within the series and tenant.';
COMMENT ON COLUMN credit_notes.issue_date IS 'Issue date.';
COMMENT ON COLUMN credit_notes.reason IS 'Why it was issued.';
COMMENT ON COLUMN credit_notes.currency IS 'ISO 4217 currency (the invoice''s).';
COMMENT ON COLUMN credit_notes.kind IS 'LINES: quantities of invoice lines (credit_note_lines), each at its own tax rates; AMOUNT: a gross amount off the lines of one tax rate (its tax_entries row names it), or, for notes issued before rate-named credit, spread over every rate in proportion.';
COMMENT ON COLUMN credit_notes.net_total IS 'Net amount credited (positive).';
COMMENT ON COLUMN credit_notes.tax_total IS 'Tax credited (positive; withholdings negative).';
COMMENT ON COLUMN credit_notes.total IS 'Total credited: net_total + tax_total.';
COMMENT ON COLUMN credit_notes.recorded_at IS 'When it was recorded (event time).';
COMMENT ON COLUMN credit_notes.sequence IS 'Position of CreditNoteIssued in the invoice''s stream; orders credit notes of one date.';
COMMENT ON COLUMN credit_notes.cfdi_status IS 'Mexico: where the stamp of its CFDI (type E, related to the invoice''s fiscal folio) stands: PENDING, STAMPED, REJECTED (the PAC refused it; a user asks again); NULL when the invoice is not a CFDI.';
COMMENT ON COLUMN credit_notes.cfdi_sealed_at IS 'When the XML sent to the PAC was sealed (its Fecha); a PAC stamps it only within 72 hours.';
COMMENT ON COLUMN credit_notes.cfdi_certificate_number IS 'The issuer''s CSD it is sealed with (NoCertificado).';
COMMENT ON COLUMN credit_notes.cfdi_sealed_xml_sha256 IS 'SHA-256 (hex) of the sealed XML sent to the PAC: its address in the blob store.';
COMMENT ON COLUMN credit_notes.cfdi_uuid IS 'Its own fiscal folio (TimbreFiscalDigital UUID), once stamped.';
COMMENT ON COLUMN credit_notes.cfdi_stamped_at IS 'When the PAC stamped it (FechaTimbrado, read in America/Mexico_City).';
COMMENT ON COLUMN credit_notes.cfdi_pac_rfc IS 'The RFC of the PAC that stamped it (RfcProvCertif).';
COMMENT ON COLUMN credit_notes.cfdi_sat_certificate_number IS 'The certificate the PAC stamped with (NoCertificadoSAT).';
COMMENT ON COLUMN credit_notes.cfdi_xml_sha256 IS 'SHA-256 (hex) of the stamped XML: its address in the blob store.';
COMMENT ON COLUMN credit_notes.cfdi_rejection_code IS 'The PAC''s error code while REJECTED.';
COMMENT ON COLUMN credit_notes.cfdi_rejection_message IS 'The PAC''s message while REJECTED.';
COMMENT ON COLUMN credit_notes.cfdi_rejected_at IS 'When the PAC refused it, while REJECTED.';
COMMENT ON COLUMN credit_notes.accounting_tax_total IS 'tax_total in the accounting currency (invoices.accounting_currency), converted once at the rate the invoice was issued at; NULL unless the invoice is foreign.';
COMMENT ON COLUMN credit_notes.accounting_total IS 'total in the accounting currency, converted once at the invoice''s rate; NULL unless the invoice is foreign.';

CREATE TABLE credit_note_lines
(
    tenant_id      uuid    NOT NULL,
    credit_note_id uuid    NOT NULL,
    invoice_id     uuid    NOT NULL,
    line_id        uuid    NOT NULL,
    quantity       numeric NOT NULL,
    net_amount     numeric NOT NULL,
    tax_amount     numeric NOT NULL,
    PRIMARY KEY (tenant_id, credit_note_id, line_id)
);
CREATE INDEX credit_note_lines_by_invoice_line ON credit_note_lines (tenant_id, invoice_id, line_id);

COMMENT ON TABLE credit_note_lines IS 'Invoice lines taken back by line-based credit notes (credit_notes.kind = LINES).';
COMMENT ON COLUMN credit_note_lines.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN credit_note_lines.credit_note_id IS 'Credit note (credit_notes.credit_note_id).';
COMMENT ON COLUMN credit_note_lines.invoice_id IS 'Invoice credited.';
COMMENT ON COLUMN credit_note_lines.line_id IS 'Invoice line credited (invoice_lines.line_id).';
COMMENT ON COLUMN credit_note_lines.quantity IS 'Units credited (positive).';
COMMENT ON COLUMN credit_note_lines.net_amount IS 'Net amount credited, rounded; the note that takes a line''s last units takes exactly what was left of its net.';
COMMENT ON COLUMN credit_note_lines.tax_amount IS 'The line''s share of the credited tax, for information (under PER_TAX_CATEGORY rounding the note''s tax_entries are authoritative).';

CREATE TABLE archived_documents
(
    tenant_id      uuid        NOT NULL,
    invoice_id     uuid        NOT NULL,
    credit_note_id uuid,
    payment_id     uuid,
    format         text        NOT NULL CHECK (format IN ('FACTUR_X', 'UBL', 'CFDI', 'CFDI_PDF')),
    sha256         text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    content_type   text        NOT NULL,
    archived_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX archived_documents_one_per_form ON archived_documents
    (tenant_id, invoice_id, coalesce(credit_note_id, '00000000-0000-0000-0000-000000000000'::uuid),
     coalesce(payment_id, '00000000-0000-0000-0000-000000000000'::uuid), format);

COMMENT ON TABLE archived_documents IS 'The files of each issued invoice and credit note, rendered once and stored in the blob store: their SHA-256 proves what the customer received. A document with no row here is still to be archived.';
COMMENT ON COLUMN archived_documents.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN archived_documents.invoice_id IS 'The invoice (invoices.invoice_id).';
COMMENT ON COLUMN archived_documents.credit_note_id IS 'The credit note (credit_notes.credit_note_id); NULL for the invoice itself.';
COMMENT ON COLUMN archived_documents.payment_id IS 'Mexico: the payment whose stamped complement (CFDI of type P) the file is (payments.payment_id); NULL for an invoice''s or a credit note''s files.';
COMMENT ON COLUMN archived_documents.format IS 'FACTUR_X (the PDF/A-3b with the CII embedded) or UBL (UBL 2.1 XML); for an invoice issued under MX, CFDI (the stamped CFDI 4.0 XML) and CFDI_PDF (its printed representation).';
COMMENT ON COLUMN archived_documents.sha256 IS 'SHA-256 of the file, 64 lowercase hex digits; also its address in the blob store.';
COMMENT ON COLUMN archived_documents.size_bytes IS 'Size of the file in bytes.';
COMMENT ON COLUMN archived_documents.content_type IS 'MIME type, e.g. application/pdf.';
COMMENT ON COLUMN archived_documents.archived_at IS 'When the files were stored (UTC).';

CREATE TABLE revenue_entries
(
    tenant_id       uuid    NOT NULL,
    invoice_id      uuid    NOT NULL,
    sequence        bigint  NOT NULL,
    customer_id     uuid    NOT NULL,
    kind            text    NOT NULL CHECK (kind IN ('INVOICE_ISSUED', 'CREDIT_NOTE_ISSUED', 'INVOICE_VOIDED')),
    document_number text    NOT NULL,
    entry_date      date    NOT NULL,
    currency        text    NOT NULL,
    net_amount      numeric NOT NULL,
    tax_amount      numeric NOT NULL,
    total_amount    numeric NOT NULL,
    accounting_currency     text,
    accounting_net_amount   numeric,
    accounting_tax_amount   numeric,
    accounting_total_amount numeric,
    PRIMARY KEY (tenant_id, invoice_id, sequence)
);
CREATE INDEX revenue_entries_by_date ON revenue_entries (tenant_id, entry_date);

COMMENT ON TABLE revenue_entries IS 'Signed revenue postings: + when an invoice is issued, - for a credit note, - when an invoice is voided. Periods are never rewritten: a reversal lands on its own date.';
COMMENT ON COLUMN revenue_entries.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN revenue_entries.invoice_id IS 'Invoice the posting belongs to.';
COMMENT ON COLUMN revenue_entries.sequence IS 'Sequence of the invoice event that caused it.';
COMMENT ON COLUMN revenue_entries.customer_id IS 'Customer.';
COMMENT ON COLUMN revenue_entries.kind IS 'INVOICE_ISSUED, CREDIT_NOTE_ISSUED or INVOICE_VOIDED.';
COMMENT ON COLUMN revenue_entries.document_number IS 'Invoice or credit note number.';
COMMENT ON COLUMN revenue_entries.entry_date IS 'Issue date of the document, or the void date.';
COMMENT ON COLUMN revenue_entries.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN revenue_entries.net_amount IS 'Signed net amount.';
COMMENT ON COLUMN revenue_entries.tax_amount IS 'Signed tax amount.';
COMMENT ON COLUMN revenue_entries.total_amount IS 'Signed total.';
COMMENT ON COLUMN revenue_entries.accounting_currency IS 'The tenant''s accounting currency, for a document booked in another currency; NULL otherwise.';
COMMENT ON COLUMN revenue_entries.accounting_net_amount IS 'Signed net amount in accounting_currency, as the document recorded it (converted once at its rate).';
COMMENT ON COLUMN revenue_entries.accounting_tax_amount IS 'Signed tax amount in accounting_currency, as the document recorded it.';
COMMENT ON COLUMN revenue_entries.accounting_total_amount IS 'Signed total in accounting_currency, as the document recorded it.';

CREATE TABLE tax_entries
(
    tenant_id        uuid    NOT NULL,
    invoice_id       uuid    NOT NULL,
    sequence         bigint  NOT NULL,
    ordinal          integer NOT NULL,
    kind             text    NOT NULL CHECK (kind IN ('INVOICE_ISSUED', 'CREDIT_NOTE_ISSUED', 'INVOICE_VOIDED')),
    entry_date       date    NOT NULL,
    currency         text    NOT NULL,
    tax_code         text    NOT NULL,
    tax_percent      numeric NOT NULL,
    treatment        text    NOT NULL,
    vat_category     text,
    exemption_code   text,
    exemption_reason text,
    taxable_base     numeric NOT NULL,
    tax_amount       numeric NOT NULL,
    accounting_currency     text,
    accounting_taxable_base numeric,
    accounting_tax_amount   numeric,
    PRIMARY KEY (tenant_id, invoice_id, sequence, ordinal)
);
CREATE INDEX tax_entries_by_date ON tax_entries (tenant_id, entry_date);

COMMENT ON TABLE tax_entries IS 'Signed tax postings per rate, with the same signs and dates as revenue_entries.';
COMMENT ON COLUMN tax_entries.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN tax_entries.invoice_id IS 'Invoice the posting belongs to.';
COMMENT ON COLUMN tax_entries.sequence IS 'Sequence of the invoice event that caused it.';
COMMENT ON COLUMN tax_entries.ordinal IS 'Position of the rate within that event.';
COMMENT ON COLUMN tax_entries.kind IS 'INVOICE_ISSUED, CREDIT_NOTE_ISSUED or INVOICE_VOIDED.';
COMMENT ON COLUMN tax_entries.entry_date IS 'Issue date of the document, or the void date.';
COMMENT ON COLUMN tax_entries.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN tax_entries.tax_code IS 'Tax code, e.g. VAT, IVA, ISR.';
COMMENT ON COLUMN tax_entries.tax_percent IS 'Rate in percent.';
COMMENT ON COLUMN tax_entries.treatment IS 'STANDARD, ZERO_RATED, EXEMPT or WITHHOLDING.';
COMMENT ON COLUMN tax_entries.vat_category IS 'EN 16931 VAT category (UNCL5305: S, Z, E, AE, K, G, O, L, M); NULL for withholdings and for taxes stated without one.';
COMMENT ON COLUMN tax_entries.exemption_code IS 'VATEX exemption reason code (e.g. VATEX-EU-AE) of a category that charges no VAT.';
COMMENT ON COLUMN tax_entries.exemption_reason IS 'Exemption reason in words.';
COMMENT ON COLUMN tax_entries.taxable_base IS 'Signed net amount the rate applied to.';
COMMENT ON COLUMN tax_entries.tax_amount IS 'Signed tax (withholdings are negative on an invoice).';
COMMENT ON COLUMN tax_entries.accounting_currency IS 'The tenant''s accounting currency, for a document booked in another currency; NULL otherwise.';
COMMENT ON COLUMN tax_entries.accounting_taxable_base IS 'Signed taxable_base in accounting_currency: converted once at the document''s rate, half-up, per rate (the rates of a document may add up to a cent off its converted totals).';
COMMENT ON COLUMN tax_entries.accounting_tax_amount IS 'Signed tax_amount in accounting_currency, converted as accounting_taxable_base.';

-- Views derive what depends on today; security_invoker keeps the caller's row-level
-- security and grants in force.

-- The payment status, decided here and nowhere else: the invoice list, GraphQL,
-- MCP and BI all read it from invoice_overview.
CREATE FUNCTION payment_status(status text, amount_due numeric, total numeric, due_date date,
                               on_date date)
    RETURNS text
    LANGUAGE sql
    IMMUTABLE
RETURN CASE
           WHEN status NOT IN ('ISSUED', 'SENT') THEN NULL
           WHEN amount_due <= 0 THEN 'PAID'
           WHEN due_date < on_date THEN 'OVERDUE'
           WHEN amount_due < total THEN 'PARTIALLY_PAID'
           ELSE 'UNPAID'
    END;

COMMENT ON FUNCTION payment_status(text, numeric, numeric, date, date) IS 'An invoice''s payment status on a date: NULL unless issued or sent; PAID when nothing is due; OVERDUE when something is due after the due date; PARTIALLY_PAID when less than the total is due; else UNPAID.';

CREATE VIEW invoice_overview WITH (security_invoker = true) AS
SELECT i.tenant_id,
       i.invoice_id,
       i.customer_id,
       c.name AS customer_name,
       i.status,
       payment_status(i.status, i.amount_due, i.total, i.due_date, current_date) AS payment_status,
       CASE
           WHEN payment_status(i.status, i.amount_due, i.total, i.due_date, current_date) = 'OVERDUE'
               THEN current_date - i.due_date
           ELSE 0
           END AS days_overdue,
       i.currency,
       i.price_basis,
       i.number,
       i.issue_date,
       i.due_date,
       public.in_minor_units(i.line_total, i.currency) AS line_total,
       public.in_minor_units(i.allowance_total, i.currency) AS allowance_total,
       public.in_minor_units(i.charge_total, i.currency) AS charge_total,
       public.in_minor_units(i.net_total, i.currency) AS net_total,
       public.in_minor_units(i.tax_total, i.currency) AS tax_total,
       public.in_minor_units(i.total, i.currency) AS total,
       public.in_minor_units(i.amount_paid, i.currency) AS amount_paid,
       public.in_minor_units(i.amount_credited, i.currency) AS amount_credited,
       public.in_minor_units(i.amount_due, i.currency) AS amount_due,
       public.in_minor_units(i.customer_credit, i.currency) AS customer_credit,
       i.accounting_currency,
       i.exchange_rate,
       i.exchange_rate_date,
       public.in_minor_units(i.accounting_tax_total, i.accounting_currency) AS accounting_tax_total,
       public.in_minor_units(i.accounting_total, i.accounting_currency) AS accounting_total,
       i.sent_at,
       i.voided_on,
       i.reminders_sent,
       i.last_reminded_on,
       i.disputed_on,
       i.dispute_reason,
       i.cfdi_payment_method,
       i.cfdi_payment_form,
       i.cfdi_use,
       i.cfdi_status,
       i.cfdi_uuid,
       i.cfdi_sealed_at,
       i.cfdi_stamped_at,
       i.cfdi_rejection_code,
       i.cfdi_rejection_message,
       i.cfdi_cancellation_status,
       i.cfdi_cancellation_reason,
       i.cfdi_cancellation_replaced_by,
       i.cfdi_cancellation_replacement_uuid,
       i.cfdi_cancellation_requested_on,
       i.cfdi_cancellation_submitted_at,
       i.cfdi_cancellation_status_code,
       i.cfdi_cancellation_refusal_code,
       i.cfdi_cancellation_refusal_message,
       i.cfdi_cancellation_refused_at,
       i.version
FROM invoices i
         LEFT JOIN customers c USING (tenant_id, customer_id);

COMMENT ON VIEW invoice_overview IS 'Invoices with their payment status and days overdue as of today (current_date of the session).';
COMMENT ON COLUMN invoice_overview.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN invoice_overview.invoice_id IS 'Invoice id.';
COMMENT ON COLUMN invoice_overview.customer_id IS 'Customer invoiced.';
COMMENT ON COLUMN invoice_overview.customer_name IS 'Customer name.';
COMMENT ON COLUMN invoice_overview.status IS 'Document status: DRAFT, ISSUED, SENT or VOID.';
COMMENT ON COLUMN invoice_overview.payment_status IS 'UNPAID, PARTIALLY_PAID, PAID or OVERDUE for issued and sent invoices; NULL otherwise.';
COMMENT ON COLUMN invoice_overview.days_overdue IS 'Days past the due date while something is due; 0 otherwise.';
COMMENT ON COLUMN invoice_overview.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN invoice_overview.price_basis IS 'The basis of lines added without one: NET or GROSS (invoices.price_basis).';
COMMENT ON COLUMN invoice_overview.number IS 'Document number.';
COMMENT ON COLUMN invoice_overview.issue_date IS 'Issue date.';
COMMENT ON COLUMN invoice_overview.due_date IS 'Due date.';
COMMENT ON COLUMN invoice_overview.line_total IS 'Sum of the lines'' nets (BT-106).';
COMMENT ON COLUMN invoice_overview.allowance_total IS 'Sum of the allowances on the whole document (BT-107).';
COMMENT ON COLUMN invoice_overview.charge_total IS 'Sum of the charges on the whole document (BT-108).';
COMMENT ON COLUMN invoice_overview.net_total IS 'Net total: line_total - allowance_total + charge_total (BT-109).';
COMMENT ON COLUMN invoice_overview.tax_total IS 'Tax total.';
COMMENT ON COLUMN invoice_overview.total IS 'Total.';
COMMENT ON COLUMN invoice_overview.amount_paid IS 'Paid minus refunded.';
COMMENT ON COLUMN invoice_overview.amount_credited IS 'Credited.';
COMMENT ON COLUMN invoice_overview.amount_due IS 'Still owed.';
COMMENT ON COLUMN invoice_overview.customer_credit IS 'Held for the customer (invoices.customer_credit).';
COMMENT ON COLUMN invoice_overview.accounting_currency IS 'The books'' currency, for an invoice in another one (invoices.accounting_currency).';
COMMENT ON COLUMN invoice_overview.exchange_rate IS 'The rate it was booked at (invoices.exchange_rate).';
COMMENT ON COLUMN invoice_overview.exchange_rate_date IS 'The day the rate is of.';
COMMENT ON COLUMN invoice_overview.accounting_tax_total IS 'Tax total in the accounting currency (BT-111).';
COMMENT ON COLUMN invoice_overview.accounting_total IS 'Total in the accounting currency.';
COMMENT ON COLUMN invoice_overview.sent_at IS 'Last sent.';
COMMENT ON COLUMN invoice_overview.voided_on IS 'Void date.';
COMMENT ON COLUMN invoice_overview.reminders_sent IS 'Last reminder step recorded (invoices.reminders_sent).';
COMMENT ON COLUMN invoice_overview.last_reminded_on IS 'Date of the last payment reminder.';
COMMENT ON COLUMN invoice_overview.disputed_on IS 'Date the open dispute was raised; NULL while none is open.';
COMMENT ON COLUMN invoice_overview.dispute_reason IS 'What the customer contests, while a dispute is open.';
COMMENT ON COLUMN invoice_overview.cfdi_payment_method IS 'Mexico: PUE or PPD (invoices.cfdi_payment_method).';
COMMENT ON COLUMN invoice_overview.cfdi_payment_form IS 'Mexico: the form of payment, SAT c_FormaPago (invoices.cfdi_payment_form).';
COMMENT ON COLUMN invoice_overview.cfdi_use IS 'Mexico: the receiver''s CFDI use, SAT c_UsoCFDI (invoices.cfdi_use).';
COMMENT ON COLUMN invoice_overview.cfdi_status IS 'Mexico: PENDING, STAMPED or REJECTED (invoices.cfdi_status).';
COMMENT ON COLUMN invoice_overview.cfdi_uuid IS 'Mexico: the fiscal folio, once stamped (invoices.cfdi_uuid).';
COMMENT ON COLUMN invoice_overview.cfdi_sealed_at IS 'Mexico: when the CFDI sent to the PAC was sealed (invoices.cfdi_sealed_at).';
COMMENT ON COLUMN invoice_overview.cfdi_stamped_at IS 'Mexico: when it was stamped (invoices.cfdi_stamped_at).';
COMMENT ON COLUMN invoice_overview.cfdi_rejection_code IS 'Mexico: the PAC''s error code while REJECTED (invoices.cfdi_rejection_code).';
COMMENT ON COLUMN invoice_overview.cfdi_rejection_message IS 'Mexico: the PAC''s message while REJECTED (invoices.cfdi_rejection_message).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_status IS 'Mexico: REQUESTED, SUBMITTED, REFUSED or CANCELLED: the last cancellation asked of SAT (invoices.cfdi_cancellation_status).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_reason IS 'Mexico: SAT''s reason code (01 to 04) of the last cancellation asked for (invoices.cfdi_cancellation_reason).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_replaced_by IS 'Mexico: for reason 01, the invoice named to replace this one (invoices.cfdi_cancellation_replaced_by).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_replacement_uuid IS 'Mexico: for reason 01, the replacing fiscal folio SAT is told (invoices.cfdi_cancellation_replacement_uuid).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_requested_on IS 'Mexico: the day the last cancellation was asked for (invoices.cfdi_cancellation_requested_on).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_submitted_at IS 'Mexico: when SAT''s acknowledgement of it was recorded (invoices.cfdi_cancellation_submitted_at).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_status_code IS 'Mexico: SAT''s status of the folio in its acknowledgement, EstatusUUID (invoices.cfdi_cancellation_status_code).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_refusal_code IS 'Mexico: the PAC''s or SAT''s code while REFUSED, RECEIVER_REFUSED when the receiver said no (invoices.cfdi_cancellation_refusal_code).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_refusal_message IS 'Mexico: their words while REFUSED (invoices.cfdi_cancellation_refusal_message).';
COMMENT ON COLUMN invoice_overview.cfdi_cancellation_refused_at IS 'Mexico: when the refusal was recorded (invoices.cfdi_cancellation_refused_at).';
COMMENT ON COLUMN invoice_overview.version IS 'Aggregate version.';

CREATE VIEW customer_balances WITH (security_invoker = true) AS
SELECT c.tenant_id,
       c.customer_id,
       c.name AS customer_name,
       i.currency,
       count(*) FILTER (WHERE i.amount_due > 0) AS open_invoices,
       public.in_minor_units(sum(i.amount_due), i.currency) AS open_amount,
       public.in_minor_units(coalesce(sum(i.amount_due) FILTER (WHERE i.due_date < current_date), 0), i.currency)
           AS overdue_amount,
       public.in_minor_units(sum(i.customer_credit), i.currency) AS credit_amount,
       public.in_minor_units(sum(i.amount_due) - sum(i.customer_credit), i.currency) AS balance
FROM customers c
         JOIN invoices i USING (tenant_id, customer_id)
WHERE i.status IN ('ISSUED', 'SENT')
  AND (i.amount_due > 0 OR i.customer_credit > 0)
GROUP BY c.tenant_id, c.customer_id, c.name, i.currency;

COMMENT ON VIEW customer_balances IS 'Balance of each customer per currency: what is owed and what is held for the customer (customers with neither have no row).';
COMMENT ON COLUMN customer_balances.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN customer_balances.customer_id IS 'Customer.';
COMMENT ON COLUMN customer_balances.customer_name IS 'Customer name.';
COMMENT ON COLUMN customer_balances.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN customer_balances.open_invoices IS 'Issued or sent invoices with something due.';
COMMENT ON COLUMN customer_balances.open_amount IS 'Sum still owed.';
COMMENT ON COLUMN customer_balances.overdue_amount IS 'Part of open_amount past its due date.';
COMMENT ON COLUMN customer_balances.credit_amount IS 'Held for the customer: overpayments and credit notes beyond what was due, not yet refunded.';
COMMENT ON COLUMN customer_balances.balance IS 'open_amount - credit_amount: what the customer owes net (negative when the customer is owed).';

-- Every document and money movement of a customer, signed as it moves the
-- balance (+ the customer owes more, - less): the one rule the customer
-- statement and the balance identity rest on, in each document's currency and
-- in the books. In the books a foreign invoice and its credit notes count at
-- what they recorded there, a payment or refund at what it was worth at the
-- payment's rate, and the exchange difference it realised is its own entry,
-- so what the books hold of an invoice is what it still owes at its rate.
-- Credit moved between two foreign invoices counts on both at what it was
-- worth in the books of the one it left, as a payment counts at what it was
-- worth; what it settled at the other's rate differs by the difference
-- realised there (an EXCHANGE_DIFFERENCE entry).
CREATE VIEW customer_ledger WITH (security_invoker = true) AS
SELECT i.tenant_id, i.customer_id, i.currency, i.issue_date AS entry_date, 'INVOICE' AS kind,
       i.invoice_id, i.number AS document_number, i.total AS amount,
       coalesce(i.accounting_currency, i.currency) AS accounting_currency,
       coalesce(i.accounting_total, i.total) AS accounting_amount, i.created_at AS recorded_at
FROM invoices i
WHERE i.status IN ('ISSUED', 'SENT', 'VOID') AND i.issue_date IS NOT NULL
UNION ALL
SELECT i.tenant_id, i.customer_id, i.currency, i.voided_on, 'INVOICE_VOIDED',
       i.invoice_id, i.number, -i.total, coalesce(i.accounting_currency, i.currency),
       -coalesce(i.accounting_total, i.total), i.updated_at
FROM invoices i
WHERE i.status = 'VOID' AND i.issue_date IS NOT NULL
UNION ALL
SELECT n.tenant_id, n.customer_id, n.currency, n.issue_date, 'CREDIT_NOTE',
       n.invoice_id, n.number, -n.total, coalesce(i.accounting_currency, n.currency),
       -coalesce(n.accounting_total, n.total), n.recorded_at
FROM credit_notes n
         JOIN invoices i ON i.tenant_id = n.tenant_id AND i.invoice_id = n.invoice_id
UNION ALL
SELECT p.tenant_id, p.customer_id, p.currency, p.received_on, 'PAYMENT',
       p.invoice_id, p.reference, -p.amount, coalesce(i.accounting_currency, p.currency),
       -coalesce(p.accounting_amount, p.amount), p.recorded_at
FROM payments p
         JOIN invoices i ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
UNION ALL
SELECT r.tenant_id, p.customer_id, r.currency, r.refunded_on, 'REFUND',
       r.invoice_id, p.reference, r.amount, coalesce(i.accounting_currency, r.currency),
       coalesce(r.accounting_amount, r.amount), r.recorded_at
FROM payment_refunds r
         JOIN payments p ON p.tenant_id = r.tenant_id AND p.payment_id = r.payment_id
         JOIN invoices i ON i.tenant_id = r.tenant_id AND i.invoice_id = r.invoice_id
UNION ALL
SELECT d.tenant_id, d.customer_id, d.currency, d.realised_on, 'EXCHANGE_DIFFERENCE',
       d.invoice_id, coalesce(p.reference, s.number), 0, d.accounting_currency, d.difference,
       d.recorded_at
FROM exchange_differences d
         LEFT JOIN payments p ON p.tenant_id = d.tenant_id AND p.payment_id = d.payment_id
         LEFT JOIN credit_transfers t ON t.tenant_id = d.tenant_id AND t.transfer_id = d.transfer_id
         LEFT JOIN invoices s ON s.tenant_id = t.tenant_id AND s.invoice_id = t.from_invoice_id
UNION ALL
SELECT t.tenant_id, t.customer_id, t.currency, t.transferred_on, 'CREDIT_TRANSFERRED',
       t.from_invoice_id, s.number, t.amount, coalesce(s.accounting_currency, t.currency),
       coalesce(t.accounting_amount, t.amount), t.transferred_at
FROM credit_transfers t
         JOIN invoices s ON s.tenant_id = t.tenant_id AND s.invoice_id = t.from_invoice_id
WHERE t.transferred_on IS NOT NULL
UNION ALL
SELECT t.tenant_id, t.customer_id, t.currency, t.applied_on, 'CREDIT_APPLIED',
       t.to_invoice_id, s.number, -t.amount, coalesce(s.accounting_currency, t.currency),
       -coalesce(t.accounting_amount, t.amount), t.applied_at
FROM credit_transfers t
         JOIN invoices s ON s.tenant_id = t.tenant_id AND s.invoice_id = t.from_invoice_id
WHERE t.applied_on IS NOT NULL
UNION ALL
SELECT t.tenant_id, t.customer_id, t.currency, t.returned_on, 'CREDIT_RETURNED',
       t.from_invoice_id, s.number, -t.amount, coalesce(s.accounting_currency, t.currency),
       -coalesce(t.accounting_amount, t.amount), t.returned_at
FROM credit_transfers t
         JOIN invoices s ON s.tenant_id = t.tenant_id AND s.invoice_id = t.from_invoice_id
WHERE t.returned_on IS NOT NULL;

COMMENT ON VIEW customer_ledger IS 'Each customer''s documents and money, signed as they move what the customer owes: invoices +, voids, credit notes and payments -, refunds +; credit moved between two invoices is + on the one it leaves and - on the one it settles (or - again on the one it left when it comes back), so a finished move nets to zero. Summed up to a date per currency it is the customer''s balance then (negative: the customer is owed); accounting_amount summed per accounting_currency is that balance in the books.';
COMMENT ON COLUMN customer_ledger.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN customer_ledger.customer_id IS 'Customer.';
COMMENT ON COLUMN customer_ledger.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN customer_ledger.entry_date IS 'Issue date, void date, value date of the payment, refund date, the day an exchange difference was realised, or the date an invoice recorded its half of a credit move.';
COMMENT ON COLUMN customer_ledger.kind IS 'INVOICE, INVOICE_VOIDED, CREDIT_NOTE, PAYMENT, REFUND, EXCHANGE_DIFFERENCE (realised by a payment, refund or credit move on a foreign invoice: 0 in currency, the difference in the books), CREDIT_TRANSFERRED (credit left the invoice), CREDIT_APPLIED (credit from another invoice settled it) or CREDIT_RETURNED (credit that left came back, the other invoice never took it).';
COMMENT ON COLUMN customer_ledger.invoice_id IS 'The invoice the entry belongs to.';
COMMENT ON COLUMN customer_ledger.document_number IS 'Invoice or credit note number; the payer''s reference for payments and refunds; the number of the invoice the credit came from for a credit move (and for the exchange difference it realised).';
COMMENT ON COLUMN customer_ledger.amount IS 'Signed amount: + raises what the customer owes, - lowers it.';
COMMENT ON COLUMN customer_ledger.accounting_currency IS 'The books'' currency for an entry of a foreign invoice (invoices.accounting_currency), else currency.';
COMMENT ON COLUMN customer_ledger.accounting_amount IS 'The signed amount in accounting_currency: what the invoice or credit note recorded there, what a payment or refund was worth at the payment''s rate, what moved credit was worth in the books of the invoice it left (on that invoice, on the one it settled, and when it came back), the exchange difference realised; amount for an invoice that is not foreign.';
COMMENT ON COLUMN customer_ledger.recorded_at IS 'When the entry was recorded; orders entries of one date.';

-- The aging rule, once: what was owed on a given date, by days past due on that
-- date. Used by the ar_aging view (as of today, for BI) and by the API's
-- arAging(asOf:). An invoice counts from its issue date until it is voided; what was
-- due then is its total less the payments received by then, plus the refunds made
-- by then, less the credit notes issued by then; below zero it is credit held for
-- the customer, reported beside the buckets, never in them. BEGIN ATOMIC binds the tables when
-- the function is created (so it follows them out of a rebuild's staging schema);
-- it runs as the caller, so row-level security still confines it to one tenant.
CREATE FUNCTION ar_aging_of(as_of date, in_books boolean)
    RETURNS TABLE
            (
                tenant_id      uuid,
                customer_id    uuid,
                customer_name  text,
                currency       text,
                current_amount numeric,
                days_1_30      numeric,
                days_31_60     numeric,
                days_61_90     numeric,
                days_over_90   numeric,
                total_due      numeric,
                credit_amount  numeric
            )
    LANGUAGE sql
    STABLE
BEGIN ATOMIC
    WITH owed AS (SELECT i.tenant_id,
                         i.customer_id,
                         i.currency,
                         i.accounting_currency,
                         i.exchange_rate,
                         ar_aging_of.as_of - i.due_date AS days_past_due,
                         i.total
                             - coalesce((SELECT sum(p.amount)
                                         FROM payments p
                                         WHERE p.tenant_id = i.tenant_id
                                           AND p.invoice_id = i.invoice_id
                                           AND p.received_on <= ar_aging_of.as_of), 0)
                             + coalesce((SELECT sum(r.amount)
                                         FROM payment_refunds r
                                         WHERE r.tenant_id = i.tenant_id
                                           AND r.invoice_id = i.invoice_id
                                           AND r.refunded_on <= ar_aging_of.as_of), 0)
                             - coalesce((SELECT sum(n.total)
                                         FROM credit_notes n
                                         WHERE n.tenant_id = i.tenant_id
                                           AND n.invoice_id = i.invoice_id
                                           AND n.issue_date <= ar_aging_of.as_of), 0)
                             - coalesce((SELECT sum(t.amount)
                                         FROM credit_transfers t
                                         WHERE t.tenant_id = i.tenant_id
                                           AND t.to_invoice_id = i.invoice_id
                                           AND t.applied_on <= ar_aging_of.as_of), 0)
                             + coalesce((SELECT sum(t.amount)
                                         FROM credit_transfers t
                                         WHERE t.tenant_id = i.tenant_id
                                           AND t.from_invoice_id = i.invoice_id
                                           AND t.transferred_on <= ar_aging_of.as_of), 0)
                             - coalesce((SELECT sum(t.amount)
                                         FROM credit_transfers t
                                         WHERE t.tenant_id = i.tenant_id
                                           AND t.from_invoice_id = i.invoice_id
                                           AND t.returned_on <= ar_aging_of.as_of), 0) AS due
                  FROM invoices i
                  WHERE i.status IN ('ISSUED', 'SENT', 'VOID')
                    AND i.issue_date <= ar_aging_of.as_of
                    AND (i.voided_on IS NULL OR i.voided_on > ar_aging_of.as_of)),
         -- In the books, what a foreign invoice owes is taken at its rate, rounded
         -- (half away from zero) once per invoice: the open item at its historical rate.
         valued AS (SELECT tenant_id, customer_id, days_past_due,
                           CASE WHEN ar_aging_of.in_books AND exchange_rate IS NOT NULL
                                    THEN accounting_currency ELSE currency END AS currency,
                           CASE WHEN ar_aging_of.in_books AND exchange_rate IS NOT NULL
                                    THEN public.in_minor_units(due * exchange_rate, accounting_currency)
                                ELSE due END AS due
                    FROM owed)
    SELECT o.tenant_id,
           o.customer_id,
           c.name,
           o.currency,
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0 AND o.days_past_due <= 0), 0), o.currency),
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0 AND o.days_past_due BETWEEN 1 AND 30), 0), o.currency),
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0 AND o.days_past_due BETWEEN 31 AND 60), 0), o.currency),
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0 AND o.days_past_due BETWEEN 61 AND 90), 0), o.currency),
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0 AND o.days_past_due > 90), 0), o.currency),
           public.in_minor_units(coalesce(sum(o.due) FILTER (WHERE o.due > 0), 0), o.currency),
           public.in_minor_units(coalesce(-sum(o.due) FILTER (WHERE o.due < 0), 0), o.currency)
    FROM valued o
             JOIN customers c ON c.tenant_id = o.tenant_id AND c.customer_id = o.customer_id
    WHERE o.due <> 0
    GROUP BY o.tenant_id, o.customer_id, c.name, o.currency;
END;

COMMENT ON FUNCTION ar_aging_of(date, boolean) IS 'Accounts-receivable aging per customer and currency as of a date: what was owed then (payments, refunds, credit notes and credit moved between invoices up to that date), by days past due then; in_books: an invoice booked in a foreign currency counted in the accounting currency at its rate, rounded once per invoice.';

CREATE FUNCTION ar_aging_as_of(as_of date)
    RETURNS TABLE
            (
                tenant_id      uuid,
                customer_id    uuid,
                customer_name  text,
                currency       text,
                current_amount numeric,
                days_1_30      numeric,
                days_31_60     numeric,
                days_61_90     numeric,
                days_over_90   numeric,
                total_due      numeric,
                credit_amount  numeric
            )
    LANGUAGE sql
    STABLE
BEGIN ATOMIC
    SELECT * FROM ar_aging_of(ar_aging_as_of.as_of, false);
END;

COMMENT ON FUNCTION ar_aging_as_of(date) IS 'Accounts-receivable aging per customer and currency as of a date: what was owed then (payments, refunds, credit notes and credit moved between invoices up to that date), by days past due then.';

CREATE VIEW ar_aging WITH (security_invoker = true) AS
SELECT *
FROM ar_aging_as_of(current_date);

COMMENT ON VIEW ar_aging IS 'Accounts-receivable aging per customer and currency, by days past due as of today.';
COMMENT ON COLUMN ar_aging.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN ar_aging.customer_id IS 'Customer.';
COMMENT ON COLUMN ar_aging.customer_name IS 'Customer name.';
COMMENT ON COLUMN ar_aging.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN ar_aging.current_amount IS 'Due, not yet past the due date.';
COMMENT ON COLUMN ar_aging.days_1_30 IS '1 to 30 days past due.';
COMMENT ON COLUMN ar_aging.days_31_60 IS '31 to 60 days past due.';
COMMENT ON COLUMN ar_aging.days_61_90 IS '61 to 90 days past due.';
COMMENT ON COLUMN ar_aging.days_over_90 IS 'More than 90 days past due.';
COMMENT ON COLUMN ar_aging.total_due IS 'All buckets together.';
COMMENT ON COLUMN ar_aging.credit_amount IS 'Held for the customer on that date (overpayments, credit notes beyond what was due), not in any bucket.';

CREATE VIEW revenue_by_month WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', entry_date)::date AS month,
       currency,
       public.in_minor_units(coalesce(sum(net_amount) FILTER (WHERE kind = 'INVOICE_ISSUED'), 0), currency)
           AS invoiced_net,
       public.in_minor_units(coalesce(-sum(net_amount) FILTER (WHERE kind = 'CREDIT_NOTE_ISSUED'), 0), currency)
           AS credited_net,
       public.in_minor_units(coalesce(-sum(net_amount) FILTER (WHERE kind = 'INVOICE_VOIDED'), 0), currency)
           AS voided_net,
       public.in_minor_units(sum(net_amount), currency) AS net_revenue,
       public.in_minor_units(sum(tax_amount), currency) AS tax,
       public.in_minor_units(sum(total_amount), currency) AS gross_revenue
FROM revenue_entries
GROUP BY tenant_id, date_trunc('month', entry_date), currency;

COMMENT ON VIEW revenue_by_month IS 'Revenue per calendar month and currency from revenue_entries (no conversion between currencies).';
COMMENT ON COLUMN revenue_by_month.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN revenue_by_month.month IS 'First day of the month.';
COMMENT ON COLUMN revenue_by_month.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN revenue_by_month.invoiced_net IS 'Net amount of invoices issued in the month.';
COMMENT ON COLUMN revenue_by_month.credited_net IS 'Net amount of credit notes issued in the month (positive).';
COMMENT ON COLUMN revenue_by_month.voided_net IS 'Net amount of invoices voided in the month (positive).';
COMMENT ON COLUMN revenue_by_month.net_revenue IS 'invoiced_net - credited_net - voided_net.';
COMMENT ON COLUMN revenue_by_month.tax IS 'Net tax of the month (same signs).';
COMMENT ON COLUMN revenue_by_month.gross_revenue IS 'net_revenue + tax.';

CREATE VIEW tax_summary WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', entry_date)::date AS month,
       currency,
       tax_code,
       tax_percent,
       treatment,
       vat_category,
       exemption_code,
       exemption_reason,
       public.in_minor_units(sum(taxable_base), currency) AS taxable_base,
       public.in_minor_units(sum(tax_amount), currency) AS tax_amount
FROM tax_entries
GROUP BY tenant_id, date_trunc('month', entry_date), currency, tax_code, tax_percent, treatment,
         vat_category, exemption_code, exemption_reason;

COMMENT ON VIEW tax_summary IS 'Taxable base and tax per tax, VAT category, rate, exemption reason, month and currency, net of credit notes and voids: a reverse-charge base is reported apart from an exempt one, as a VAT return asks.';
COMMENT ON COLUMN tax_summary.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN tax_summary.month IS 'First day of the month.';
COMMENT ON COLUMN tax_summary.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN tax_summary.tax_code IS 'Tax code.';
COMMENT ON COLUMN tax_summary.tax_percent IS 'Rate in percent.';
COMMENT ON COLUMN tax_summary.treatment IS 'STANDARD, ZERO_RATED, EXEMPT or WITHHOLDING.';
COMMENT ON COLUMN tax_summary.vat_category IS 'EN 16931 VAT category (S, Z, E, AE, K, G, O, L, M); NULL for withholdings and taxes stated without one.';
COMMENT ON COLUMN tax_summary.exemption_code IS 'VATEX exemption reason code, for categories that charge no VAT.';
COMMENT ON COLUMN tax_summary.exemption_reason IS 'Exemption reason in words.';
COMMENT ON COLUMN tax_summary.taxable_base IS 'Net amount taxed at this rate.';
COMMENT ON COLUMN tax_summary.tax_amount IS 'Tax at this rate (withholdings negative).';

CREATE VIEW revenue_by_month_in_books WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', entry_date)::date AS month,
       currency,
       public.in_minor_units(coalesce(sum(net_amount) FILTER (WHERE kind = 'INVOICE_ISSUED'), 0), currency)
           AS invoiced_net,
       public.in_minor_units(coalesce(-sum(net_amount) FILTER (WHERE kind = 'CREDIT_NOTE_ISSUED'), 0), currency)
           AS credited_net,
       public.in_minor_units(coalesce(-sum(net_amount) FILTER (WHERE kind = 'INVOICE_VOIDED'), 0), currency)
           AS voided_net,
       public.in_minor_units(sum(net_amount), currency) AS net_revenue,
       public.in_minor_units(sum(tax_amount), currency) AS tax,
       public.in_minor_units(sum(total_amount), currency) AS gross_revenue
FROM (SELECT tenant_id, entry_date, kind,
             coalesce(accounting_currency, currency) AS currency,
             coalesce(accounting_net_amount, net_amount) AS net_amount,
             coalesce(accounting_tax_amount, tax_amount) AS tax_amount,
             coalesce(accounting_total_amount, total_amount) AS total_amount
      FROM revenue_entries) AS in_books
GROUP BY tenant_id, date_trunc('month', entry_date), currency;

COMMENT ON VIEW revenue_by_month_in_books IS 'revenue_by_month with every document booked in another currency than the accounting currency taken at its recorded amounts there; a document never converted (issued before the tenant set its accounting currency) stays in its own currency''s row.';
COMMENT ON COLUMN revenue_by_month_in_books.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN revenue_by_month_in_books.month IS 'First day of the month.';
COMMENT ON COLUMN revenue_by_month_in_books.currency IS 'The accounting currency, or the currency of documents never converted.';
COMMENT ON COLUMN revenue_by_month_in_books.invoiced_net IS 'Net amount of invoices issued in the month.';
COMMENT ON COLUMN revenue_by_month_in_books.credited_net IS 'Net amount of credit notes issued in the month (positive).';
COMMENT ON COLUMN revenue_by_month_in_books.voided_net IS 'Net amount of invoices voided in the month (positive).';
COMMENT ON COLUMN revenue_by_month_in_books.net_revenue IS 'invoiced_net - credited_net - voided_net.';
COMMENT ON COLUMN revenue_by_month_in_books.tax IS 'Net tax of the month (same signs).';
COMMENT ON COLUMN revenue_by_month_in_books.gross_revenue IS 'net_revenue + tax.';

CREATE VIEW tax_summary_in_books WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', entry_date)::date AS month,
       currency,
       tax_code,
       tax_percent,
       treatment,
       vat_category,
       exemption_code,
       exemption_reason,
       public.in_minor_units(sum(taxable_base), currency) AS taxable_base,
       public.in_minor_units(sum(tax_amount), currency) AS tax_amount
FROM (SELECT tenant_id, entry_date, tax_code, tax_percent, treatment, vat_category,
             exemption_code, exemption_reason,
             coalesce(accounting_currency, currency) AS currency,
             coalesce(accounting_taxable_base, taxable_base) AS taxable_base,
             coalesce(accounting_tax_amount, tax_amount) AS tax_amount
      FROM tax_entries) AS in_books
GROUP BY tenant_id, date_trunc('month', entry_date), currency, tax_code, tax_percent, treatment,
         vat_category, exemption_code, exemption_reason;

COMMENT ON VIEW tax_summary_in_books IS 'tax_summary in the accounting currency, as a VAT return in the national currency asks: each foreign document''s base and tax per rate converted once at its rate; a document never converted stays in its own currency''s rows.';
COMMENT ON COLUMN tax_summary_in_books.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN tax_summary_in_books.month IS 'First day of the month.';
COMMENT ON COLUMN tax_summary_in_books.currency IS 'The accounting currency, or the currency of documents never converted.';
COMMENT ON COLUMN tax_summary_in_books.tax_code IS 'Tax code.';
COMMENT ON COLUMN tax_summary_in_books.tax_percent IS 'Rate in percent.';
COMMENT ON COLUMN tax_summary_in_books.treatment IS 'STANDARD, ZERO_RATED, EXEMPT or WITHHOLDING.';
COMMENT ON COLUMN tax_summary_in_books.vat_category IS 'EN 16931 VAT category; NULL for withholdings and taxes stated without one.';
COMMENT ON COLUMN tax_summary_in_books.exemption_code IS 'VATEX exemption reason code.';
COMMENT ON COLUMN tax_summary_in_books.exemption_reason IS 'Exemption reason in words.';
COMMENT ON COLUMN tax_summary_in_books.taxable_base IS 'Net amount taxed at this rate.';
COMMENT ON COLUMN tax_summary_in_books.tax_amount IS 'Tax at this rate (withholdings negative).';

CREATE VIEW documents_awaiting_archive WITH (security_invoker = true) AS
SELECT i.tenant_id, i.invoice_id, NULL::uuid AS credit_note_id, NULL::uuid AS payment_id,
       i.number, i.issue_date
FROM invoices i
WHERE i.number IS NOT NULL
  -- A Mexican invoice is archived as its stamped CFDI: once stamped.
  AND (i.cfdi_status IS NULL OR i.cfdi_status = 'STAMPED')
  AND NOT EXISTS (SELECT 1 FROM archived_documents a
                  WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.invoice_id
                    AND a.credit_note_id IS NULL AND a.payment_id IS NULL)
UNION ALL
SELECT c.tenant_id, c.invoice_id, c.credit_note_id, NULL::uuid, c.number, c.issue_date
FROM credit_notes c
WHERE (c.cfdi_status IS NULL OR c.cfdi_status = 'STAMPED')
  AND NOT EXISTS (SELECT 1 FROM archived_documents a
                  WHERE a.tenant_id = c.tenant_id AND a.invoice_id = c.invoice_id
                    AND a.credit_note_id = c.credit_note_id)
UNION ALL
SELECT p.tenant_id, p.invoice_id, NULL::uuid, p.payment_id, p.number, p.issue_date
FROM payment_complements p
WHERE p.status = 'STAMPED'
  AND NOT EXISTS (SELECT 1 FROM archived_documents a
                  WHERE a.tenant_id = p.tenant_id AND a.invoice_id = p.invoice_id
                    AND a.payment_id = p.payment_id);

COMMENT ON VIEW documents_awaiting_archive IS 'Issued invoices and credit notes without archived files yet (a Mexican one once stamped), and stamped payment complements without them: what folio serve still has to render and store.';
COMMENT ON COLUMN documents_awaiting_archive.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN documents_awaiting_archive.invoice_id IS 'The invoice (invoices.invoice_id).';
COMMENT ON COLUMN documents_awaiting_archive.credit_note_id IS 'The credit note; NULL for the invoice itself.';
COMMENT ON COLUMN documents_awaiting_archive.payment_id IS 'Mexico: the payment whose stamped complement it is; NULL otherwise.';
COMMENT ON COLUMN documents_awaiting_archive.number IS 'Its document number.';
COMMENT ON COLUMN documents_awaiting_archive.issue_date IS 'Its issue date.';

CREATE VIEW cfdi_awaiting_stamp WITH (security_invoker = true) AS
SELECT i.tenant_id, i.invoice_id, i.number, i.issue_date, i.cfdi_sealed_at, i.cfdi_sealed_xml_sha256
FROM invoices i
WHERE i.cfdi_status = 'PENDING'
  AND i.status <> 'VOID';

COMMENT ON VIEW cfdi_awaiting_stamp IS 'Mexico: issued invoices whose CFDI the PAC has not stamped yet (and that are not void): what folio serve still has to seal and send.';
COMMENT ON COLUMN cfdi_awaiting_stamp.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN cfdi_awaiting_stamp.invoice_id IS 'The invoice (invoices.invoice_id).';
COMMENT ON COLUMN cfdi_awaiting_stamp.number IS 'Its document number.';
COMMENT ON COLUMN cfdi_awaiting_stamp.issue_date IS 'Its issue date.';
COMMENT ON COLUMN cfdi_awaiting_stamp.cfdi_sealed_at IS 'When its CFDI was sealed; NULL when not sealed yet.';
COMMENT ON COLUMN cfdi_awaiting_stamp.cfdi_sealed_xml_sha256 IS 'The sealed CFDI''s address in the blob store: a retry sends these very bytes.';

CREATE VIEW cfdi_complements_awaiting_stamp WITH (security_invoker = true) AS
SELECT p.tenant_id, p.invoice_id, p.payment_id, p.received_on, p.sequence, c.number,
       c.sealed_at, c.sealed_xml_sha256
FROM payments p
JOIN invoices i ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
LEFT JOIN payment_complements c ON c.tenant_id = p.tenant_id AND c.payment_id = p.payment_id
WHERE i.cfdi_status = 'STAMPED'
  AND i.cfdi_payment_method = 'PPD'
  AND i.status <> 'VOID'
  AND (c.status = 'PENDING' OR (c.payment_id IS NULL AND p.refunded_amount < p.amount));

COMMENT ON VIEW cfdi_complements_awaiting_stamp IS 'Mexico: payments of stamped invoices issued PPD whose complement the PAC has not stamped yet: not numbered (and not refunded in full) or PENDING. What folio serve still has to number, seal and send.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.invoice_id IS 'The invoice paid (invoices.invoice_id).';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.payment_id IS 'The payment (payments.payment_id).';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.received_on IS 'The payment''s value date.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.sequence IS 'Position of the payment''s PaymentRecorded in its invoice''s stream: payments of one day are numbered in the order they were recorded.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.number IS 'The complement''s number; NULL while not numbered.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.sealed_at IS 'When its XML was sealed; NULL when not sealed yet.';
COMMENT ON COLUMN cfdi_complements_awaiting_stamp.sealed_xml_sha256 IS 'The sealed XML''s address in the blob store: a retry sends these very bytes.';

CREATE VIEW cfdi_credit_notes_awaiting_stamp WITH (security_invoker = true) AS
SELECT c.tenant_id, c.invoice_id, c.credit_note_id, c.number, c.issue_date, c.sequence,
       c.cfdi_sealed_at, c.cfdi_sealed_xml_sha256
FROM credit_notes c
WHERE c.cfdi_status = 'PENDING';

COMMENT ON VIEW cfdi_credit_notes_awaiting_stamp IS 'Mexico: credit notes of stamped invoices whose CFDI (type E) the PAC has not stamped yet: what folio serve still has to seal and send.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.invoice_id IS 'The invoice credited (invoices.invoice_id).';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.credit_note_id IS 'The credit note (credit_notes.credit_note_id).';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.number IS 'Its document number.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.issue_date IS 'Its issue date.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.sequence IS 'Position of its CreditNoteIssued in the invoice''s stream.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.cfdi_sealed_at IS 'When its CFDI was sealed; NULL when not sealed yet.';
COMMENT ON COLUMN cfdi_credit_notes_awaiting_stamp.cfdi_sealed_xml_sha256 IS 'The sealed CFDI''s address in the blob store: a retry sends these very bytes.';

CREATE VIEW cfdi_awaiting_cancellation WITH (security_invoker = true) AS
SELECT i.tenant_id, i.invoice_id, i.number, i.cfdi_uuid, i.cfdi_xml_sha256,
       i.cfdi_cancellation_status, i.cfdi_cancellation_reason,
       i.cfdi_cancellation_replacement_uuid, i.cfdi_cancellation_requested_on
FROM invoices i
WHERE i.cfdi_cancellation_status IN ('REQUESTED', 'SUBMITTED');

COMMENT ON VIEW cfdi_awaiting_cancellation IS 'Mexico: stamped invoices whose cancellation SAT has not decided yet: what folio serve still has to send to the PAC (REQUESTED) or ask SAT''s status service about (SUBMITTED).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN cfdi_awaiting_cancellation.invoice_id IS 'The invoice (invoices.invoice_id).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.number IS 'Its document number.';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_uuid IS 'The fiscal folio to cancel.';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_xml_sha256 IS 'The stamped CFDI''s address in the blob store (its issuer, receiver and total name it to SAT''s status service).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_cancellation_status IS 'REQUESTED (to send) or SUBMITTED (SAT decides).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_cancellation_reason IS 'SAT''s reason code (01 to 04).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_cancellation_replacement_uuid IS 'For reason 01, the replacing fiscal folio (FolioSustitucion).';
COMMENT ON COLUMN cfdi_awaiting_cancellation.cfdi_cancellation_requested_on IS 'The day it was asked for.';
