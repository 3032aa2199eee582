"""Claims under load: gunicorn on loopback, a threaded HTTP client, PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/claims.py

Every request is a distinct member (token authentication) claiming a first-come code perk
with an idempotency key. Anchor: the same members calling the smallest authenticated view
(``GET /api/v1/ping/``) on the same server, with the same concurrency. Both paths are warmed
in every worker first (a worker's first claim also opens its broker connection). Target:
claim throughput at least half of the anchor's (printed as the anchor's rate over the claims'
rate, at most 2x), each the median of five rounds that alternate anchor and claims (a new
perk each round; this machine's speed swings by a third from one round to the next). Then a
perk with 50 units is claimed by 400 members at once: the oversell count (claims beyond the
units, codes given twice, members twice) must be 0.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

from _setup import ROOT, django_setup, result

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
THREADS = 16
WORKERS = 4
ROUNDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def populate(n_members: int, units: int, title: str, tokens: list[str] | None = None):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from campaigns.models import Brand, Campaign
    from perks.models import Perk, PerkCode
    from scoring.models import AlgorithmVersion, Member, MemberScore, ScoreRun

    now = timezone.now()
    brand, _ = Brand.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    campaign, _ = Campaign.objects.get_or_create(
        brand=brand,
        name="Bench",
        defaults={
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=30),
            "budget_cents": 10**9,
            "status": "live",
        },
    )
    perk = Perk.objects.create(
        campaign=campaign,
        title=title,
        kind="code",
        quantity=units,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        disclosure_text="#ad",
    )
    PerkCode.objects.bulk_create(PerkCode(perk=perk, code=f"{title}-{i}") for i in range(units))
    if tokens is not None:
        return perk, tokens
    run = ScoreRun.objects.create(
        version=AlgorithmVersion.objects.get(is_active=True), status="complete", as_of=now
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{i}", email=f"bench{i}@example.org") for i in range(n_members)
    )
    members = Member.objects.bulk_create(
        Member(user=u, opted_in_at=now, visibility="brands") for u in users
    )
    MemberScore.objects.bulk_create(
        MemberScore(
            run=run,
            member=m,
            score=50,
            true_reach=1,
            amplification=1,
            network_impact=1,
            raw=1,
            visible_to_brands=True,
        )
        for m in members
    )
    tokens = [
        t.key
        for t in Token.objects.bulk_create(Token(user=u, key=uuid.uuid4().hex[:40]) for u in users)
    ]
    return perk, tokens


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_USER_RATE": "100000/minute",
        "DATABASE_CONN_MAX_AGE": "60",  # persistent connections, as in production
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "klout.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def load(port: int, requests: list[tuple[str, str, str]]) -> tuple[float, list[float], list[int]]:
    """Send (method, path, token) requests from THREADS threads with keep-alive; returns
    wall time, latencies and status codes."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    chunks = [requests[i::THREADS] for i in range(THREADS)]

    def worker(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], []
        for method, path, token in chunk:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            if method == "POST":
                headers["Idempotency-Key"] = uuid.uuid4().hex
            started = time.perf_counter()
            conn.request(method, path, body=b"{}" if method == "POST" else None, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, statuses


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000


def main() -> None:
    vendor = django_setup("bench_claims")
    from perks.models import Claim, PerkCode

    perk, tokens = populate(MEMBERS, MEMBERS, "LOAD")
    perks = [perk] + [populate(0, MEMBERS, f"LOAD{r}", tokens=tokens)[0] for r in range(1, ROUNDS)]
    warm, _ = populate(0, 200, "WARM", tokens=tokens)
    port = free_port()
    server = start_server(port)
    pings, claims = [], []
    try:
        # Warm both paths in every worker first: a worker's first claim also opens its
        # connection to the task broker (imports, connection pool), once per process.
        load(port, [("GET", "/api/v1/ping/", t) for t in tokens[:200]])
        load(port, [("POST", f"/api/v1/perks/{warm.pk}/claims/", t) for t in tokens[:200]])
        # Anchor and claims alternate, a fresh perk each round, so a slow spell of the
        # machine falls on both; the figures are the medians of the rounds.
        for r, round_perk in enumerate(perks, start=1):
            pings.append(load(port, [("GET", "/api/v1/ping/", t) for t in tokens]))
            claims.append(
                load(port, [("POST", f"/api/v1/perks/{round_perk.pk}/claims/", t) for t in tokens])
            )
            print(
                f"round {r}: ping {len(tokens) / pings[-1][0]:,.0f} req/s, "
                f"claims {len(tokens) / claims[-1][0]:,.0f} claims/s"
            )
        race, _ = populate(0, 50, "RACE", tokens=tokens)
        load(port, [("POST", f"/api/v1/perks/{race.pk}/claims/", t) for t in tokens[:400]])
    finally:
        server.terminate()
        server.wait(timeout=10)
    ping_rate = statistics.median(len(tokens) / s for s, _, _ in pings)
    claim_rate = statistics.median(len(tokens) / s for s, _, _ in claims)
    ping_lat = [x for _, lat, _ in pings for x in lat]
    claim_lat = [x for _, lat, _ in claims for x in lat]
    ping_codes = [c for _, _, codes in pings for c in codes]
    claim_codes = [c for _, _, codes in claims for c in codes]
    ok = sum(1 for c in claim_codes if c == 201)
    print(
        f"database: {vendor}; gunicorn {WORKERS} workers, {THREADS} client threads, "
        f"{len(tokens):,} members"
    )
    print(
        f"anchor GET /api/v1/ping/: {ping_rate:,.0f} req/s, p95 {p95(ping_lat):.1f} ms, "
        f"statuses {sorted(set(ping_codes))}"
    )
    print(
        f"claims: {claim_rate:,.0f} claims/s, p95 {p95(claim_lat):.1f} ms, {ok:,} created, "
        f"statuses {sorted(set(claim_codes))}"
    )
    race_claims = Claim.objects.filter(perk=race)
    given = PerkCode.objects.filter(perk=race, claim__isnull=False)
    oversell = (
        max(race_claims.count() - race.quantity, 0)
        + (given.count() - given.values("code").distinct().count())
        + (race_claims.count() - race_claims.values("member").distinct().count())
    )
    print(
        f"race: 400 members for {race.quantity} units -> {race_claims.count()} claims, "
        f"{given.count()} codes given; oversell count {oversell}"
    )
    result(
        "claims-throughput", claim_rate, "claims/s", ping_rate, "req/s", ping_rate / claim_rate, 2
    )
    print(f"RESULT claims-oversell: {oversell} (target 0) {'PASS' if oversell == 0 else 'MISS'}")
    print(
        json.dumps(
            {"claims_p95_ms": round(p95(claim_lat), 1), "ping_p95_ms": round(p95(ping_lat), 1)}
        )
    )


if __name__ == "__main__":
    main()
