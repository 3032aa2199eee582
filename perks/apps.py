from django.apps import AppConfig


class PerksConfig(AppConfig):
    name = "perks"
    verbose_name = "Perks and claims"
