"""Import the SNAP Higgs activity log with --demo-members, next to a plain COPY of its rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/ingest.py

Anchor: the same rows COPY'd into an unindexed table (the floor of any import). Target: the
import takes at most 3 times as long. Peak memory is measured in child processes importing a
quarter and all of the file: it must not grow with the file size.
"""

from __future__ import annotations

import gzip
import io
import json
import resource
import subprocess
import sys
import time

from _setup import DATA, ROOT, django_setup, result

HIGGS = DATA / "higgs-activity_time.txt.gz"


def plain_copy_seconds() -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_plain_copy (a bigint, b bigint, ts bigint, kind text)"
        )
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor, gzip.open(HIGGS, "rb") as raw:
        with cursor.cursor.copy("COPY bench_plain_copy FROM STDIN (DELIMITER ' ')") as copy:
            while chunk := raw.read(1 << 20):
                copy.write(chunk)
                rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_copy")
    return seconds, rows


def import_seconds(path) -> tuple[float, object]:
    from scoring.models import ImportBatch
    from scoring.services.imports import import_batch_process

    batch = ImportBatch.objects.create(
        original_name=path.name,
        format="snap",
        network="twitter",
        demo_members=True,
        bytes_total=path.stat().st_size,
    )
    started = time.perf_counter()
    with open(path, "rb") as stream:
        batch = import_batch_process(batch=batch, stream=stream)
    return time.perf_counter() - started, batch


def child(fraction: float) -> None:
    """Import the first ``fraction`` of the file; print the peak RSS in MB as JSON."""
    vendor = django_setup(f"klout_bench_ingest_mem_{int(fraction * 100)}")
    lines = gzip.open(HIGGS, "rb").readlines()
    part = b"".join(lines[: int(len(lines) * fraction)])
    del lines
    path = ROOT / "var" / f"bench-higgs-{int(fraction * 100)}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(part)
    del part
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import_seconds(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path.unlink()
    print(json.dumps({"vendor": vendor, "before_mb": base, "peak_mb": peak}))


def peak_memory(fraction: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(fraction)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    if not HIGGS.is_file():
        print(f"SKIP ingest: {HIGGS} is not there")
        return
    vendor = django_setup("klout_bench_ingest")
    print(f"database: {vendor}; file: {HIGGS}")
    copy_s, rows = plain_copy_seconds()
    print(f"anchor: plain COPY of {rows:,} rows into an unindexed table: {copy_s:.2f}s")
    seconds, batch = import_seconds(HIGGS)
    print(
        f"import: read {batch.read:,}, stored {batch.stored:,}, demo members "
        f"{batch.demo_members_created:,} in {seconds:.2f}s ({batch.stored / seconds:,.0f} actions/s)"
    )
    again, batch2 = import_seconds(HIGGS)
    print(
        f"re-import of the same file: stored {batch2.stored:,}, duplicates {batch2.duplicates:,}"
        f" in {again:.2f}s"
    )
    result(
        "ingest", batch.stored / seconds, "actions/s", rows / copy_s, "rows/s", seconds / copy_s, 3
    )
    quarter, whole = peak_memory(0.25), peak_memory(1.0)
    growth = (whole["peak_mb"] - whole["before_mb"]) / max(
        quarter["peak_mb"] - quarter["before_mb"], 1
    )
    print(
        f"peak memory of the import: quarter file +{quarter['peak_mb'] - quarter['before_mb']:.0f} MB,"
        f" whole file +{whole['peak_mb'] - whole['before_mb']:.0f} MB"
    )
    result(
        "ingest-memory",
        whole["peak_mb"],
        "MB peak (whole file)",
        quarter["peak_mb"],
        "MB peak (quarter file)",
        whole["peak_mb"] / quarter["peak_mb"],
        1.25,
    )
    _ = growth, io


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(float(sys.argv[2]))
    else:
        main()
