"""Reads [[scheme, tax_id], ...] as JSON on stdin and prints, as one JSON line,
whether python-stdnum (the reference library of these formats) finds each id
valid: scheme "eu" is stdnum.eu.vat (a prefixed EU VAT number), "gb"
stdnum.gb.vat, "mx" stdnum.mx.rfc with its check digit."""

import json
import sys

from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.mx import rfc as mx_rfc

CHECKS = {
    "eu": eu_vat.is_valid,
    "gb": gb_vat.is_valid,
    "mx": lambda rfc: mx_rfc.is_valid(rfc, validate_check_digits=True),
}

candidates = json.load(sys.stdin)
print(json.dumps([bool(CHECKS[scheme](tax_id)) for scheme, tax_id in candidates]))
