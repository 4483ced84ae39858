"""The command line: the only place that prints or exits.

``openaffairs build | check | new | serve | search``; see ``openaffairs --help``.
Content problems are printed as ``path:line: message`` (one a line, stderr),
then a one-line total; exit 1.  Usage problems exit 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BuildError

CONFIG_HELP = "Path of site_config.yml (default: ./site_config.yml)."
NOW_HELP = ("Build time, ISO 8601 (e.g. 2026-12-01T09:00:00+08:00). Decides embargoes and what is 'upcoming'. "
            "Default: $SOURCE_DATE_EPOCH, else the clock.")


def _config_option(f: Any) -> Any:
    return click.option("--config", "config", type=click.Path(path_type=Path), default=Path("site_config.yml"),
                        show_default=False, help=CONFIG_HELP)(f)


def _now_option(f: Any) -> Any:
    return click.option("--now", "now", metavar="ISO8601", default=None, help=NOW_HELP)(f)


def _out_option(f: Any) -> Any:
    return click.option("--out", "out", type=click.Path(path_type=Path), default=None,
                        help="Output folder (default: 'site' next to site_config.yml). Replaced atomically.")(f)


def _progress(quiet: bool) -> Any:
    return (lambda s: None) if quiet else (lambda s: click.echo(s))


def _fail(exc: BuildError) -> None:
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    click.echo(exc.summary(), err=True)
    sys.exit(1)


def _print_held_back(report: Any) -> None:
    for record, decision in report.held_back:
        click.echo(f"held back: {record.source_path}: {decision.reason}")
    for record, decision in report.decisions:
        if decision.outcome.value == "tombstone":
            click.echo(f"tombstone: {record.source_path}: {decision.reason}")


def _default_out(config: Path, out: Path | None) -> Path:
    return out if out is not None else config.parent / "site"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="openaffairs")
def main() -> None:
    """OpenAffairs: build a procuratorate's open-affairs (检务公开) website from a
    repository of Markdown records.

    \b
    Typical use, in the site's folder (where site_config.yml is):
      openaffairs check          validate everything, list what is held back
      openaffairs build          build the site into ./site
      openaffairs serve          preview at http://127.0.0.1:8000, rebuilt on save
      openaffairs new disclosures --title "..."   start a new record

    Only approved records are published; every text passes the privacy filter
    first. See README.md and docs/ for the content model.
    """


@main.command()
@_config_option
@_out_option
@_now_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the held-back list.")
def build(config: Path, out: Path | None, now: str | None, quiet: bool) -> None:
    """Validate, gate, filter and render the whole site into --out.

    Nothing is written when any record has a problem: the previous site stays
    as it was. Exit 0 on success, 1 on content errors or blocked content.
    """
    from .pipeline import build as run_build

    out_dir = _default_out(config, out)
    try:
        report = run_build(config, out_dir, now, _progress(quiet))
    except BuildError as exc:
        _fail(exc)
        return
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _print_held_back(report)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        click.echo(f"Built {report.pages} pages into {out_dir}/ in {report.seconds:.1f} s.", err=True)


@main.command()
@_config_option
@_now_option
@click.option("--privacy-report", is_flag=True, help="List every redaction the privacy filter makes (values masked).")
@click.option("--json", "as_json", is_flag=True, help="With --privacy-report: print JSON.")
def check(config: Path, now: str | None, privacy_report: bool, as_json: bool) -> None:
    """Run every check of 'build' and write nothing.

    Prints the records that are held back and why, e.g.
    'held back: content/disclosures/x.md: embargoed until 2026-12-24 09:00'.
    """
    from .pipeline import prepare
    from .approval import Outcome

    try:
        report = prepare(config, now)
    except BuildError as exc:
        _fail(exc)
        return
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if privacy_report:
        _privacy_report(report, as_json)
        return
    _print_held_back(report)
    click.echo(f"OK: {report.count(Outcome.PUBLISH)} records to publish, {report.count(Outcome.TOMBSTONE)} tombstones, "
               f"{len(report.held_back)} held back, {len(report.redactions)} redactions.", err=True)


def _privacy_report(report: Any, as_json: bool) -> None:
    import json

    rows = [{"path": r.path, "line": r.line, "rule": r.rule, "masked": r.masked, "replacement": r.replacement}
            for r in report.redactions]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['path']}:{row['line']}: {row['rule']}: {row['masked']} -> {row['replacement']}")
    click.echo(f"{len(rows)} redactions.", err=True)


@main.command()
@click.argument("type_", metavar="TYPE", type=click.Choice(["disclosures", "regulations", "open-days", "guides", "pages"]))
@_config_option
@click.option("--id", "record_id", default=None, help="Record id (URL part); default: made from the date and title.")
@click.option("--title", default="", help="Title of the record.")
@click.option("--author", default=None, help="Your staff id (default: $USER).")
def new(type_: str, config: Path, record_id: str | None, title: str, author: str | None) -> None:
    """Start a new record of TYPE as a draft, with every field to fill in.

    TYPE is one of disclosures, regulations, open-days, guides, pages.
    The file is written under content/TYPE/ and its path printed.
    """
    from .scaffold import scaffold

    try:
        path = scaffold(type_, config, record_id, title, author)
    except BuildError as exc:
        _fail(exc)
        return
    except FileExistsError as exc:
        raise click.UsageError(f"{exc}: choose another --id") from None
    click.echo(str(path))


@main.command()
@_config_option
@_now_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(config: Path, now: str | None, host: str, port: int) -> None:
    """Preview the site locally; rebuilds when content, theme or config change.

    Only approved records are shown, exactly as 'build' would publish them.
    Errors are printed and the last good preview stays up.
    """
    from .preview import serve as run_serve

    run_serve(config, now, host, port, _progress(False), _fail_soft)


def _fail_soft(exc: BuildError) -> None:
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    click.echo(exc.summary() + " (preview not updated)", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
