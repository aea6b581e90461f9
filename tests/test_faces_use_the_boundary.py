"""Faces (pages, API, admin, commands, template tags) read tenant rows only through the boundary.

They may not reach a tenant-owned model's manager, nor use the escape hatches that services keep
for themselves. A new face file is covered as soon as it exists.
"""

import ast
from pathlib import Path

import pytest

from tests.test_model_walk import tenant_models

ROOT = Path(__file__).resolve().parent.parent
FACE_GLOBS = [
    "*/views.py",
    "*/io/views.py",
    "*/forms.py",
    "*/admin.py",
    "*/api/*.py",
    "*/templatetags/*.py",
    "*/pages/templatetags/*.py",
    "*/management/commands/*.py",
    "registry/admin_site.py",
    "registry/context_processors.py",
]
# Escape hatches of registry.models: fine in services and the boundary, never in a face.
FORBIDDEN_ATTRIBUTES = {"unscoped", "system_access", "all_rows_for_internal_use", "_base_manager"}


def face_files():
    files = {path for pattern in FACE_GLOBS for path in ROOT.glob(pattern)}
    return sorted(path for path in files if not {".venv", "tests"} & set(path.parts))


def bypasses(source: str) -> list[str]:
    tenant_names = {model.__name__ for model in tenant_models()}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_ATTRIBUTES:
                found.append(f"line {node.lineno}: .{node.attr}")
            if (
                node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in tenant_names
            ):
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.Name) and node.id == "system_access":
            found.append(f"line {node.lineno}: system_access")
    return found


def test_there_are_faces_to_check():
    names = {str(path.relative_to(ROOT)) for path in face_files()}
    assert {"registry/views.py", "projects/api/views.py", "accounts/admin.py"} <= names


@pytest.mark.parametrize("path", face_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_face_reads_tenant_rows_only_through_the_boundary(path):
    assert bypasses(path.read_text()) == [], (
        f"{path.relative_to(ROOT)} bypasses registry.tenancy; use visible()/access_*() or a service"
    )


def test_the_check_catches_a_bypass():
    assert bypasses("rows = Project.objects.filter(pk=1)\n") == ["line 1: Project.objects"]
    assert bypasses("rows = Zone.objects.unscoped('x')\n") == [
        "line 1: .unscoped",
        "line 1: Zone.objects",
    ]
    assert bypasses("from registry.models import system_access\n") == []
    assert bypasses("with system_access('x'):\n    pass\n") == ["line 1: system_access"]
