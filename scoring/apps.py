from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Members and scoring"

    def ready(self) -> None:
        from scoring import receivers  # noqa: F401  (connects allauth signals)
