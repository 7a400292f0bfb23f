"""Changes -> ordered Alembic operations (``planner.plan_operations``); ``ops`` holds our own
operation classes."""
