"""The operations of our own, for what Alembic has no operation for, and their renderers."""
