"""Live database vs snapshot (``drift.schema_drift``), with what Alembic's comparison leaves out in
``details``, ``constraints``, ``defaults`` and ``types``."""
