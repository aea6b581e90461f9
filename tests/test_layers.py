"""The folders show the layers, and import-linter keeps them (pyproject.toml, `make lint`).

The contracts name folders, not modules: inside each app the faces (`api/`, `pages/`,
`management/`, `admin`) sit above `io/`, `reads/`, `domain/`, `models` and the vocabulary
(`choices`, `validation`). They are `exhaustive`, so a module that lands beside the folders
breaks `lint-imports` until a layer names it. These tests keep the contracts that way and the
apps' top levels small enough to read at a glance (issue 16).
"""

import pkgutil
import tomllib
from pathlib import Path

import accounts
import projects
import registry

ROOT = Path(__file__).resolve().parents[1]
APPS = (registry, accounts, projects)
TOP_LEVEL_LIMIT = 8


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def top_level_modules(package) -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.ispkg and info.name != "__init__"
    )


def all_modules():
    for package in APPS:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name:
                yield info.name


def test_every_app_is_covered_by_an_exhaustive_folder_contract():
    covered = {
        container
        for contract in contracts()
        if contract["type"] == "layers" and contract.get("exhaustive")
        for container in contract.get("containers", [])
    }
    assert covered == {"registry", "accounts", "projects"}


def test_the_apps_keep_their_top_levels_small():
    for package in (accounts, projects):
        modules = top_level_modules(package)
        assert len(modules) <= TOP_LEVEL_LIMIT, (package.__name__, modules)


def test_no_module_hides_its_meaning_behind_a_prefix():
    assert not [name for name in all_modules() if name.rsplit(".", 1)[-1].startswith("work_")]


def test_faces_never_import_each_other():
    """The faces of an app share one layer entry, marked independent with `|`."""
    inside = next(c for c in contracts() if c.get("containers") == ["accounts", "projects"])
    faces = inside["layers"][0]
    assert "|" in faces and ":" not in faces
    assert {part.strip(" ()") for part in faces.split("|")} == {
        "api",
        "pages",
        "management",
        "admin",
    }
