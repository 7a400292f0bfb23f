"""Schema as code for SQLAlchemy and Alembic.

The data flows through modules named after each stage:
``config`` -> ``models`` -> ``serialize`` / ``load`` (snapshot files) -> ``store`` (manifest)
-> ``diff`` -> ``plan`` (Alembic operations) -> ``revision`` -> ``apply`` -> ``verify``.
"""

from .compat import import_alembic_by_need

import_alembic_by_need()
