"""Algorithm versions: staff create one, shadow-run it, read its migration report and
switch to it. A version is frozen once it exists: a change is a new version."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from scoring.engine.model import Parameters
from scoring.errors import VersionNotReady
from scoring.models import AlgorithmVersion, ScoreRun


def algorithm_version_create(*, name: str, description: str, parameters: dict) -> AlgorithmVersion:
    """A new, inactive version. Its parameters are checked by building the engine's."""
    defaults = asdict(Parameters())
    unknown = set(parameters) - set(defaults)
    if unknown:
        raise VersionNotReady(f"Unknown parameters: {', '.join(sorted(unknown))}.")
    merged = {**defaults, **parameters}
    try:
        AlgorithmVersion(parameters=merged).engine_parameters()
    except (TypeError, ValueError) as error:
        raise VersionNotReady(f"Invalid parameters: {error}") from None
    return AlgorithmVersion.objects.create(name=name, description=description, parameters=merged)


@transaction.atomic
def algorithm_version_activate(*, version: AlgorithmVersion) -> AlgorithmVersion:
    """Make ``version`` the one members see from the next run on. It must have been shadow
    run so that its effect was seen first. Past scores keep the version they were computed
    with."""
    version = AlgorithmVersion.objects.select_for_update().get(pk=version.pk)
    shadowed = version.runs.filter(is_shadow=True, status=ScoreRun.Status.COMPLETE).exists()
    if not shadowed:
        raise VersionNotReady(
            f"Shadow-run {version.name} and read its migration report before switching to it."
        )
    AlgorithmVersion.objects.filter(is_active=True).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return version
