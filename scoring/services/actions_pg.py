"""The PostgreSQL fast path of the import: COPY into a staging table, then set-based SQL.

The parsed records are streamed into a temporary table with COPY; members, anonymous actors,
posts and actions are then resolved and inserted by a few INSERT ... SELECT statements with
conflict handling, in the caller's transaction. SQL is built only from the models' table
names; every value travels as a parameter or through COPY. Same rules as the ORM path (consent, demo
members, idempotency), tested by the same suite on both databases.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connection

from scoring.ingest.records import ActionRecord, actor_key, cohort_key, dedupe_key
from scoring.models import Action, AnonymousActor, Content, Member, NetworkAccount

STAGE_COLUMNS = (
    "network, actor_id, actor_key, subject_id, kind, occurred_at, content_id, content_text, "
    "content_tags, dedupe_key, actor_cohort"
)


TEMP_TABLES = "import_stage, import_resolved, import_new_subjects"


def _tables() -> dict[str, str]:
    return {
        "member": Member._meta.db_table,
        "account": NetworkAccount._meta.db_table,
        "anonymous": AnonymousActor._meta.db_table,
        "content": Content._meta.db_table,
        "action": Action._meta.db_table,
    }


class PgStager:
    """Collects action records into ``import_stage`` (dropped at commit)."""

    def __init__(self) -> None:
        self.staged = 0
        self.key = settings.ACTOR_HASH_KEY
        with connection.cursor() as cursor:
            # An earlier import in the same outer transaction may have left its tables.
            cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLES}")
            cursor.execute(
                "CREATE TEMP TABLE import_stage (network text, actor_id text, actor_key uuid, "
                "subject_id text, kind text, occurred_at timestamptz, content_id text, "
                "content_text text, content_tags jsonb, dedupe_key uuid, actor_cohort int8) "
                "ON COMMIT DROP"
            )

    def add(self, records: list[ActionRecord]) -> None:
        key = self.key
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY import_stage ({STAGE_COLUMNS}) FROM STDIN") as copy:
                for r in records:
                    copy.write_row(
                        (
                            r.network,
                            r.actor_id,
                            actor_key(key, r.network, r.actor_id) if r.actor_id else None,
                            r.subject_id,
                            r.kind,
                            r.occurred_at,
                            r.content_id,
                            r.content_text,
                            json.dumps(list(r.content_tags)) if r.content_tags else None,
                            dedupe_key(key, r),
                            cohort_key(key, r),
                        )
                    )
        self.staged += len(records)

    def finish(self, *, demo_members: bool, import_batch_id: int | None) -> dict[str, int]:
        """Insert everything staged. Returns the counts: stored, not_member, duplicates,
        demo_members_created."""
        t = _tables()
        counts = {"stored": 0, "not_member": 0, "duplicates": 0, "demo_members_created": 0}
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE import_stage")
            if demo_members:
                counts["demo_members_created"] = self._demo_members(cursor, t)
            resolved = self._resolve_subjects(cursor, t)
            counts["not_member"] = self.staged - resolved
            self._anonymous_actors_insert(cursor, t)
            self._contents_insert(cursor, t)
            counts["stored"] = self._actions_insert(cursor, t, import_batch_id)
            counts["duplicates"] = resolved - counts["stored"]
            cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLES}")
        return counts

    def _resolve_subjects(self, cursor, t: dict[str, str]) -> int:
        """The staged actions on opted-in members' accounts, with the subject's account id,
        into import_resolved. Returns how many."""
        cursor.execute(
            "CREATE TEMP TABLE import_resolved ON COMMIT DROP AS "
            "SELECT s.*, a.id AS subject_account_id "
            f"FROM import_stage s JOIN {t['account']} a "
            "ON a.network = s.network AND a.external_id = s.subject_id "
            f"JOIN {t['member']} m ON m.id = a.member_id AND m.opted_in_at IS NOT NULL"
        )
        resolved = cursor.rowcount
        cursor.execute("ANALYZE import_resolved")
        return resolved

    def _anonymous_actors_insert(self, cursor, t: dict[str, str]) -> None:
        """An anonymous actor for each named actor who is nobody's account yet."""
        cursor.execute(
            f"INSERT INTO {t['anonymous']} (network, key_hash) "
            "SELECT DISTINCT r.network, r.actor_key FROM import_resolved r "
            "WHERE r.actor_key IS NOT NULL AND NOT EXISTS ("
            f"  SELECT 1 FROM {t['account']} a "
            "  WHERE a.network = r.network AND a.external_id = r.actor_id) "
            "ORDER BY r.actor_key "  # in index order: far cheaper index inserts
            "ON CONFLICT (key_hash) DO NOTHING"
        )

    def _contents_insert(self, cursor, t: dict[str, str]) -> None:
        """The posts the actions name that are not stored yet, once each, with a text when
        any of their actions gave one."""
        cursor.execute(
            f"INSERT INTO {t['content']} (account_id, external_id, text, tags, posted_at) "
            "SELECT DISTINCT ON (subject_account_id, content_id) subject_account_id, "
            "content_id, coalesce(content_text, ''), coalesce(content_tags, '[]'), NULL "
            "FROM import_resolved WHERE content_id IS NOT NULL "
            "ORDER BY subject_account_id, content_id, nullif(content_text, '') NULLS LAST "
            "ON CONFLICT (account_id, external_id) DO NOTHING"
        )

    def _actions_insert(self, cursor, t: dict[str, str], import_batch_id: int | None) -> int:
        """The actions themselves, linked to their post and actor; one already stored (the
        same dedupe key) is skipped. Returns how many were stored."""
        cursor.execute(
            f"INSERT INTO {t['action']} (network, subject_id, content_id, actor_account_id, "
            "actor_anonymous_id, kind, occurred_at, import_batch_id, dedupe_key, created_at, "
            "actor_cohort) "
            "SELECT r.network, r.subject_account_id, c.id, aa.id, an.id, r.kind, "
            "r.occurred_at, %s, r.dedupe_key, now(), r.actor_cohort FROM import_resolved r "
            f"LEFT JOIN {t['content']} c "
            "  ON c.account_id = r.subject_account_id AND c.external_id = r.content_id "
            f"LEFT JOIN {t['account']} aa "
            "  ON aa.network = r.network AND aa.external_id = r.actor_id "
            f"LEFT JOIN {t['anonymous']} an ON aa.id IS NULL AND an.key_hash = r.actor_key "
            "ORDER BY r.dedupe_key "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            [import_batch_id],
        )
        return cursor.rowcount

    def _demo_members(self, cursor, t: dict[str, str]) -> int:
        """One flagged, opted-in demo member per subject that is nobody's account."""
        cursor.execute(
            "CREATE TEMP TABLE import_new_subjects ON COMMIT DROP AS "
            f"SELECT nextval(pg_get_serial_sequence('{t['member']}', 'id')) AS member_id, "
            "s.network, s.subject_id FROM (SELECT DISTINCT network, subject_id FROM import_stage"
            ") s WHERE NOT EXISTS ("
            f"  SELECT 1 FROM {t['account']} a "
            "  WHERE a.network = s.network AND a.external_id = s.subject_id) "
            "ORDER BY s.network, s.subject_id"
        )
        created = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {t['member']} (id, user_id, display_name, opted_in_at, visibility, "
            "is_demo, created_at, public_id) SELECT member_id, NULL, "
            "left('Demo ' || network || ' ' || subject_id, 80), now(), 'private', true, now(), "
            "gen_random_uuid() FROM import_new_subjects"
        )
        cursor.execute(
            f"INSERT INTO {t['account']} (member_id, network, external_id, handle, source, "
            "connected_at) SELECT member_id, network, subject_id, "
            "left('demo_' || subject_id, 191), 'demo', now() FROM import_new_subjects"
        )
        return created
