"""The arrows of ../shared/ARCHITECTURE.md, kept true by reading every import of the project.

klout (the shell) -> perks -> campaigns -> scoring -> core: a module may import its own layer
and the layers below it, never one above; ``core`` imports no app; the pure packages
(``scoring/engine``, ``scoring/ingest``, ``scoring/connectors``) import no web framework and no
project module outside the pure packages. Imports inside functions count: a lazy import is an
arrow all the same.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("klout", "perks", "campaigns", "scoring", "core")  # top to bottom
PURE = ("scoring.engine", "scoring.ingest", "scoring.connectors")
FRAMEWORKS = (
    "django",
    "rest_framework",
    "allauth",
    "celery",
    "kombu",
    "drf_spectacular",
    "django_filters",
    "django_celery_beat",
    "psycopg",
)


@dataclass(frozen=True)
class Arrow:
    path: str  # the importing file, relative to the root
    line: int
    source: str  # the importing module, dotted
    target: str  # what it imports, dotted


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(source: str, is_package: bool, level: int, module: str | None) -> str:
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def _targets(node: ast.AST, source: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = node.module
        if node.level:
            module = _resolve_relative(source, is_package, node.level, node.module)
        # ``from scoring import models`` reaches scoring.models: name what is taken.
        return [f"{module}.{alias.name}" if alias.name != "*" else module for alias in node.names]
    return []


def arrows(root: Path) -> list[Arrow]:
    """Every import in the project's packages under ``root`` (tests and benchmarks aside)."""
    found = []
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            source = _module_name(path, root)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                for target in _targets(node, source, path.name == "__init__.py"):
                    rel = str(path.relative_to(root))
                    found.append(Arrow(rel, node.lineno, source, target))
    return found


def _layer(dotted: str) -> int | None:
    top = dotted.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def _within(dotted: str, packages: tuple[str, ...]) -> bool:
    return any(dotted == p or dotted.startswith(p + ".") for p in packages)


def _wrong(arrow: Arrow) -> str | None:
    source_layer, target_layer = _layer(arrow.source), _layer(arrow.target)
    if _within(arrow.source, PURE):
        if arrow.target.split(".")[0] in FRAMEWORKS:
            return "the pure packages import no web framework"
        if target_layer is not None and not _within(arrow.target, PURE):
            return "the pure packages import only each other"
    if target_layer is None or source_layer is None or target_layer >= source_layer:
        return None
    if LAYERS[source_layer] == "core":
        return "core imports no app"
    return f"{LAYERS[source_layer]} may not import {LAYERS[target_layer]}, which is above it"


def violations(root: Path = ROOT) -> list[str]:
    return [
        f"{a.path}:{a.line}: {a.source} imports {a.target}: {why}"
        for a in arrows(root)
        if (why := _wrong(a)) is not None
    ]


def test_import_direction_the_project_keeps_every_arrow_pointing_down():
    assert violations() == []


def test_import_direction_reads_the_whole_project():
    # A walk that found nothing would pass the test above without checking anything.
    sources = {a.source.split(".")[0] for a in arrows(ROOT)}
    assert sources == set(LAYERS)
    assert any(a.source.startswith("scoring.engine") for a in arrows(ROOT))


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in LAYERS:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("core/mail.py", "from scoring.models import Member\n", "core imports no app"),
        ("scoring/views.py", "from campaigns import selectors\n", "scoring may not import"),
        (
            "campaigns/selectors.py",
            "def count():\n    from perks.models import Claim\n    return Claim\n",
            "campaigns may not import perks",
        ),
        ("perks/urls.py", "import klout.urls\n", "perks may not import klout"),
        ("scoring/engine/model.py", "import django.db\n", "import no web framework"),
        ("scoring/ingest/snap.py", "from scoring import models\n", "import only each other"),
        ("scoring/ingest/files.py", "from ..models import Action\n", "import only each other"),
        ("core/api.py", "from klout.settings import DEBUG\n", "core imports no app"),
    ],
)
def test_import_direction_a_wrong_import_is_reported(tmp_path, name, text, why):
    found = violations(_tree(tmp_path, {name: text}))
    assert len(found) == 1
    assert found[0].startswith(f"{name}:") and why in found[0]


def test_import_direction_imports_that_point_down_are_allowed(tmp_path):
    root = _tree(
        tmp_path,
        {
            "klout/urls.py": "import perks.urls\nimport core.urls\n",
            "perks/selectors.py": "from campaigns.models import Campaign\nfrom . import models\n",
            "campaigns/fairness.py": "from scoring import selectors\nimport numpy\n",
            "scoring/engine/graph.py": "from scoring.ingest.records import ActionRecord\n",
            "scoring/services.py": "from core.errors import DomainError\nimport django\n",
        },
    )
    assert violations(root) == []
