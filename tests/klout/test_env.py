from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from klout.env import env_bool, env_int, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_parse_database_url_postgres():
    config = parse_database_url("postgres://app:s%3Acret@db.local:6543/klout?sslmode=require")
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "klout",
        "USER": "app",
        "PASSWORD": "s:cret",
        "HOST": "db.local",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


def test_parse_database_url_sqlite_absolute_and_relative():
    assert parse_database_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    assert parse_database_url("sqlite:///x.db")["NAME"] == "x.db"


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://u@h/db", "scheme 'mysql' is not supported"),
        ("postgres://u@h/", "names no database"),
        ("postgres://u@h:port/db", "port that is not a number"),
    ],
)
def test_parse_database_url_bad_url_names_problem(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(url)


safe_text = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.!~*"),
    min_size=1,
    max_size=20,
)


@given(user=safe_text, password=safe_text, name=safe_text, port=st.integers(1, 65535))
def test_parse_database_url_round_trips_quoted_parts(user, password, name, port):
    from urllib.parse import quote

    url = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@h:{port}/{quote(name)}"
    config = parse_database_url(url)
    assert (config["USER"], config["PASSWORD"], config["NAME"], config["PORT"]) == (
        user,
        password,
        name,
        str(port),
    )


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        env_bool("SOME_FLAG")


def test_env_int_rejects_garbage(monkeypatch):
    monkeypatch.setenv("SOME_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_INT='ten' is not an integer"):
        env_int("SOME_INT", 1)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    inherited = (
        "DJANGO_",
        "ACTOR_",
        "NETWORK_TOKEN_KEY",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_SERVICES = {
    "DATABASE_URL": "postgres://app@db.internal:5432/klout",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    "CACHE_URL": "redis://cache.internal:6379/1",
}


@pytest.mark.parametrize("missing", sorted(PRODUCTION_SERVICES))
def test_production_without_a_service_url_refuses_to_start(missing):
    services = {k: v for k, v in PRODUCTION_SERVICES.items() if k != missing}
    result = _manage(
        "check",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="example.com",
        ACTOR_HASH_KEY="k",
        NETWORK_TOKEN_KEY="n",
        **services,
    )
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_without_network_token_key_refuses_to_start():
    result = _manage(
        "check",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="example.com",
        ACTOR_HASH_KEY="k",
        **PRODUCTION_SERVICES,
    )
    assert result.returncode != 0
    assert "The environment variable NETWORK_TOKEN_KEY must be set" in result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = _manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = _manage("check", DJANGO_ENV="production", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_check_deploy_has_no_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k9#Vq2!xL0pZ7@rT4$wN8^bY1&mC6*eH3(uJ5)sD-fG_aQ+zX=",
        DJANGO_ALLOWED_HOSTS="klout.example.com",
        ACTOR_HASH_KEY="a-separate-key-for-anonymous-actors",
        NETWORK_TOKEN_KEY="a-separate-key-for-network-sessions",
        **PRODUCTION_SERVICES,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_django_env_refuses_to_start():
    result = _manage("check", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV='staging' is not known" in result.stderr
