"""Reading the YAML files a QA team writes (scorecards, flag rules, the coaching catalogue)
safely: bounded in size and in alias expansion, with error messages that name where the
problem is, never the (possibly huge) value."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

MAX_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 100_000  # after expanding aliases


class YamlFileError(ValueError):
    """A YAML file that cannot be used; the message says where and why."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than MAX_ALIASES aliases."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlFileError(f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def load_yaml(path: Path) -> Any:
    """The parsed document at ``path``; YamlFileError when it is unreadable, too large, not
    YAML or expands past the limits."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise YamlFileError(f"{path}: not a regular file")
        size = info.st_size
        if size > MAX_BYTES:
            raise YamlFileError(f"{path}: file too large ({size} bytes; limit {MAX_BYTES})")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise YamlFileError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
        expanded = _expanded_nodes(data, {})
    except YamlFileError as exc:
        raise YamlFileError(f"{path}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise YamlFileError(f"{path}: not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: not valid YAML ({type(exc).__name__})") from None
    except RecursionError:
        raise YamlFileError(f"{path}: nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits, a bad date
        raise YamlFileError(f"{path}: a value cannot be read ({str(exc)[:80]})") from None
    if expanded > MAX_NODES:
        raise YamlFileError(f"{path}: expands to more than {MAX_NODES} values")
    return data


def validation_problems(exc: ValidationError, what: str) -> str:
    """A pydantic error as ``place: message; ...``, without echoing the input values."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or what}: {e['msg']}" for e in exc.errors()[:20]
    )


def _expanded_nodes(value: Any, seen: dict[int, int]) -> int:
    """How many values ``value`` holds once shared (aliased) parts are counted each time."""
    if not isinstance(value, list | dict):
        return 1
    if id(value) in seen:
        return seen[id(value)]
    seen[id(value)] = 1  # a cycle counts once
    items = value.values() if isinstance(value, dict) else value
    total = 1 + sum(min(_expanded_nodes(v, seen), MAX_NODES + 1) for v in items)
    seen[id(value)] = total
    return total
