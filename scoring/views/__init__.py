"""The scoring app's pages, one module per area: members.py (dashboard and settings),
imports.py (uploads and their progress), topics.py (my topics, public profiles, +K). Routes
are in scoring/urls.py."""
