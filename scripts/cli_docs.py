"""Regenerate docs/cli.md from the command line itself (every command's --help).

    .venv/bin/python scripts/cli_docs.py          # rewrite docs/cli.md
    .venv/bin/python scripts/cli_docs.py --check  # exit 1 when docs/cli.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.cli import main  # noqa: E402

HEAD = """# Command reference

Every command of `openaffairs` (also `python -m generator`), as its `--help` prints it
(regenerate with `python scripts/cli_docs.py`).
Exit codes everywhere: 0 ok, 1 content errors or blocked content, 2 usage errors or a malformed query.
"""


def _help(command: click.Command, name: str, parent: click.Context | None) -> tuple[str, click.Context]:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100, **main.context_settings)
    return command.get_help(ctx), ctx


def render() -> str:
    text, root = _help(main, "openaffairs", None)
    parts = [HEAD, "## openaffairs (the group)\n", "```text\n" + text + "\n```\n"]
    for name, command in main.commands.items():
        sub, _ = _help(command, name, root)
        parts += [f"## openaffairs {name}\n", "```text\n" + sub + "\n```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    target = REPO / "docs" / "cli.md"
    new = render()
    if "--check" in sys.argv:
        sys.exit(0 if target.read_text("utf-8") == new else 1)
    target.write_text(new, "utf-8")
