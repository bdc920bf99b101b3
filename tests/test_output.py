"""CSV formatting of shares (SLA_SPEC §6): exact where the decimal ends, else six places; never percentages."""
from decimal import Decimal
from fractions import Fraction

import pytest

from slametrics.output import exact_share


@pytest.mark.parametrize("value, text", [
    (Fraction(19, 20), "0.95"), (Fraction(1), "1"), (Fraction(0), "0"), (Fraction(127, 128), "0.9921875"),
    (Fraction(2, 3), "0.666667"), (Fraction(131, 181), "0.723757"), (Fraction(1, 3000000), "0.000000"),
    (Decimal("0.1234567"), "0.1234567"), (Decimal("0.0000001"), "0.0000001"), (Decimal("0.150"), "0.15"),
    (None, ""),
])
def test_a_share_is_written_exactly_where_its_decimal_ends_else_to_six_places(value, text):
    assert exact_share(value) == text
