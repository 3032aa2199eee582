"""The Celery application. Workers: ``celery -A klout worker``; beat: ``celery -A klout beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klout.settings")

app = Celery("klout")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
