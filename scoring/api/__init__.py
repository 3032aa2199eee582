"""The scoring app's API (``/api/v1/``), one module per area: members.py (the member's
account, consent, networks, activity), imports.py, scores.py (score, statement, history) and
topics.py (topics, disputes, public profiles, +K). Routes are in scoring/urls.py."""
