"""``python -m archiver.cli``."""

from . import cli

cli()
