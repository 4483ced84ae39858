"""``python -m generator`` runs the same command line as ``openaffairs``."""

from .cli import run

run()
