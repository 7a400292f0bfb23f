"""``python -m cultivar_schema.cli``."""

from cultivar_schema.cli.cli import main

main()
