"""Reading sentences for the structure: the dialogue acts a sentence carries, its parse,
the content words that tie it to a request, questions, failures and the actions by name."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from callqa.models.acts import ACTS

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


def action_lemma(verb: str) -> str | None:
    """The action a wanted verb names ("refunded" -> refund), if it names one."""
    stem = re.sub(r"(?:ing|ed|d)$", "", verb)
    for lemma in (verb, stem, stem[:-1], f"{stem}e"):  # cancelled, stopping, closing
        if lemma in ACTION_LEMMAS:
            return lemma
    return None


WORD = re.compile(r"[a-z]{4,}")
COMMON = frozenset(
    """that this with have about what when there their they them then just like want need
would could should from your yours been were into also really thing things know okay yeah
please thanks thank right sure which where will what's that's it's i've i'm done sorted
anyway""".split()
)


def closest_ask(asks: list[str], text: str) -> int | None:
    """The request among ``asks`` that ``text`` shares the most content words with, or None
    when none or several share as many."""
    return named_most(content_stems(text), [content_stems(ask) for ask in asks])


def shares_words(text: str, other: str) -> bool:
    """Whether ``text`` and ``other`` share a content word."""
    return bool(content_stems(text) & content_stems(other))


def named_most(words: set[str], asks: list[set[str]]) -> int | None:
    """The index of the one set among ``asks`` that shares the most of ``words``, or None."""
    shared = [len(words & ask) for ask in asks]
    best = max(shared, default=0)
    return shared.index(best) if best and shared.count(best) == 1 else None


def content_stems(text: str) -> set[str]:
    """The content words of ``text``, cut to a stem ("moved", "move", "moving": "mov")."""
    stems = set()
    for word in WORD.findall(text.lower()):
        if word not in COMMON:
            suffix = next((s for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3), "")
            stems.add(word[: len(word) - len(suffix)][:5])
    return stems


SUFFIXES = ("ing", "ed", "es", "s", "e")


ACTION_LEMMAS = frozenset(
    """schedule send order cancel block reset transfer pay update change
replace process book refund credit reverse close open set activate unlock issue waive apply add
remove move submit file arrange fix sort resolve approve deposit mail post reschedule dispatch
ship renew extend increase decrease lower raise reinstate restore unfreeze freeze enrol enroll
register report lock disable enable link clear authorize authorise place skip pause""".split()
)


def sentence_span(ctx: AnalysisContext, index: int) -> Any:
    """The parsed tokens of sentence ``index`` (a span of its turn's doc), or None."""
    s = ctx.sentences[index]
    doc = ctx.docs[s.turn] if s.turn < len(ctx.docs) else None
    return None if doc is None else doc.char_span(s.char_start, s.char_end,
                                                  alignment_mode="expand")  # fmt: skip


def has_act(ctx: AnalysisContext, index: int, act: str) -> bool:
    """Whether sentence ``index`` carries ``act``."""
    return ctx.acts is not None and bool(ctx.acts[index, act_index(act)])


def act_index(act: str) -> int:
    return ACTS.index(act)


FAILURE = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|unable|won't|wouldn't|not able|isn't possible|"
    r"not possible|didn't go through|did not go through|failed|declined|rejected|no way|"
    r"not allowed|doesn't let|won't let|not something (?:i|we) can|"
    r"(?:don't|do not) have the (?:ability|access|authority|option)|"
    r"(?:don't|do not) know|not sure|no idea|nothing (?:more|else) (?:i|we) can do|"
    r"not (?:a lot|much|anything) (?:more |else )?(?:i|we) can do)\b",
    re.IGNORECASE,
)
# Asking when something will happen: "when will it come?", "how long", "what time do you…"
ASKS_WHEN = re.compile(
    r"\bwhen (?:will|would|do|does|am|are|is|can|should|might)\b|\bhow (?:long|soon)\b|"
    r"\bwhat time (?:will|would|do|does|is|are|can)\b|\broughly when\b|\bwhen roughly\b",
    re.IGNORECASE,
)
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:(?:so|and|but|um|uh|oh|okay|ok|right|great|lovely|yeah),?\s+)*"
    r"(?:do|does|did|is|are|was|were|can|could|will|would|have|has|"
    r"what|when|where|which|how|why)\b",
    re.IGNORECASE,
)
NO_MORE = re.compile(r"^\W*(?:no|nope|nah)\b", re.I)
