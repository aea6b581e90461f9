"""docs/security.md names, for each defence, the test that proves it: every one must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
# `file.py::test_name` or `file.py` alone, and `::test_name` continuing the previous file.
REFERENCE = re.compile(r"`(?:([\w/]+\.py))?(?:::(test_\w+))?`")


def references():
    current = None
    for match in REFERENCE.finditer(DOC.read_text()):
        path, test = match.groups()
        if path and Path(path).name.startswith("test_"):
            current = path
        elif path:
            continue  # a source file, not a test
        if current and (path or test):
            yield current, test


def test_every_test_named_in_the_security_doc_exists():
    named = list(references())
    assert len(named) > 40
    for path, test in named:
        source = ROOT / "tests" / path
        assert source.exists(), path
        if test:
            assert re.search(rf"^def {test}\(", source.read_text(), re.M), f"{path}::{test}"
