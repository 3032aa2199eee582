"""What beat runs, and when (UTC). The entries are synced into django-celery-beat's tables
each time beat starts: staff can pause one in the admin, but its timing comes from here."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "sync-live-networks": {
        "task": "scoring.tasks.network_accounts_sync_due_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "score-run-nightly": {
        "task": "scoring.tasks.score_run_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "clear-expired-sessions": {
        "task": "core.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=17),
    },
    "fulfil-claims": {
        "task": "perks.tasks.claims_fulfil_pending_task",
        "schedule": crontab(minute="*"),
    },
    "draw-lotteries": {
        "task": "perks.tasks.lotteries_draw_task",
        "schedule": crontab(minute="*/5"),
    },
    "expire-lottery-wins": {
        "task": "perks.tasks.lottery_wins_expire_task",
        "schedule": crontab(minute=23),
    },
    "forget-shipping-addresses": {
        "task": "perks.tasks.addresses_forget_task",
        "schedule": crontab(hour=4, minute=7),
    },
    "end-due-campaigns": {
        "task": "campaigns.tasks.campaigns_end_due_task",
        "schedule": crontab(minute="*/15"),
    },
    "settle-ended-campaigns": {
        "task": "perks.tasks.campaigns_settle_task",
        "schedule": crontab(minute=41),
    },
}
