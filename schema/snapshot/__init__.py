"""Models -> canonical table dicts -> YAML files and back: import, serialize, load, store, and
snapshots reflected from a database.
"""
