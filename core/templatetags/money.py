"""``{{ amount_cents|money:currency }}``: an amount in minor units as people read it."""

from django import template

from core.money import money as format_money

register = template.Library()


@register.filter
def money(cents, currency: str = "USD") -> str:
    return format_money(cents, currency)
