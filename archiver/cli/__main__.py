"""``python -m archiver.cli``."""

from . import cli

cli(prog_name="archiver")
