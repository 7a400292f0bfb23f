"""``python -m tool``."""

from tool.cli import main

main()
