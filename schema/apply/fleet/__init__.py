"""Fleets: one project's revisions applied to many tenant databases (docs/fleets.md).

``config`` reads ``[tool.schema.fleets.NAME]``; ``targets`` lists a fleet's databases, shards
and stages them; ``rollout`` applies (or inspects) them stage by stage in worker processes;
``report`` renders the outcome.
"""
