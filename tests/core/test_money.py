"""Money for people: minor units to the currency's units and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import from_units, minor_digits, money, to_units


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (25000, "USD", "$250.00"),
        (1500, "JPY", "¥1,500"),
        (1250, "EUR", "€12.50"),
        (5, "USD", "$0.05"),
    ],
)
def test_amounts_are_shown_in_the_currencys_units(cents, currency, shown):
    assert money(cents, currency) == shown


@given(cents=st.integers(0, 10**12), currency=st.sampled_from(["USD", "JPY", "EUR", "KWD"]))
def test_typed_units_round_trip_to_the_same_minor_units(cents, currency):
    assert from_units(f"{to_units(cents, currency):,}", currency) == cents


@pytest.mark.parametrize("typed", ["-1", "abc", "1.234", "", "nan"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(ValueError):
        from_units(typed, "USD")


def test_minor_digits_follow_iso_4217():
    assert (minor_digits("USD"), minor_digits("JPY"), minor_digits("KWD")) == (2, 0, 3)
