"""Money for people. Amounts are stored in integer minor units with an ISO 4217 currency
(as Stripe counts); this turns them into what people read, with the currency's own digits
and symbol (Babel's CLDR data: "$250.00", "¥1,500", "€12.50"; a currency the locale has no
symbol for reads with its code, "SEK250.00")."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision

LOCALE = "en_US"


def minor_digits(currency: str) -> int:
    """Digits of the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        return get_currency_precision(currency.upper())
    except (KeyError, ValueError):
        return 2


def to_units(cents: int, currency: str) -> Decimal:
    return Decimal(int(cents)).scaleb(-minor_digits(currency))


def money(cents: int | None, currency: str, *, locale: str = LOCALE) -> str:
    """An amount in minor units as people read it."""
    if cents is None:
        return ""
    code = (currency or "USD").upper()
    return format_currency(to_units(cents, code), code, locale=locale)


def from_units(text: str, currency: str) -> int:
    """What a person typed ("250", "250.5", "1,250.00") as minor units; ValueError when it is
    not an amount, is negative, or has more decimals than the currency has."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(f"{text!r} is not an amount.") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("Enter an amount of zero or more.")
    digits = minor_digits(currency)
    cents = amount.scaleb(digits)
    if cents != cents.to_integral_value():
        raise ValueError(f"{currency.upper()} has {digits} decimal places at most.")
    return int(cents)
