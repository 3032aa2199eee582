"""The Celery application. Workers: ``celery -A klout worker``; beat: ``celery -A klout beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klout.settings")

app = Celery("klout")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _in_process_without_a_broker(sender: Celery, **kwargs) -> None:
    """With no broker configured, tasks run eagerly in process; the in-memory transport keeps
    kombu from looking for an AMQP server on localhost (and warning about it) when a task is
    sent with a countdown."""
    if not sender.conf.broker_url:
        sender.conf.broker_url = "memory://localhost/"
