"""OpenAffairs as an office installs it: a wheel in a fresh virtual environment,
a site folder with only site_config.yml and content/, no checkout anywhere.

The wheel is built from a copy of the project (never in place: a stale
``build/`` folder could hide a missing file), installed non-editable into a
new venv, and the installed ``openaffairs`` builds the test site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import NOW, REPO, SAMPLE, run_cli

import generator

_SKIP = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "site",
    "*.egg-info",
    "__pycache__",
    "node_modules",
    ".pytest_cache",
    ".hypothesis",
    "out",
    "site.whoosh",
    ".openaffairs",
)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO, src, ignore=_SKIP)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(src)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    wheels = list((tmp / "dist").glob("openaffairs-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], out.stdout + out.stderr


def test_wheel_builds_without_packaging_warnings(wheel: tuple[Path, str]) -> None:
    _, log = wheel
    lowered = log.lower()
    for word in ("deprecat", "buildbackendwarning", "setuptoolswarning", "!!"):
        assert word not in lowered, f"{word!r} in the build log:\n{log}"


def test_wheel_holds_the_theme_and_templates(wheel: tuple[Path, str]) -> None:
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    theme = {
        str(p.relative_to(REPO / "theme"))
        for p in (REPO / "theme").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    templates = {p.name for p in (REPO / "generator" / "templates").iterdir() if p.is_file()}
    site_template = {
        p.relative_to(REPO / "generator" / "site_template").as_posix()
        for p in (REPO / "generator" / "site_template").rglob("*")
        if p.is_file()
    }
    assert theme and templates and site_template
    assert {f"generator/site_template/{t}" for t in site_template} <= names
    assert {f"generator/_theme/{t}" for t in theme} <= names, sorted(
        theme - {n[len("generator/_theme/") :] for n in names}
    )
    assert {f"generator/templates/{t}" for t in templates} <= names
    assert "generator/_theme/main.html" in names and "generator/_theme/assets/openaffairs.css" in names
    assert f"openaffairs-{generator.__version__}.dist-info/METADATA" in names


@pytest.fixture(scope="module")
def venv(wheel: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = wheel
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, env=_clean_env(), timeout=300)
    out = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(path)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    return env_dir


def _site_without_theme(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copyfile(SAMPLE / "site_config.yml", root / "site_config.yml")
    shutil.copytree(SAMPLE / "content", root / "content")
    assert sorted(p.name for p in root.iterdir()) == ["content", "site_config.yml"]
    return root


def test_installed_package_is_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import generator, generator.site as s; print(generator.__file__); print(s.default_theme_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(),
        check=True,
    )
    module, theme = out.stdout.split()
    assert module.startswith(str(venv)) and theme.startswith(str(venv)), out.stdout
    assert theme.endswith("generator/_theme")


def test_version_from_one_place(venv: Path, tmp_path: Path) -> None:
    out = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "--version"], capture_output=True, text=True, cwd=tmp_path, env=_clean_env()
    )
    assert out.returncode == 0 and out.stdout.strip() == f"openaffairs, version {generator.__version__}", out
    assert run_cli(["--version"], tmp_path).stdout.strip() == f"openaffairs, version {generator.__version__}"
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]


def test_installed_openaffairs_builds_a_site_without_a_theme_folder(venv: Path, tmp_path: Path) -> None:
    root = _site_without_theme(tmp_path / "office")
    out = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "build", "--now", NOW],
        capture_output=True,
        text=True,
        cwd=root,
        env=_clean_env(),
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert "theme" not in out.stderr and "Traceback" not in out.stderr and "Warning" not in out.stderr, out.stderr
    site = root / "site"
    for rel in (
        "index.html",
        "404.html",
        "assets/openaffairs.css",
        "assets/oasearch.js",
        "assets/logo.svg",
        "regulations/cpl-2018/index.html",
    ):
        assert (site / rel).is_file(), rel
    home = (site / "index.html").read_text("utf-8")
    assert "测试市人民检察院" in home and "assets/openaffairs.css" in home
    assert not (site / "__init__.py").exists() and not list(site.rglob("*.py"))
    assert (site / "assets/openaffairs.css").read_bytes() == (REPO / "theme/assets/openaffairs.css").read_bytes()


def test_a_sites_theme_folder_overrides_single_files(venv: Path, tmp_path: Path) -> None:
    root = _site_without_theme(tmp_path / "office")
    (root / "theme" / "assets").mkdir(parents=True)
    (root / "theme" / "assets" / "openaffairs.css").write_text("/* office colours */ body { color: #123456 }\n")
    (root / "theme" / "assets" / "office-seal.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    out = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "build", "--now", NOW, "-q"],
        capture_output=True,
        text=True,
        cwd=root,
        env=_clean_env(),
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    site = root / "site"
    assert "#123456" in (site / "assets/openaffairs.css").read_text("utf-8")
    assert (site / "assets/office-seal.svg").is_file()
    # everything not overridden comes from the shipped theme
    assert (site / "assets/oasearch.js").read_bytes() == (REPO / "theme/assets/oasearch.js").read_bytes()
    assert "测试市人民检察院" in (site / "index.html").read_text("utf-8")


def test_a_missing_custom_theme_dir_is_a_file_error(tmp_path: Path) -> None:
    root = _site_without_theme(tmp_path / "office")
    config = root / "site_config.yml"
    config.write_text(config.read_text("utf-8") + "theme_dir: office-theme\n", encoding="utf-8")
    result = run_cli(["build", "--now", NOW], root)
    assert result.exit_code == 1
    line = config.read_text("utf-8").splitlines().index("theme_dir: office-theme") + 1
    assert f"site_config.yml:{line}:" in result.stderr and "theme folder 'office-theme' not found" in result.stderr


def test_installed_openaffairs_starts_a_repository_and_builds_it(venv: Path, tmp_path: Path) -> None:
    env = _clean_env()
    init = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "init", "office", "--approver", "li.wei"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    root = tmp_path / "office"
    assert (root / ".gitlab-ci.yml").is_file() and (root / "deploy/nginx/openaffairs.conf").is_file()
    assert (root / "schemas/disclosures.schema.json").is_file()
    new = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "new", "disclosures", "--title", "关于公开听证的公告"],
        capture_output=True,
        text=True,
        cwd=root / "content",
        env=env,
        timeout=120,
    )
    assert new.returncode == 0, new.stderr
    assert new.stdout.strip().endswith("guan-yu-gong-kai-ting-zheng-de-gong-gao.md")
    build = subprocess.run(
        [str(venv / "bin" / "openaffairs"), "build", "-q"],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    assert (root / "site" / "index.html").is_file() and (root / "site" / "assets" / "oa-md-base.js").is_file()


def test_every_folder_of_the_package_is_listed_in_pyproject() -> None:
    """pyproject.toml lists the packages by hand (the theme is mapped in): a new folder must be added there."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = set()
    for base, name in ((REPO / "generator", "generator"), (REPO / "theme", "generator._theme")):
        for folder in [base, *base.rglob("*")]:
            if folder.is_dir() and folder.name != "__pycache__" and any(p.is_file() for p in folder.iterdir()):
                rel = folder.relative_to(base).parts
                found.add(".".join((name, *rel)))
    assert found == listed, (sorted(found - listed), sorted(listed - found))
