"""Parsers, one per input format. Pure: they read what they are handed and yield validated
:class:`~scoring.ingest.records.ActionRecord` values. No database, no settings."""
