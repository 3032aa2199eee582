from django.utils.functional import SimpleLazyObject

from campaigns.selectors.brands import user_brand_memberships


def navigation(request) -> dict:
    """Whether to show the brand menu: looked up only when a template asks."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_has_brands": SimpleLazyObject(
            lambda: user.is_authenticated and user_brand_memberships(user=user).exists()
        ),
    }
