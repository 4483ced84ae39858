"""The command line: the only place that prints or exits.

``openaffairs build | check | review | new | serve | search``; see ``openaffairs --help``.
Content problems are printed as ``path:line: message`` (one a line, stderr),
then a one-line total; exit 1.  Usage problems exit 2.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BuildError, UsageError, WorkerError
from .records import TYPE_NAMES

CONFIG_HELP = "Path of site_config.yml (default: site_config.yml in this folder or the nearest parent folder)."
NOW_HELP = (
    "Build time, ISO 8601 (e.g. 2026-12-01T09:00:00+08:00). Decides embargoes and what is 'upcoming'. "
    "Default: $SOURCE_DATE_EPOCH, else the clock."
)


def _find_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """--config, else site_config.yml here or in a parent folder (else ./site_config.yml: 'not found')."""
    from .config import CONFIG_NAME, find_config

    if value is not None:
        return value
    return find_config(Path.cwd()) or Path(CONFIG_NAME)


def _config_option(f: Any) -> Any:
    path = click.Path(path_type=Path)
    return click.option("--config", "config", type=path, callback=_find_config, help=CONFIG_HELP)(f)


def _now_option(f: Any) -> Any:
    return click.option("--now", "now", metavar="ISO8601", default=None, help=NOW_HELP)(f)


def _out_option(f: Any) -> Any:
    help_ = "Output folder (default: 'site' next to site_config.yml). Replaced atomically."
    return click.option("--out", "out", type=click.Path(path_type=Path), help=help_)(f)


def _listen_options(port: int) -> Callable[[Any], Any]:
    """--host and --port of a local server."""

    def add(f: Any) -> Any:
        f = click.option("--port", default=port, show_default=True, type=int)(f)
        return click.option("--host", default="127.0.0.1", show_default=True)(f)

    return add


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


EX_SOFTWARE = 70  # sysexits.h: an internal error


class _Boundary(click.Group):
    """The one place that turns an expected failure into output and an exit code
    (``errors.py`` lists the tree); anything else is a bug: traceback, exit 70."""

    def invoke(self, ctx: click.Context) -> Any:
        from .search import IndexLockedError, QueryError, SearchTimeout

        try:
            return super().invoke(ctx)
        except BuildError as exc:
            _fail(exc)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        except QueryError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (IndexLockedError, SearchTimeout) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except WorkerError as exc:  # the worker's file and exception are in the message
            click.echo(
                f"internal error in openaffairs {__version__}: {exc}\nThis is a bug, not a problem with your "
                "content. Please report it with this message.",
                err=True,
            )
            sys.exit(EX_SOFTWARE)
        except (
            click.exceptions.ClickException,
            click.exceptions.Exit,
            click.exceptions.Abort,
            SystemExit,
            KeyboardInterrupt,
        ):
            raise
        except Exception:  # noqa: BLE001 - the boundary: a bug keeps its traceback
            traceback.print_exc()
            click.echo(
                f"internal error in openaffairs {__version__}: this is a bug, not a problem with your "
                "content. Please report it with the traceback above.",
                err=True,
            )
            sys.exit(EX_SOFTWARE)


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="openaffairs")
def main() -> None:
    """OpenAffairs: build a procuratorate's open-affairs (检务公开) website from a
    repository of Markdown records.

    \b
    Typical use, in the site's folder (where site_config.yml is, or below it):
      openaffairs init DIR       start a new site repository
      openaffairs check          validate everything, list what is held back
      openaffairs review PATH    show one record exactly as it will be published
      openaffairs build          build the site into ./site
      openaffairs serve          preview at http://127.0.0.1:8000, rebuilt on save
      openaffairs new disclosures --title "..."   start a new record

    Only approved records are published; every text passes the privacy filter
    first. See README.md and docs/ for the content model.
    """


# Under ``run`` only: what a command leaves for the process's exit, a large build's
# records and pages (hundreds of thousands of objects) that the operating system takes
# back at once.  None when ``main`` runs inside another program (tests): nothing is kept.
_LEFT_FOR_EXIT: list[Any] | None = None


def run() -> None:
    """The ``openaffairs`` command (and ``python -m generator``): ``main``, then a quick exit.

    Tearing down a heap of a million objects one by one takes seconds at 20,000 records
    and some 20 s at 100,000, after everything is written and printed.  So once the
    command is over, the exit handlers run (logging, multiprocessing, temporary folders),
    the output is flushed and the process ends without that teardown (as mypy does).
    With other threads still running, or inside another program (tests call ``main``),
    the exit is the ordinary one."""
    global _LEFT_FOR_EXIT
    _LEFT_FOR_EXIT = []
    try:
        main(prog_name="openaffairs")
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            code = code or 1
    os._exit(code)


_jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Processes for loading and validating the records and for the privacy filter; with 2 "
    "or more, a build also makes the open data and the static search index beside the pages "
    "(default: one per available CPU when at least 500 record files are read, 200 records "
    "filtered; 1: in the build's own process). The output is the same.",
)


@main.command()
@_config_option
@_out_option
@_now_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the held-back list.")
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Read, filter and render every record again, neither reading nor writing the build cache "
    "(.openaffairs/cache/ beside --out) or the loader's cache (~/.cache/openaffairs/; the output is the same).",
)
@_jobs_option
def build(config: Path, out: Path | None, now: str | None, quiet: bool, no_cache: bool, jobs: int | None) -> None:
    """Validate, gate, filter and render the whole site into --out.

    Nothing is written when any record has a problem: the previous site stays
    as it was. Exit 0 on success, 1 on content errors or blocked content.
    Unchanged records and pages are taken from the build cache
    (.openaffairs/cache/ beside --out, safe to delete; the record files as
    read, private data, from the loader's cache in ~/.cache/openaffairs/,
    for the user only); when no file, setting or
    version changed since the last build with the same --now, the site is kept
    as it is (only the files' signatures are read; the held-back list is then
    not printed: 'openaffairs check' prints it).
    """
    from .pipeline import build as run_build
    from .pipeline import configure

    out_dir = _default_out(config, out)
    site_config, when = configure(config, now)
    report = run_build(site_config, out_dir, when, _progress(quiet), use_cache=not no_cache, jobs=jobs)
    if _LEFT_FOR_EXIT is not None:  # freed by the operating system at exit (``run``)
        _LEFT_FOR_EXIT.append(report)
    _print_held_back(report)
    _print_privacy_warnings(report.privacy_warnings)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.timings.items())
        click.echo(f"Built {report.pages} pages into {out_dir}/ in {report.seconds:.1f} s ({stages}).")


@main.command()
@_config_option
@_now_option
@click.option("--privacy-report", is_flag=True, help="List every redaction the privacy filter makes (values masked).")
@click.option("--json", "as_json", is_flag=True, help="With --privacy-report: print JSON.")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (exit 1) on warnings too: likely names of people that no party declares, and records "
    "held back for a reason that looks like a mistake (self-approved, unknown approver, approval "
    "missing or unverifiable).",
)
@click.option(
    "--changed-since",
    "changed_since",
    metavar="REF",
    default=None,
    help="Check everything, but report only files changed since the merge base of git REF and HEAD "
    "(commits, working tree, untracked files), e.g. origin/main.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "gitlab", "json"]),
    default="text",
    show_default=True,
    help="text: path:line lines; github: workflow-command annotations; gitlab: code-quality JSON; "
    "json: findings and counts.",
)
@_jobs_option
def check(
    config: Path,
    now: str | None,
    privacy_report: bool,
    as_json: bool,
    strict: bool,
    changed_since: str | None,
    fmt: str,
    jobs: int | None,
) -> None:
    """Run every check of 'build' and write nothing.

    Prints the records that are held back and why, e.g.
    'held back: content/disclosures/x.md: embargoed until 2026-12-24 09:00',
    and warnings for likely personal names that no party declares.
    Exit 0 when the site would build; 1 on errors (with --strict also on
    warnings and mistaken approvals); 2 on usage errors (e.g. an unknown REF).

    \b
    In CI and pre-commit:
      openaffairs check --strict --format github --changed-since origin/main
      openaffairs check --strict --format gitlab > gl-code-quality-report.json
    """
    from .approval import Outcome
    from .checking import GitError, changed_files, findings_from_problems, findings_from_report
    from .pipeline import configure, prepare

    touched = None
    if changed_since is not None:
        try:
            touched = changed_files(config.resolve().parent, changed_since)
        except GitError as exc:
            raise GitError(f"--changed-since {changed_since}: {exc}") from None
    try:
        report = prepare(*configure(config, now), jobs=jobs)
    except BuildError as exc:
        if fmt == "text" and touched is None:
            _fail(exc)
        _emit_check(findings_from_problems(exc.problems), fmt, touched, config, {}, exc.summary())
        return
    if privacy_report:
        _privacy_report(report, as_json)
        return
    counts = {
        "publish": report.count(Outcome.PUBLISH),
        "tombstones": report.count(Outcome.TOMBSTONE),
        "held_back": len(report.held_back),
        "redactions": len(report.redactions),
    }
    summary = (
        f"OK: {counts['publish']} records to publish, {counts['tombstones']} tombstones, "
        f"{counts['held_back']} held back, {counts['redactions']} redactions."
    )
    if fmt == "text":
        _print_exemptions(report)
    _emit_check(findings_from_report(report, strict), fmt, touched, config, counts, summary)


def _print_exemptions(report: Any) -> None:
    """Every reviewed privacy.allow_terms exemption, valid or ignored (issue 8)."""
    from .privacy.filter import allowed_terms

    for record, decision in report.decisions:
        ex = record.privacy
        if ex is None or not decision.outcome.visible:
            continue
        terms = ", ".join(ex.allow_terms)
        if allowed_terms(record, report.config):
            click.echo(f"exemption: {record.source_path}: privacy.allow_terms [{terms}] approved by {ex.approved_by}")
        else:
            click.echo(
                f"exemption ignored: {record.source_path}: privacy.allow_terms [{terms}]: approved_by "
                f"'{ex.approved_by}' must be a listed approver other than the author"
            )


def _emit_check(
    findings: list[Any], fmt: str, touched: set[Path] | None, config: Path, counts: dict[str, int], summary: str
) -> None:
    """Print the check's findings in ``fmt`` (only those the change touched), the summary on stderr; exit."""
    from .checking import only_touched, relative_to_repository, render

    hidden = 0
    if touched is not None:
        findings, hidden = only_touched(findings, touched, config)
    if fmt in ("github", "gitlab"):
        findings = relative_to_repository(findings, config.resolve().parent)
    shown_errors = [f for f in findings if f.severity == "error"]
    errors = len(shown_errors) + hidden
    counts = {**counts, "errors": errors, "errors_not_shown": hidden}
    if fmt == "text":
        # held-back records and tombstones on stdout; problems and warnings on stderr
        for f in findings:
            click.echo(f.text(), err=f.kind in ("problem", "warning"))
    else:
        click.echo(render(findings, fmt, counts) or ("[]" if fmt == "gitlab" else ""))
    if hidden:
        click.echo(
            f"{hidden} error{'s' if hidden != 1 else ''} in files this change did not touch "
            "(run 'openaffairs check' without --changed-since to see them).",
            err=True,
        )
    if errors and summary.startswith("OK"):
        files = len({f.path for f in shown_errors}) + (1 if hidden else 0)
        summary = (
            f"Build failed: {errors} error{'s' if errors != 1 else ''} in {files} file{'s' if files != 1 else ''}."
        )
    click.echo(summary, err=True)
    if errors:
        sys.exit(1)


def _print_privacy_warnings(warnings: Any) -> None:
    for w in warnings:
        click.echo(f"warning: {w.format()}", err=True)


def _privacy_report(report: Any, as_json: bool) -> None:
    from .reviewing import format_report, report_json

    if as_json:
        click.echo(report_json(report.redactions))
        return
    click.echo(format_report(report.redactions))
    click.echo(f"{len(report.redactions)} redactions.", err=True)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_config_option
@_now_option
@click.option(
    "--color/--no-color",
    "color",
    default=None,
    help="Highlight replacements with reverse video (default: only when printing to a terminal; "
    "otherwise they are shown as [[...]]).",
)
def review(path: Path, config: Path, now: str | None, color: bool | None) -> None:
    """Show the record at PATH exactly as it will be published, for an approver.

    \b
    Prints the gate's decision, then the title, summary, every field and the
    body after the privacy filter, with each replacement highlighted, the
    attachment scan, and a table of the redactions (line, rule, masked
    original, replacement). A record that is held back (draft, review,
    embargo ...) is shown as it WOULD be published once approved.
    Original values are never printed.

    \b
    Exit 0; 1 when the site has errors or this record would stop the build
    (errors as path:line: message); 2 when PATH is not a record.
    """
    from .pipeline import configure
    from .pipeline import review as run_review
    from .reviewing import format_review

    result = run_review(*configure(config, now), path)
    if color is None:
        color = sys.stdout.isatty()
    click.echo(format_review(result, color), color=color)
    _print_privacy_warnings(result.warnings)
    if result.problems:
        _fail(BuildError(result.problems))


@main.command()
@click.argument("type_", metavar="TYPE", type=click.Choice(TYPE_NAMES))
@_config_option
@click.option(
    "--id",
    "record_id",
    default=None,
    help="Record id (URL part); default: the title in pinyin (plus the date when taken).",
)
@click.option("--title", default="", help="Title of the record.")
@click.option("--author", default=None, help="Your staff id (default: $USER).")
def new(type_: str, config: Path, record_id: str | None, title: str, author: str | None) -> None:
    """Start a new record of TYPE as a draft, with every field to fill in.

    TYPE is one of disclosures, regulations, open-days, guides, pages.
    The file is written under content/TYPE/ (disclosures: content/disclosures/YEAR/)
    and its path printed. The id is made from the title (pinyin, e.g.
    'guan-yu-kai-zhan-jian-cha-kai-fang-ri'), with today's date appended when
    that id is taken; the comments are in the site's language.
    """
    from .scaffold import scaffold

    click.echo(str(scaffold(type_, config, record_id, title, author)))


@main.command()
@_config_option
@_now_option
@_listen_options(8000)
@click.option(
    "--drafts",
    is_flag=True,
    help="Also show held-back records (drafts, in review, embargoed ...; never minors' cases), each under "
    "a '未公开 / not public: <reason>' banner and left out of search, feeds and exports. Preview only: "
    "'build' has no such option.",
)
def serve(config: Path, now: str | None, host: str, port: int, drafts: bool) -> None:
    """Preview the site locally; rebuilds when content, theme or config change.

    Only approved records are shown, exactly as 'build' would publish them.
    The open page reloads by itself when a rebuild finished; unknown paths
    get the site's own 404 page. Errors are printed and the last good preview
    stays up. The temporary folder is removed on Ctrl+C.
    """
    from .preview import serve as run_serve

    run_serve(config, now, host, port, _progress(False), _fail_soft, drafts)


# --- init, schema: starting a site repository ------------------------------------------


@main.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--site-name", default="某某市人民检察院检务公开", show_default=True, help="site_name in site_config.yml."
)
@click.option("--site-url", default="https://jw.example.org/", show_default=True, help="site_url in site_config.yml.")
@click.option("--office-name", default="某某市人民检察院", show_default=True, help="office_name in site_config.yml.")
@click.option(
    "--approver",
    "approvers",
    multiple=True,
    metavar="ID",
    help="Staff id of an approver (repeat for several; default: approver.one, to replace).",
)
@click.option("--author", default=None, help="Author of the sample records (default: $USER).")
def init(
    directory: Path, site_name: str, site_url: str, office_name: str, approvers: tuple[str, ...], author: str | None
) -> None:
    """Create a new site repository in DIR (new or empty), ready to commit.

    \b
    Writes site_config.yml (every key explained in Chinese), content/ with a
    README and a draft example record for each type, .gitignore,
    .pre-commit-config.yaml, CI for GitLab (.gitlab-ci.yml) and GitHub
    Actions (.github/workflows/openaffairs.yml), an nginx server block
    (deploy/nginx/), JSON Schemas (schemas/) and VS Code settings that use
    them. Exit 2 when DIR is not empty.
    """
    import datetime as dt
    import getpass
    import re

    from .init_site import init_site
    from .schema import _STAFF

    ids = list(approvers) or ["approver.one"]
    for staff in ids:
        if not _STAFF.match(staff):
            raise click.BadParameter(
                f"{staff!r}: a staff id is lowercase letters, digits, dots and hyphens (like li.wei)",
                param_hint="--approver",
            )
    who = author or re.sub(r"[^a-z0-9.-]", "", getpass.getuser().lower()) or "author"
    written = init_site(directory, site_name, site_url, office_name, ids, who, dt.date.today())
    click.echo(f"Created {len(written)} files in {directory}/. Next:")
    click.echo(f"  cd {directory} && git init && git add -A && git commit -m 'OpenAffairs site'")
    click.echo("  openaffairs check && openaffairs serve")


@main.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write the *.schema.json files into (default: print the names and the "
    "site_config schema to stdout).",
)
def schema(out: Path | None) -> None:
    """Write JSON Schemas of each content type's front matter and of site_config.yml.

    Generated from the models that validate the content, so they never drift.
    Editors (VS Code with the YAML extension) use them for completion and
    checks; 'openaffairs init' wires them up in .vscode/settings.json.
    """
    from .schemas import schema_files

    files = schema_files()
    if out is None:
        click.echo(files["site_config.schema.json"], nl=False)
        click.echo(
            "(also: "
            + ", ".join(n for n in files if n != "site_config.schema.json")
            + "; write them all with --out DIR)",
            err=True,
        )
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        click.echo(str(out / name))


def _index_for(config: Path, out: Path | None, now: str | None, quiet: bool) -> Path:
    """The search index ``build`` wrote for --out; built from the content when missing."""
    from .search import index_dir_for, index_exists

    out_dir = _default_out(config, out)
    index_dir = index_dir_for(out_dir)
    if not index_exists(index_dir):
        from .pipeline import configure, prepare, write_search_index

        if not quiet:
            click.echo(f"No search index for {out_dir}/ yet: indexing the published records ...", err=True)
        report = prepare(*configure(config, now))
        write_search_index(report.public, report.config, out_dir, report.sources)
    return index_dir


# ``search``'s paging: (option, default, least value, help); no upper bound on --limit
_PAGING = (
    ("--limit", 20, 1, "Most results to show (no upper bound: as many as there are hits)."),
    ("--offset", 0, 0, "Skip this many results first (paging, with --limit)."),
)


def _paging_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for name, default, least, text in reversed(_PAGING):  # listed in --help as written
        option = click.option(name, default=default, show_default=True, type=click.IntRange(min=least), help=text)
        command = option(command)
    return command


@main.command()
@_config_option
@_out_option
@_now_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of {type, id, title, url (absolute), path, date, published, updated, score} "
    "(regulation hits also: article, articles); the total goes to stderr as one JSON line "
    '{"query", "total", "offset", "shown"}.',
)
@_paging_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option(
    "--type",
    "doc_type",
    type=click.Choice(TYPE_NAMES),
    default=None,
    help="Only records of this type.",
)
@click.argument("query", nargs=-1, required=True)
def search(
    config: Path,
    out: Path | None,
    now: str | None,
    as_json: bool,
    limit: int,
    offset: int,
    sort: str,
    doc_type: str | None,
    query: tuple[str, ...],
) -> None:
    """Search the published records (fielded, Chinese substrings included).

    \b
    Examples:
      openaffairs search 受贿
      openaffairs search '"法律监督" AND type:regulations'
      openaffairs search 'issuer:最高人民检察院 validity:in-force 受贿'
      openaffairs search 'issued:[2015 to 2020]' --sort date
      openaffairs search 'date:2026 category:case-decision' --json

    Fields: type id title body summary tags doc_number issuer kind validity
    category case_number date issued effective. Quoted phrases match exactly;
    AND, OR, NOT and brackets combine terms. Reads the index that 'build'
    wrote (next to --out, never inside the published site). Exit 2 on a
    malformed query.
    """
    import json

    from .search import search as run_search

    index_dir = _index_for(config, out, now, as_json)
    text = " ".join(query)
    results = run_search(index_dir, text, limit=limit, sort=sort, doc_type=doc_type, offset=offset)
    if as_json:
        rows = [
            {
                "type": h.type,
                "id": h.id,
                "title": h.title,
                "url": h.link or h.url,
                "path": h.url,
                "date": h.date.isoformat() if h.date else None,
                "published": h.published.isoformat() if h.published else None,
                "updated": h.updated.isoformat() if h.updated else None,
                "score": round(h.score, 4),
                **(
                    {"article": h.article, "articles": [{"label": a, "url": u} for a, u in h.articles]}
                    if h.article
                    else {}
                ),
            }
            for h in results.hits
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        summary = {"query": text, "total": results.total, "offset": offset, "shown": len(rows)}
        click.echo(json.dumps(summary, ensure_ascii=False), err=True)
        return
    colour = sys.stdout.isatty()
    on, off = ("\x1b[1;31m", "\x1b[0m") if colour else ("[", "]")
    for n, hit in enumerate(results.hits, offset + 1):
        date = f"  {hit.date}" if hit.date else ""
        article = f" {hit.article}" if hit.article else ""
        click.echo(f"{n:>2}. [{hit.type}] {hit.title}{article}{date}")
        click.echo(f"    {hit.link or hit.url}")
        if hit.snippet:
            click.echo("    " + hit.snippet.replace("\x01", on).replace("\x02", off).replace("\n", " "))
        if len(hit.articles) > 1:  # (issue 8) the other articles of the same law holding the query
            others = "、".join(label for label, _url in hit.articles[1:9])
            more = f" … ({len(hit.articles)} articles)" if len(hit.articles) > 9 else ""
            click.echo(f"    also: {others}{more}")
    shown = len(results.hits)
    where = f" (from {offset + 1})" if offset and shown else ""
    click.echo(f"{shown} of {results.total} result{'s' if results.total != 1 else ''}{where} for {text!r}.", err=True)


@main.command()
@_config_option
@_out_option
@_now_option
@_listen_options(8080)
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default="number of cores",
    type=click.IntRange(1, 64),
    help="Server processes sharing the port (queries are CPU-bound).",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Queries each process runs at once (SQLite searches outside Python's lock; "
    "measured: one thread per process costs less CPU).",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Answer a repeated query from the last 1,024 answers of the current index generation, "
    "and the next pages of a query from its counts.",
)
def api(
    config: Path, out: Path | None, now: str | None, host: str, port: int, workers: int, threads: int, cache: bool
) -> None:
    """Serve a read-only JSON search API over the published records.

    GET /api/search?q=...&type=...&limit=...&sort=relevance|date&offset=N
    (or &page=N; the response has the total and a 'next' link), and the
    OpenAPI description at /api/openapi.json. Production WSGI server
    (waitress); put it behind nginx (see docs/search-fielded.md).
    """
    from .api import serve as run_api

    index_dir = _index_for(config, out, now, False)
    click.echo(f"Serving the search API on http://{host}:{port}/api/search (Ctrl+C to stop)", err=True)
    run_api(index_dir, host=host, port=port, workers=workers, threads=threads, cache=cache)


@main.command("export-public")
@_config_option
@_now_option
@click.argument("directory", type=click.Path(path_type=Path))
def export_public(config: Path, now: str | None, directory: Path) -> None:
    """Write the published records as a public source tree into DIRECTORY.

    \b
    DIRECTORY gets site_config.yml and content/: every published record and
    tombstone as Markdown (public fields, filtered body), the attachments that
    were published, and content/.dates.json (first-published and last-changed
    dates, from git where available). Nothing held back is written.
    'openaffairs build --now <same time>' in DIRECTORY builds the same pages.
    DIRECTORY must be new, empty or an earlier export (its .git is kept).
    """
    import functools

    from .export_public import export_public as run_export
    from .loading import read_attachment
    from .pipeline import configure, prepare

    site_config, when = configure(config, now)
    report = prepare(site_config, when)
    reader = functools.partial(read_attachment, report.config.content_path)
    counts = run_export(report.public, report.config, directory, reader, when, report.sources)
    click.echo(
        f"Exported {counts['records']} records and {counts['attachments']} attachments into {directory}/ "
        f"({len(report.held_back)} held back, not exported)."
    )


def _fail_soft(exc: BuildError) -> None:
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    click.echo(exc.summary() + " (preview not updated)", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
