"""The campaigns app's pages: ``brands`` (paying a campaign's budget, accepting an
invitation), ``offers`` (the member's campaigns), ``fairness`` (the report's page and CSV)
and ``stripe`` (Stripe's webhook)."""
