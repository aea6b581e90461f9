"""The import-linter contracts in pyproject.toml cover every module of the three apps.

`make lint` runs `lint-imports`, which proves the service layer never imports a face. That
contract lists modules by name, so a new module would slip past it unnoticed: this test fails
until each module is named as service layer, as a face, or as neither (with a reason).
"""

import pkgutil
import tomllib
from pathlib import Path

import accounts
import projects
import registry

ROOT = Path(__file__).resolve().parents[1]
# Modules that are neither: Django's wiring, and code that only ever runs as a face's helper.
NEITHER = {
    "registry.settings": "configuration",
    "registry.wsgi": "server entry point",
    "registry.asgi": "server entry point",
    "registry.apps": "Django's app config",
    "accounts.apps": "Django's app config",
    "projects.apps": "Django's app config",
    "projects.io": "the package of data in and out; its modules are classified one by one",
}


def contract(name_start: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"].startswith(name_start))


def app_modules():
    for package in (registry, accounts, projects):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name and ".tests" not in info.name:
                yield info.name


def test_every_module_is_service_layer_or_face():
    faces_contract = contract("The service layer never imports a face")
    services = set(faces_contract["source_modules"])
    faces = tuple(faces_contract["forbidden_modules"])
    unclassified = sorted(
        name
        for name in app_modules()
        if name not in services
        and name not in NEITHER
        and not any(name == face or name.startswith(face + ".") for face in faces)
    )
    assert not unclassified, (
        "name these modules in pyproject.toml's import-linter contract, as service layer "
        f"(source_modules) or face (forbidden_modules): {unclassified}"
    )


def test_the_service_layer_lists_only_existing_modules():
    existing = set(app_modules())
    services = set(contract("The service layer never imports a face")["source_modules"])
    assert services <= existing, services - existing
