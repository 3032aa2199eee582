"""Reads of the perks app, by sub-domain: ``claims`` (what claims hold and owe, which the
campaigns side is told as figures), ``offers`` (what a member can claim), ``export``."""
