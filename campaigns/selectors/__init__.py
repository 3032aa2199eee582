"""Reads of the campaigns app, one module per area: ``brands`` (memberships, a brand's
campaigns, the data export), ``offers`` (a member's campaigns), ``eligibility`` (the rules)
and ``fairness`` (the report, with its population in ``fairness_population``)."""
