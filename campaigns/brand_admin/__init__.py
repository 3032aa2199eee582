"""The brand admin (``/brand-admin/``): a second admin site where brand staff manage only
their own brands' campaigns, staff and invitations.

Every model admin here is scoped by membership: querysets, object permissions, foreign-key
choices, actions and exports. Another brand's object is indistinguishable from one that
does not exist. Writes go through the services, which check roles again.

``site`` holds the site and the scoping (``BrandScoped``, ``user_brands``: the perks app
registers its pages with them); importing this package registers the campaign pages
(``campaigns``) and the brand pages (``brands``).
"""

from campaigns.brand_admin import brands, campaigns  # noqa: F401  (registers the pages)
from campaigns.brand_admin.site import BrandScoped, brand_admin_site, user_brands

__all__ = ["BrandScoped", "brand_admin_site", "user_brands"]
