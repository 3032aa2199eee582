"""The claim's two round trips on PostgreSQL.

A claim is the hottest write of the product (a popular perk opens and thousands claim it in a
minute), so on PostgreSQL it costs two statements:

1. **Read** (``read``): one query returns everything the claim is decided on: the claim
   already made with this idempotency key, the perk and its campaign, the live score run, the
   member's score and the topic scores, hidden topics and networks the campaign's targeting
   asks about. The decision itself is made by ``eligibility_from_facts`` (in
   ``campaigns.selectors.eligibility``), the same code that decides from the ORM's facts
   (tests compare the two). A claim made
   with an API token is read by the token (``token=``): the same query also finds the
   token's user, so authenticating the request costs no query of its own
   (``PerkClaimView.token_lookup``).
2. **Write** (``insert``): one statement with data-modifying CTEs, atomic on its own: check
   again that the campaign is live and the window open, holding a key-share lock on the
   campaign's row (so the end of a campaign, whose refund locks that row, waits for a claim
   in flight and counts it, or the claim sees the campaign ended and takes nothing); take a
   free code (``FOR UPDATE SKIP LOCKED``), take a unit with a conditional ``UPDATE`` (only
   while ``claimed_count < quantity - reserved_for_inclusion``, and only when a code was
   found for a code perk), insert the claim (only when the unit was taken), give it the code.
   The database's constraints (one active claim per member and perk, one claim per
   idempotency key) refuse duplicates and roll the whole statement back.

The other databases use the ORM path in ``perks.services.claims``, with the same checks.
"""

from __future__ import annotations

import json
import weakref
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

import psycopg
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import DEFERRED
from django.utils import timezone
from rest_framework.authtoken.models import Token

from campaigns.models import Campaign, CampaignTopic
from campaigns.selectors.eligibility import Decision, eligibility_from_facts
from perks.errors import PerkClosed
from perks.models import Claim, ClaimStatus, Perk, PerkCode
from scoring.models import (
    AlgorithmVersion,
    Member,
    MemberScore,
    MemberTopicScore,
    NetworkAccount,
    ScoreRun,
    Topic,
    TopicHide,
)
from scoring.selectors import MemberFacts

PERK_FIELDS = (
    "id",
    "campaign_id",
    "title",
    "kind",
    "allocation",
    "quantity",
    "claimed_count",
    "reserved_for_inclusion",
    "opens_at",
    "closes_at",
)
CAMPAIGN_FIELDS = (
    "id",
    "brand_id",
    "name",
    "status",
    "min_score",
    "max_score",
    "topic_mode",
    "networks",
    "inclusion_share_percent",
)


def _t(model) -> str:
    return model._meta.db_table


def _user_fields() -> list:
    return list(get_user_model()._meta.concrete_fields)


@cache  # the database and the user model are fixed for the process; asked on every claim
def token_read_supported() -> bool:
    """Whether the read can find an API token's user itself: on PostgreSQL, with a user
    model whose columns all live in its own table and load as stored (no field converts
    values from the database: the user is built from the row). The token is DRF's."""
    user = get_user_model()
    return connection.vendor == "postgresql" and all(
        f.model is user and not hasattr(f, "from_db_value") for f in _user_fields()
    )


def _read_sql(where: str, *, by_token: bool = False) -> str:
    """The read, for one member (``where`` names them). ``by_token`` starts from an API
    token instead: the row then begins with the token's user (every column) and the
    token, and the member is the user's, if they have one."""
    source = f"{_t(Member)} m"
    head = ""
    if by_token:
        user = get_user_model()
        head = "".join(f"u.{f.column}, " for f in _user_fields()) + "tk.created, "
        source = (
            f"{_t(Token)} tk JOIN {_t(user)} u ON u.{user._meta.pk.column} = tk.user_id "
            f"LEFT JOIN {_t(Member)} m ON m.user_id = u.{user._meta.pk.column}"
        )
    perk_cols = ", ".join(f"p.{f}" for f in PERK_FIELDS)
    campaign_cols = ", ".join(f"c.{f}" for f in CAMPAIGN_FIELDS)
    wanted = f"SELECT topic_id FROM {_t(CampaignTopic)} WHERE campaign_id = c.id"  # noqa: S608
    return f"""
SELECT {head}m.id, m.opted_in_at IS NOT NULL, m.visibility,
       ex.id, ex.perk_id,
       {perk_cols},
       {campaign_cols},
       r.id, v.name,
       (SELECT s.score FROM {_t(MemberScore)} s WHERE s.run_id = r.id AND s.member_id = m.id),
       (SELECT json_agg(json_build_array(ct.topic_id, ct.min_topic_score, t.name) ORDER BY ct.id)
          FROM {_t(CampaignTopic)} ct JOIN {_t(Topic)} t ON t.id = ct.topic_id
         WHERE ct.campaign_id = c.id),
       (SELECT json_agg(json_build_array(ts.topic_id, ts.score)) FROM {_t(MemberTopicScore)} ts
         WHERE ts.run_id = r.id AND ts.member_id = m.id AND ts.topic_id IN ({wanted})),
       (SELECT json_agg(h.topic_id) FROM {_t(TopicHide)} h
         WHERE h.member_id = m.id AND h.topic_id IN ({wanted})),
       CASE WHEN jsonb_array_length(c.networks) > 0 THEN
         (SELECT json_agg(DISTINCT a.network) FROM {_t(NetworkAccount)} a
           WHERE a.member_id = m.id) END
  FROM {source}
  LEFT JOIN {_t(Claim)} ex ON ex.member_id = m.id AND ex.idempotency_key = %(key)s
  LEFT JOIN {_t(Perk)} p ON p.id = %(perk)s
  LEFT JOIN {_t(Campaign)} c ON c.id = p.campaign_id
  LEFT JOIN LATERAL (
        SELECT id, version_id FROM {_t(ScoreRun)}
         WHERE status = 'complete' AND NOT is_shadow ORDER BY as_of DESC, id DESC LIMIT 1
       ) r ON true
  LEFT JOIN {_t(AlgorithmVersion)} v ON v.id = r.version_id
 WHERE {where}
"""  # noqa: S608 - table and column names only


_PLANNED: weakref.WeakSet = weakref.WeakSet()  # connections told to keep generic plans


def _execute(sql: str, params: dict):
    """Run a statement of this module prepared: planned once per connection (these joins
    cost more to plan than to run), with server-side parameters; errors are Django's.
    The connection keeps one generic plan per statement (``plan_cache_mode``: only
    prepared statements, which only this module uses, are affected): PostgreSQL would
    otherwise keep planning these for each set of parameters."""
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        if raw.prepare_threshold is None:  # Django's default turns preparing off...
            raw.prepare_threshold = 2**31  # ...on: only where asked (prepare=True)
        if raw not in _PLANNED and not connection.in_atomic_block:
            # Outside a transaction the setting commits with its statement; inside one a
            # rollback would undo it, so it waits for a call in autocommit.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            _PLANNED.add(raw)
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def _loaded(model, names, values):
    """An instance as the ORM loads it, with only these fields (the others deferred): one
    value per column, in the model's order, is the ORM's own fast path."""
    data = dict(zip(names, values, strict=True))
    columns = [f.attname for f in model._meta.concrete_fields]
    return model.from_db("default", columns, [data.get(name, DEFERRED) for name in columns])


_READ_BY_MEMBER = _read_sql("m.id = %(member)s")
_READ_BY_USER = _read_sql("m.user_id = %(user)s")
_READ_BY_TOKEN = _read_sql("tk.key = %(token)s", by_token=True)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class ClaimRead:
    perk_id: int
    key: str
    member_id: int | None
    existing_id: int | None
    existing_perk_id: int | None
    perk: Perk | None
    decision: Decision | None
    # A read by API token only: the token, with its user loaded (None: no such token).
    token: Token | None = None


def read(
    *,
    perk_id: int,
    key: str,
    member_id: int | None = None,
    user=None,
    token: str | None = None,
) -> ClaimRead:
    """Everything the claim is decided on, in one query, for the member (or the user's
    member profile, or the user whose API token this is: no member id is found when the
    user has none yet)."""
    params = {
        "key": key,
        "perk": perk_id,
        "member": member_id,
        "user": getattr(user, "pk", None),
        "token": token,
    }
    if token is not None:
        sql = _READ_BY_TOKEN
    else:
        sql = _READ_BY_MEMBER if member_id is not None else _READ_BY_USER
    row = _execute(sql, params)
    if row is None:
        return ClaimRead(perk_id, key, None, None, None, None, None)
    found = {}
    if token is not None:
        found["token"], row = _token_loaded(row, token)
        if row[0] is None:  # a user without a member profile yet
            return ClaimRead(perk_id, key, None, None, None, None, None, **found)
    return _decided(perk_id, key, row, found)


def _token_loaded(row: tuple, token: str) -> tuple[Token, tuple]:
    """The token with its user, as the ORM would load them, from the head of a read by
    token; and the rest of the row."""
    fields = _user_fields()
    user = get_user_model().from_db("default", [f.attname for f in fields], row[: len(fields)])
    loaded = Token.from_db(
        "default", ["key", "user_id", "created"], [token, user.pk, row[len(fields)]]
    )
    loaded.user = user
    return loaded, row[len(fields) + 1 :]


def _decided(perk_id: int, key: str, row: tuple, found: dict) -> ClaimRead:
    """The read's member, claim, perk and campaign columns, and the decision made on them."""
    member_id, opted_in, visibility, existing_id, existing_perk_id = row[:5]
    ids = (perk_id, key, member_id, existing_id, existing_perk_id)
    at = 5
    perk_values = row[at : at + len(PERK_FIELDS)]
    at += len(PERK_FIELDS)
    campaign_values = list(row[at : at + len(CAMPAIGN_FIELDS)])
    at += len(CAMPAIGN_FIELDS)
    if perk_values[0] is None:
        return ClaimRead(*ids, None, None, **found)
    perk = _perk_loaded(perk_values, campaign_values)
    run_id, version, score, topics, topic_scores, hidden, networks = row[at:]
    topics = _json(topics) or []
    # Without a live run there are no topic facts at all (as the ORM's reading has it).
    hidden_ids = set(_json(hidden) or []) if run_id is not None else set()
    facts = MemberFacts(
        member_id=member_id,
        opted_in=opted_in,
        visibility=visibility,
        run_id=run_id,
        version=version,
        score=score,
        topic_scores={t: s for t, s in _json(topic_scores) or [] if t not in hidden_ids},
        hidden_topics=sorted(hidden_ids),
        networks=sorted(_json(networks) or []),
    )
    decision = eligibility_from_facts(
        campaign=perk.campaign,
        facts=facts,
        wanted=[(t, minimum) for t, minimum, _ in topics],
        names={t: name for t, _, name in topics},
    )
    return ClaimRead(*ids, perk, decision, **found)


def _perk_loaded(perk_values, campaign_values: list) -> Perk:
    """The perk with its campaign, as the ORM would load them from the read's columns."""
    networks = CAMPAIGN_FIELDS.index("networks")
    campaign_values[networks] = _json(campaign_values[networks])
    perk = _loaded(Perk, PERK_FIELDS, perk_values)
    perk.campaign = _loaded(Campaign, CAMPAIGN_FIELDS, campaign_values)
    return perk


def _insert_sql() -> str:
    code, perk, claim, campaign = _t(PerkCode), _t(Perk), _t(Claim), _t(Campaign)
    return f"""
WITH open AS (
    SELECT c.id FROM {campaign} c JOIN {perk} p ON p.campaign_id = c.id
     WHERE p.id = %(perk)s AND c.status = 'live' AND p.opens_at <= now() AND p.closes_at > now()
       FOR KEY SHARE OF c
), code AS (
    SELECT id, code FROM {code}
     WHERE %(needs_code)s AND perk_id = %(perk)s AND claim_id IS NULL
       AND EXISTS (SELECT 1 FROM open)
     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), unit AS (
    UPDATE {perk} SET claimed_count = claimed_count + 1
     WHERE %(takes_unit)s AND id = %(perk)s
       AND claimed_count < quantity - reserved_for_inclusion
       AND EXISTS (SELECT 1 FROM open)
       AND (NOT %(needs_code)s OR EXISTS (SELECT 1 FROM code))
    RETURNING id
), made AS (
    INSERT INTO {claim} (perk_id, member_id, status, idempotency_key, decision, shipping_name,
                         shipping_address, created_at, via_inclusion)
    SELECT %(perk)s, %(member)s, %(status)s, %(key)s, %(decision)s::jsonb, %(name)s,
           %(address)s, %(now)s, %(via)s
     WHERE EXISTS (SELECT 1 FROM open) AND (NOT %(takes_unit)s OR EXISTS (SELECT 1 FROM unit))
    RETURNING id
), given AS (
    UPDATE {code} SET claim_id = (SELECT id FROM made)
     WHERE id = (SELECT id FROM code) AND EXISTS (SELECT 1 FROM made)
    RETURNING code
)
SELECT (SELECT id FROM made), (SELECT code FROM given), EXISTS (SELECT 1 FROM code),
       EXISTS (SELECT 1 FROM open)
"""  # noqa: S608 - table names only


_INSERT_SQL = _insert_sql()
_CLAIM_NAMES = [f.attname for f in Claim._meta.concrete_fields]
# The columns the insert leaves to their defaults: none is callable (a test checks the
# claim below against the stored row, field by field).
_CLAIM_DEFAULTS = {
    f.attname: f.get_default()
    for f in Claim._meta.concrete_fields
    if not (f.has_default() and callable(f.default))
}


def _inserted(**values) -> Claim:
    """The claim just inserted, every field loaded (none deferred), built as the ORM loads
    a row: positionally, which costs a fraction of ``Claim(**values)``."""
    row = [values[n] if n in values else _CLAIM_DEFAULTS[n] for n in _CLAIM_NAMES]
    return Claim.from_db("default", _CLAIM_NAMES, row)


def insert(
    *,
    perk: Perk,
    member_id: int,
    key: str,
    decision: Decision,
    status: str,
    takes_unit: bool,
    needs_code: bool,
    via_inclusion: bool,
    shipping_name: str,
    shipping_address: str,
) -> tuple[Claim | None, bool]:
    """Insert the claim in one statement. Returns the claim (None when no unit was left)
    and whether a free code was found. Raises IntegrityError on a duplicate."""
    now = timezone.now()
    stored = decision.as_dict()
    params = {
        "needs_code": needs_code,
        "takes_unit": takes_unit,
        "perk": perk.pk,
        "member": member_id,
        "status": status,
        "key": key,
        "decision": json.dumps(stored, cls=DjangoJSONEncoder),
        "name": shipping_name,
        "address": shipping_address,
        "now": now,
        "via": via_inclusion,
    }
    # Outside a transaction the statement is its own (one round trip); inside one (a test,
    # a caller's transaction) a savepoint keeps a refused duplicate from spoiling it.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint:
        claim_id, code, code_found, still_open = _execute(_INSERT_SQL, params)
    if not still_open:
        raise PerkClosed("Claims for this perk closed a moment ago.")
    if claim_id is None:
        return None, code_found
    claim = _inserted(
        id=claim_id,
        perk_id=perk.pk,
        member_id=member_id,
        status=status,
        idempotency_key=key,
        decision=stored,
        shipping_name=shipping_name,
        shipping_address=shipping_address,
        created_at=now,
        via_inclusion=via_inclusion,
    )
    claim.perk = perk
    claim.assigned_code = code if status == ClaimStatus.CLAIMED else None
    return claim, code_found
