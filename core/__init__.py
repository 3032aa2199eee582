"""The kernel below every app: domain errors and the one API exception handler, mail tasks,
token authentication, health checks and the error pages. It imports no app (a test in the
suite keeps it so)."""
