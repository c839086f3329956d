"""Ids that name files, and output paths that stay inside their folder.

Call and agent ids come from users (file names, manifest columns, JSON fields). Every id is
checked against :data:`SAFE_ID` before it names anything, and every file written or deleted is
built by :func:`file_in`, which checks the id again and that the resolved path is inside its
folder, so no id can write or delete outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SAFE_ID_RULE = "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"


class UnsafeId(ValueError):
    """An id that cannot name a file."""


def id_problem(value: str, what: str = "call id") -> str | None:
    """Why ``value`` is not a safe id (a message that quotes it safely), or None if it is."""
    if SAFE_ID.fullmatch(value):
        return None
    return f"{what} {shown(value)} is not allowed: use {SAFE_ID_RULE}"


def check_id(value: str, what: str = "call id") -> str:
    """``value`` if it is a safe id; UnsafeId otherwise."""
    if (problem := id_problem(value, what)) is not None:
        raise UnsafeId(problem)
    return value


def shown(value: str, limit: int = 60) -> str:
    """A printable, quoted, length-limited form of an untrusted string for messages."""
    text = ascii(value[:limit])[1:-1]
    return f"'{text}{'…' if len(value) > limit else ''}'"


def file_in(folder: Path, name: str, suffix: str) -> Path:
    """``folder/name+suffix`` for a safe id ``name``, checked to resolve inside ``folder``."""
    check_id(name, "file name")
    base = folder.resolve()
    path = (base / f"{name}{suffix}").resolve()
    if path.parent != base:
        raise UnsafeId(f"{shown(name)} resolves outside {base}")
    return path
