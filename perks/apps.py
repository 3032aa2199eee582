from django.apps import AppConfig


class PerksConfig(AppConfig):
    name = "perks"
    verbose_name = "Perks and claims"

    def ready(self) -> None:
        from perks import (
            brand_admin,  # noqa: F401  (registers perks in the brand admin)
            receivers,  # noqa: F401  (settles campaigns when they end)
        )
