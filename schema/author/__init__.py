"""Writing project files from a plan: the snapshot command (``record``), revisions, integrity
(``check``, ``rehash``) and ``init``.
"""
