"""Spreadsheet formula injection (CWE-1236): the one escaping rule for every CSV and XLSX cell.

A spreadsheet treats a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab
or carriage return) as a formula, so an exported title like `=HYPERLINK(...)` would run when a
partner opens the file. Every writer passes text cells through `escape_formula`, which puts a
single quote in front of such a value. So that the round trip stays lossless, a value that
already starts with quotes followed by a trigger gets one more quote, and `unescape_formula`
(used by the import) removes exactly one quote from any value of the form `'...'<trigger>...`.
Values that do not start with quotes and a trigger pass through both unchanged.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'*[=+\-@\t\r]")
_UNESCAPE = re.compile(r"^'+[=+\-@\t\r]")


def escape_formula(value: str) -> str:
    """`=1+1` -> `'=1+1`; `'=x` -> `''=x`; anything else unchanged."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """The inverse of `escape_formula` on the values it produces."""
    if isinstance(value, str) and _UNESCAPE.match(value):
        return value[1:]
    return value
