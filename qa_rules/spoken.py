"""Reading a call the way redaction needs it: one token stream over all turns, and the numbers in
it, written ("4111-1111") or spoken ("four one one one", "double seven", "twenty twenty seven"),
including numbers a speaker splits across turns while the other party says "okay".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from callqa.models.transcript import Turn

# Letters of any script with their marks ("José", "Siobhán", "राहुल", "مُحَمَّد"), as one word
# with an apostrophe ("O'Neill", "D’Arcy")
LETTERS = r"[\p{L}\p{M}]+"
WORD = regex.compile(rf"{LETTERS}(?:['’]{LETTERS})?")
TOKEN = regex.compile(rf"{WORD.pattern}|\d+|\S")

UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
         "six": 6, "seven": 7, "eight": 8, "nine": 9}  # fmt: skip
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}  # fmt: skip
TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7, "eighty": 8,
        "ninety": 9}  # fmt: skip
REPEATS = {"double": 2, "triple": 3}
NUMBER_WORDS = {*UNITS, *TEENS, *TENS, *REPEATS, "hundred", "thousand"}
MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split()
)} | {"jan": 1, "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
      "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth",
            "st", "nd", "rd", "th"}  # fmt: skip
SEPARATORS = {"-", ",", ".", "(", ")", "+"}
FILLERS = {"uh", "um", "er", "erm", "ah", "hmm", "mm", "mmm", "mhm", "hm"}
CONTINUATIONS = {"and", "then", "the", "rest", "is", "it's", "next"}  # may open a continuing turn
JOINS = {"then", "and", "next", "is", "after", "that"}  # "six zero one one then one one one one"
SHORT_REPLY = 4  # words: what the listener may say between two halves of a number
ASKS_NEXT = re.compile(r"\?\s*$|\b(?:what|which|and the|and your)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    turn: int
    start: int  # character offsets in the turn's text
    end: int

    @property
    def is_number(self) -> bool:
        return self.text.isdigit() or self.low in NUMBER_WORDS

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


@dataclass(frozen=True)
class NumberRun:
    """Number tokens (``first``..``last`` in the stream, in ``turns``) read as one digit string;
    ``groups`` are the digit counts of the written parts (``555-123-4567`` gives 3, 3, 4)."""

    first: int
    last: int
    digits: str
    groups: tuple[int, ...]
    turns: frozenset[int]


def tokenise(turns: Sequence[Turn]) -> list[Token]:
    """Every token of every turn, in order, with its turn and character offsets."""
    return [
        Token(m.group(), m.group().lower(), i, m.start(), m.end())
        for i, turn in enumerate(turns)
        for m in TOKEN.finditer(turn.text)
    ]


def number_runs(tokens: Sequence[Token], turns: Sequence[Turn]) -> list[NumberRun]:
    """The numbers in the stream. Separators, fillers and a short reply by the other party may
    come between the parts of one number; any other word ends it."""
    runs: list[list[int]] = []
    for i, tok in enumerate(tokens):
        if not tok.is_number:
            continue
        if runs and _continues(tokens, turns, runs[-1], i):
            runs[-1].append(i)
        else:
            runs.append([i])
    found = []
    for run in runs:
        run = _trim(tokens, run)
        if run and (digits := spoken_digits([tokens[i].low for i in run])):
            groups = tuple(len(tokens[i].text) for i in run if tokens[i].text.isdigit())
            found.append(
                NumberRun(run[0], run[-1], digits, groups, frozenset(tokens[i].turn for i in run))
            )
    return found


def spoken_digits(words: Sequence[str]) -> str:
    """The digits that number words (and written digits) spell, as a string."""
    out, i = [], 0
    while i < len(words):
        word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        if word.isdigit():
            out.append("".join(str(unicodedata.digit(c)) for c in word))  # "٠٧٧٩" is 0779
        elif word in REPEATS and nxt in UNITS:
            out.append(str(UNITS[nxt]) * REPEATS[word])
            i += 1
        elif word in ("hundred", "thousand"):
            value, i = _below(words, i + 1, 100 if word == "hundred" else 1000)
            out.append(f"{value:0{2 if word == 'hundred' else 3}d}")
            continue
        elif word in TENS or word in TEENS or word in UNITS:
            value, i = _below(words, i, 100)
            out.append(str(value))
            continue
        i += 1
    return "".join(out)


def _below(words: Sequence[str], i: int, limit: int) -> tuple[int, int]:
    """Read a number below ``limit`` (100 or 1000) from ``words[i]``: ``(value, next index)``."""
    word = words[i] if i < len(words) else ""
    if limit == 1000 and word in UNITS and i + 1 < len(words) and words[i + 1] == "hundred":
        rest, j = _below(words, i + 2, 100)
        return UNITS[word] * 100 + rest, j
    if word in TEENS:
        return TEENS[word], i + 1
    if word in TENS:
        unit = words[i + 1] if i + 1 < len(words) else ""
        if unit in UNITS and UNITS[unit] and unit not in ("oh", "o"):
            return TENS[word] * 10 + UNITS[unit], i + 2
        return TENS[word] * 10, i + 1
    if word in UNITS:
        return UNITS[word], i + 1
    return 0, i


def _continues(tokens: Sequence[Token], turns: Sequence[Turn], run: list[int], i: int) -> bool:
    """Whether token ``i`` continues the number made of tokens ``run``."""
    last, so_far = run[-1], len(run)
    a, b = tokens[last], tokens[i]
    if a.turn != b.turn and (turns[a.turn].speaker != turns[b.turn].speaker or so_far < 2):
        return False  # a number goes on in the speaker's next turn once it has begun
    between = tokens[last + 1 : i]
    for turn in range(a.turn + 1, b.turn):  # what the listener says in between
        said = [t for t in between if t.turn == turn]
        if turns[turn].speaker == turns[a.turn].speaker or len(said) > SHORT_REPLY:
            return False
        if ASKS_NEXT.search(turns[turn].text):  # "and the expiry?": a new detail follows
            return False
        if any(t.is_number for t in said):
            return False
    said = [t for t in between if t.turn in (a.turn, b.turn) and t.low not in SEPARATORS | FILLERS]
    if a.turn == b.turn and so_far >= 3 and said and len(said) <= 2:  # digits joined by "then"
        digit_by_digit = all(_digit_group(tokens[k]) for k in (*run, i))
        joined = all(t.low in JOINS for t in said) and said[-1].low in ("then", "next", "is")
        return digit_by_digit and joined
    for t in said:
        opens_turn = t.turn == b.turn != a.turn and t.low in CONTINUATIONS
        after_hundreds = t.low == "and" and a.low in ("hundred", "thousand")
        if not (opens_turn or after_hundreds):
            return False
    return True


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _digit_group(tok: Token) -> bool:
    """A digit said on its own ("four", "oh") or a written group of digits ("4111")."""
    return tok.low in UNITS or tok.text.isdigit()


def _trim(tokens: Sequence[Token], run: list[int]) -> list[int]:
    """Drop an opening "oh" or "o" that is an exclamation rather than a zero ("oh, one more")."""
    while (
        run
        and tokens[run[0]].low in ("oh", "o")
        and (len(run) == 1 or tokens[run[1]].start - tokens[run[0]].end > 1)
    ):
        run = run[1:]
    return run
