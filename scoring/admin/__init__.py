"""Site-staff admin of the scoring app, one module per area: members.py (members and their
network accounts), actions.py (the action log and imports, read only), runs.py (algorithm
versions and score runs), networks.py (live syncs and the stream's lag) and topics.py (the
topic tree, disputes, +K, topic scores). Importing the package registers them all (Django's
admin autodiscovery imports it)."""

from scoring.admin import actions, members, networks, runs, topics  # noqa: F401
