"""Generic test support driven by the registry (ANCHORS §4).

* :mod:`.api` — small helpers to call the REST API and check problem+json answers;
* :mod:`.factories` — valid create data for every registered entity, built from its FieldSpecs,
  with a per-entity override hook for what cannot be generated (polymorphic references);
* :mod:`.query_counts` — committed query-count baselines (``tests/query_counts.json``), rewritten
  with ``RAPPORT_UPDATE_QUERY_COUNTS=1`` (NetBox pattern).

Only tests import this package.
"""
