"""The random evolution of ``tests/test_random_evolution.py``: random schemas and random edits.

``model`` (tables, columns, renames) -> ``source`` (a schema as model code and snapshot text)
-> ``changes`` (the change lines `tool snapshot` must print between two schemas);
``choices`` (what is drawn from) -> ``candidates`` (the evolving schema, and what each edit
may touch) -> ``table_edits``, ``column_edits``, ``key_edits`` (the edits) -> ``edits`` (when
each applies, how often) -> ``strategy`` (the Hypothesis strategy of whole evolutions).
"""
