"""Score runs: load the action log as arrays, run the engine, write every score at once.

A run writes all its scores and flips to "complete" in one transaction; readers see only
the latest complete, non-shadow run, so a run that dies leaves the previous scores in force.

execute.py starts and executes runs (the use cases); loading.py reads a run's input;
writing.py calibrates and writes the member scores; topics.py is the topic part of a run;
pg.py the PostgreSQL fast path (COPY out and in).
"""
