"""The campaigns app's API, one module per area: ``campaigns`` (a brand's campaign: edit,
lifecycle, checkout, eligible members; the shared serializers), ``brands``, ``targeting``
(the live preview), ``members`` (a member's offers and decisions) and ``fairness``."""
