"""Every write of the campaigns app, one function per use case (see STYLE.md)."""

from campaigns.services.brands import brand_create, user_brand_staff_forget

__all__ = ["brand_create", "user_brand_staff_forget"]
