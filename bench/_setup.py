"""Shared set-up of the benchmarks: a database of their own, Django ready, RESULT lines."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DATA", ROOT.parent / "shared" / "data" / "higgs-twitter"))


def django_setup(database: str) -> str:
    """Point Django at a fresh benchmark database; returns the vendor in use."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klout.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql")):
        base, _, _ = url.rpartition("/")
        _recreate_postgres(url, database)
        os.environ["DATABASE_URL"] = f"{base}/{database}"
    else:
        path = ROOT / "var" / f"{database}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["SQLITE_PATH"] = str(path)
        print("DATABASE_URL is not PostgreSQL: running on SQLite (figures are not comparable)")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _recreate_postgres(url: str, database: str) -> None:
    import psycopg

    admin_url = url.rpartition("/")[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')


def result(
    name: str,
    figure: float,
    unit: str,
    anchor: float,
    anchor_unit: str,
    ratio: float,
    target: float,
) -> None:
    verdict = "PASS" if ratio <= target else "MISS"
    print(
        f"RESULT {name}: {figure:,.3f} {unit} vs anchor {anchor:,.3f} {anchor_unit} "
        f"= {ratio:.2f}x (target <= {target}x) {verdict}"
    )
