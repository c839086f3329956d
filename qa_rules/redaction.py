"""Redaction: personal and payment data out of a transcript before anything is stored, indexed,
logged or shown.

Finds payment card numbers (Luhn), security codes and expiry dates, bank account and routing
numbers, social security numbers, phone numbers, email addresses, street addresses, dates of
birth and person names, written ("4111-1111-...", "jo@example.com") or spoken ("four one one
one ...", "jo at example dot com"), also when a number is split across turns. Numbers are read
with their context ("security code", "order number"), so an order number or a price is left
alone. Each span becomes a typed placeholder such as ``[CARD]``; the transcript records where
each placeholder is and when it was said, so evidence quotes stay aligned and the audio can be
muted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import regex

from callqa.models.nlp import parse
from callqa.models.transcript import Redaction, RedactionKind, Transcript, Turn, Word
from callqa.qa_rules.redaction_context import (
    PLACEHOLDER,
    chunk_spans,
    context_spans,
    echo_spans,
)
from callqa.qa_rules.spoken import (
    FILLERS,
    LETTERS,
    MONTHS,
    NUMBER_WORDS,
    ORDINALS,
    WORD,
    NumberRun,
    Token,
    luhn_valid,
    number_runs,
    tokenise,
)

__all__ = ["find_spans", "luhn_valid", "redact_text", "redact_transcript"]

REDACTION_VERSION = "12"  # bump when the rules change: cached transcripts are then redone

KINDS: tuple[RedactionKind, ...] = get_args(RedactionKind)  # also the precedence of overlaps

CUES = {
    "card": ("card", "visa", "mastercard", "master card", "amex", "american express",
             "discover", "credit", "debit"),
    "cvv": ("security code", "cvv", "cvc", "cv2", "csc", "c v v", "three digit", "3 digit",
            "back of the card", "on the back", "verification code", "card code",
            "security number", "pin", "digit code"),
    "expiry": ("expir", "exp", "valid thru", "valid through", "valid until", "good thru",
               "good through", "good until"),
    "account": ("account", "acct", "checking", "savings", "iban"),
    "routing": ("routing", "aba", "sort code", "transit number"),
    "ssn": ("social security", "ssn", "s s n", "social", "tax id", "taxpayer"),
    "phone": ("phone", "cell", "mobile", "telephone", "call me", "call you", "call back",
              "callback", "reach me", "reach you", "contact number", "landline", "fax",
              "text me", "number to"),
    "zip": ("zip", "postal code", "postcode", "post code"),
    "dob": ("date of birth", "birth date", "birthdate", "born", "birthday", "d o b", "dob"),
    # identifiers and measures: a number said with them is not personal data...
    "other": ("order", "tracking", "reference", "confirmation", "case number", "ticket",
              "invoice", "claim", "model", "serial", "item", "sku", "part number", "flight",
              "room", "extension", "ext"),
    # ...nor with money or time words, but a Luhn-valid card number is ("the charge on 4539…")
    "money": ("$", "dollar", "cents", "bucks", "percent", "%", "minutes", "hours", "days",
              "o'clock", "am", "pm", "balance", "total", "price", "pay", "fee", "charge", "cost",
              "miles", "points", "version", "year", "times"),
}  # fmt: skip
NOT_DATA = {"other", "money"}
NOT_DATA_WORDS = {*CUES["other"], *CUES["money"]}
BEFORE, AFTER = 12, 4  # context window, in tokens
# The cue vocabulary and then some: words spaCy's NER may take for a name ("Expiry: 04/27").
CUE_WORDS = {w for cues in CUES.values() for cue in cues for w in cue.split()} | {
    "email", "e-mail", "expiry", "expiration", "address", "number", "code", "zip", "dob",
}  # fmt: skip

# British street words too ("22 Larch Close", "9 Ivy Grove"), not those that are mostly
# something else ("2 bright green ones", "a 10 min walk", "a 2 hour car park")
STREETS = {"street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "lane", "ln",
           "boulevard", "blvd", "court", "ct", "way", "place", "pl", "terrace", "circle", "cir",
           "parkway", "pkwy", "highway", "hwy", "trail", "square", "crescent", "plaza",
           "alley", "close", "grove", "gardens", "mews", "vale", "parade", "estate", "quay",
           "wharf"}  # fmt: skip
UNIT_WORDS = {"apartment", "apt", "unit", "suite", "#", "number", "floor", "flat"}
TLDS = {"com", "net", "org", "edu", "gov", "io", "co", "uk", "us", "ca", "info", "biz", "me",
        "de", "fr", "ie", "es", "nl", "be", "ch", "se", "dk", "pl", "pt", "eu", "au", "nz",
        "jp", "cn", "ru", "br", "mx", "za", "sg", "hk", "tv", "app", "dev"}  # fmt: skip
JOINERS = {"dot": ".", ".": ".", "underscore": "_", "_": "_", "dash": "-", "-": "-",
           "hyphen": "-"}  # fmt: skip
NOT_NAMES = (
    set(
        """a an the and or but of to in on at for from with by as is are was were be been
i i'm me my we you your he she it they them this that these those here there what which who
how when where why not no yes just so very really calling trying looking having sorry glad
happy sure afraid going wondering still also now then again please thanks thank okay ok well
good great fine calling speaking from with about new hold wait hang give let sec second moment
minute us him her his our their out off back home away got i've i'll do done mr mrs ms miss mister
dr dot underscore it's that's here's there's""".split()
    )
    | FILLERS
    | NUMBER_WORDS
)
# Interjections, no names in passing ("Nah, Blimey"), yet names after a title or "my name is"
# when capitalised ("Mrs Aye Aye Myint", "Mr Oh", "last name is Bye").
INTERJECTIONS = {"nah", "nope", "yep", "yeah", "aye", "alright", "righto", "cheers", "ta",
                 "blimey", "gosh", "wow", "ooh", "oh", "hiya", "hi", "hello", "bye"}  # fmt: skip
NOT_NAMES |= INTERJECTIONS
# Verbs that end a name after a cue; as its first word they may be the name ("Mr Will Hay").
MODALS = {"will", "would", "can", "could", "should", "shall", "may", "might", "must"}
CONNECTIVES = {"at", "from", "in", "on", "of", "and", "the", "a", "to", "with", "for", "is"}
NAME_CUES = re.compile(
    r"\b(?:my name is|my name's|name is|name's|first name is|last name is|surname is|"
    r"under the name(?: of)?|speaking with|talking to|this is|i'm|i am|"
    r"mr|mrs|ms|miss|mister|dr)\.?\s+",
    re.IGNORECASE,
)
NAME_HERE = regex.compile(rf"\b(?:hi|hello|hey),?\s+({LETTERS}(?:\s+{LETTERS})?)\s+here\b", regex.I)
ASKS_NAME = re.compile(r"\b(?:your name|name please|who am i speaking|name on the)", re.I)
ANSWER_OPENING = re.compile(r"^\W*(?:(?:yes|yeah|sure|okay|ok|uh|um|it's|its|it is)\W+)*", re.I)
WEAK_NAME_CUES = ("this is", "i'm", "i am")  # need a capital letter or "from"/"with" after
TO_SOMEONE = ("speaking with", "talking to")
ORG_WORDS = {"bank", "energy", "mobile", "telecom", "wireless", "broadband", "insurance",
             "financial", "finance", "credit", "union", "utilities", "utility", "water", "gas",
             "electric", "power", "airlines", "airways", "services", "solutions", "group",
             "inc", "ltd", "llc", "corp", "company", "communications", "telecoms", "health",
             "pharmacy", "motors", "savings", "trust", "capital", "networks", "internet",
             "cable", "fibre", "fiber", "support", "store", "shop", "hire", "rental", "rentals",
             "rail", "railway", "railways", "council", "homes", "homeware", "travel", "parcels",
             "couriers", "vets", "veterinary", "surgery", "clinic", "dental", "housing",
             "logistics", "hotels", "airline", "opticians", "optician", "optometrists",
             "dentists", "removals", "garage", "ferries", "ferry", "tickets", "ticketing",
             "university", "college", "school", "academy", "library", "libraries", "leisure",
             "fitness", "gym", "lettings", "estates", "properties", "furniture", "solar",
             "boilers", "heating", "plumbing", "catering", "software", "cinemas", "care",
             "theatre"}  # fmt: skip
SPELT = re.compile(  # "Ceallaigh is spelt c e a l l a i g h" (not an email: "j o at gmail…")
    r"\b(?:spelt|spelled|spelling)(?: (?:as|is|it's))?\W+((?:\w\W+){2,}\w)\b"
    r"(?!\W*(?:at|dot|@|underscore)\b)",
    re.I,
)
NAME_WORD = regex.compile(rf"{LETTERS}(?:['’-]{LETTERS})*")  # "Smith-Jones", "D’Arcy"
WRITTEN_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Span:
    turn: int
    start: int
    end: int
    kind: RedactionKind


def redact_transcript(transcript: Transcript, nlp: Any = None) -> Transcript:
    """The transcript with personal data replaced by typed placeholders. ``nlp``: a spaCy
    pipeline with NER for person names (rules alone otherwise)."""
    spans = find_spans(transcript.turns, nlp)
    if not spans:
        return transcript
    turns, redactions = list(transcript.turns), []
    for i, turn in enumerate(turns):
        mine = [s for s in spans if s.turn == i]
        if mine:
            turns[i], placed = _redact_turn(turn, i, mine)
            redactions += placed
    return transcript.model_copy(
        update={"turns": tuple(turns), "redactions": transcript.redactions + tuple(redactions)}
    )


def redact_text(text: str, nlp: Any = None) -> str:
    """One piece of text with personal data replaced by placeholders."""
    return (
        redact_transcript(
            Transcript(call_id="text", turns=(Turn(speaker="unknown", text=text),), source="text"),
            nlp,
        )
        .turns[0]
        .text
    )


def find_spans(turns: Sequence[Turn], nlp: Any = None) -> list[Span]:
    """Every stretch of personal data in the turns, overlaps merged, in order: values named
    by what is said around them, answers to the agent's questions for personal data, and
    numbers that repeat one of those (an agent reading a card back)."""
    tokens = tokenise(turns)
    runs = number_runs(tokens, turns)
    context = Context(tokens, runs)
    answers = [Span(*s) for s in (*context_spans(turns, tokens, runs),
                                  *chunk_spans(turns, tokens, runs))]  # fmt: skip
    found = [  # what was asked for names a number better than the words around it
        *(s for s in _number_spans(tokens, runs, context) if not _overlaps(s, answers)),
        *answers,
        *_date_spans(tokens, context, answers),
        *_email_spans(turns, tokens),
        *_postcode_spans(turns),
        *_address_spans(tokens, runs),
        *_name_spans(turns, tokens, nlp),
    ]
    secret = {run: kind for run in runs if (kind := _covered(tokens, run, found))}
    found += [Span(*s) for s in echo_spans(tokens, runs, secret)]
    return _merge(s for s in found if not _inside_placeholder(turns[s.turn].text, s))


def _inside_placeholder(text: str, span: Span) -> bool:
    """A span touching a placeholder already in the text ("[PERSON]", "[PERSON_2]" in a
    transcript redacted before it came to us)."""
    return any(m.start() < span.end and span.start < m.end() for m in PLACEHOLDER.finditer(text))


def _overlaps(span: Span, others: Sequence[Span]) -> bool:
    return any(o.turn == span.turn and o.start < span.end and span.start < o.end for o in others)


def _covered(
    tokens: Sequence[Token], run: NumberRun, spans: Sequence[Span]
) -> RedactionKind | None:
    """The kind of a span that covers the first token of ``run``, if one does."""
    first = tokens[run.first]
    for s in spans:
        if s.turn == first.turn and s.start <= first.start < s.end and s.kind != "PERSON":
            return s.kind
    return None


def _number_spans(
    tokens: Sequence[Token], runs: Sequence[NumberRun], context: Context
) -> Iterable[Span]:
    for run in runs:
        kind = _number_kind(run, context.cues(run.first, run.last))
        if kind:
            yield from _cover(tokens, run.first, run.last, kind, run.turns)


def _number_kind(run: NumberRun, cues: set[str]) -> RedactionKind | None:
    d, n = run.digits, len(run.digits)
    if run.groups == (3, 2, 4):
        return "SSN"
    if run.groups in ((3, 3, 4), (1, 3, 3, 4)) or (run.groups == (3, 4) and "phone" in cues):
        return "PHONE"
    if "cvv" in cues and 3 <= n <= 6:
        return "CVV"
    if "expiry" in cues and n in (3, 4, 6) and 1 <= int(d[: n - 2] if n < 6 else d[:2]) <= 12:
        return "EXPIRY"
    if "dob" in cues and n in (6, 8):
        return "DOB"
    if "ssn" in cues and n in (4, 9):
        return "SSN"
    if "routing" in cues and n in (6, 9):
        return "ROUTING"
    if 13 <= n <= 19 and (luhn_valid(d) or "card" in cues):
        if "card" in cues or "other" not in cues:
            return "CARD"
    if "account" in cues and 6 <= n <= 17 and not cues & NOT_DATA:
        return "ACCOUNT"
    if "zip" in cues and n in (5, 9):
        return "ADDRESS"
    phone_shaped = (
        n == 10
        or (n == 11 and d[0] in "01")  # "1 555…", UK "07791 234567"
        or (n == 12 and d.startswith("44"))  # "+44 7791 234567"
        or (n == 14 and d.startswith("0044"))
    )
    if (phone_shaped and not cues & NOT_DATA) or ("phone" in cues and 7 <= n <= 13):
        return "PHONE"  # a digit misheard or dropped ("5.5, 1, 2, 3…") is still the number
    return None


class Context:
    """What is said around a stretch of tokens: which cue families ("card", "cvv", "other"...)
    occur in the words before it (back to the previous number at most) and just after it."""

    def __init__(self, tokens: Sequence[Token], runs: Sequence[NumberRun]) -> None:
        self.tokens = tokens
        self.run_ends = sorted(run.last for run in runs)

    def cues(self, first: int, last: int) -> set[str]:
        previous = bisect.bisect_left(self.run_ends, first) - 1
        floor = self.run_ends[previous] + 1 if previous >= 0 else 0
        start = max(floor, first - BEFORE)
        found = self._families(start, first, last + 1, last + 1 + AFTER)
        if found & NOT_DATA:  # only what is said right next to the number counts against it
            near = self._families(max(start, first - 4), first, last + 1, last + 3)
            found -= NOT_DATA - near
        return found

    def _families(self, a: int, b: int, c: int, d: int) -> set[str]:
        before = " ".join(t.low.removesuffix("'s") for t in self.tokens[a:b])
        after = " ".join(t.low.removesuffix("'s") for t in self.tokens[c:d])
        text = f" {before} | {after} "
        return {family for family, cues in CUES.items() if any(_has(text, c) for c in cues)}


def _has(text: str, cue: str) -> bool:
    if cue == "expir":
        return " expir" in text
    return f" {cue} " in text or (not cue[-1].isalnum() and cue in text)


def _date_spans(
    tokens: Sequence[Token], context: Context, answers: Sequence[Span]
) -> Iterable[Span]:
    """Dates named with a month ("march fourteenth nineteen eighty five", "the 4th of july
    2027", "04/27"): a date of birth or an expiry date when the context says so, and so is the
    same day and month said again ("The fourth of May nineteen eighty one?"), and a date part
    of which answers "date of birth?" ("fourteenth march eighty two": ``answers``)."""
    known: dict[tuple[str, ...], RedactionKind] = {}
    for i, tok in enumerate(tokens):
        if tok.low in MONTHS:
            found = _around_month(tokens, i)
        elif re.fullmatch(r"\d{1,2}", tok.text) and _slashed(tokens, i):
            found = (i, i + 4 if _slashed(tokens, i + 2) else i + 2)
        else:
            found = None
        if found:
            cues = context.cues(*found)
            day_month = tuple(t.low for t in tokens[found[0] : found[1] + 1]
                              if t.low not in ("the", "of", ",", "-", "/"))[:2]  # fmt: skip
            date = Span(tokens[found[0]].turn, tokens[found[0]].start, tokens[found[1]].end, "DOB")
            answered = next(
                (a.kind for a in answers if a.kind in ("DOB", "EXPIRY") and _overlaps(a, [date])),
                None,
            )
            named: RedactionKind | None = (
                "DOB" if "dob" in cues else "EXPIRY" if "expiry" in cues else None
            )
            kind = named or answered or known.get(day_month)
            if kind:
                known.setdefault(day_month, kind)
                yield from _cover(tokens, *found, kind)


def _around_month(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """The tokens of a date around the month name at ``i`` (its day and year before or after
    it, in the same turn), or None when no number goes with it ("may" as a verb)."""
    turn = tokens[i].turn
    if tokens[i].low == "may" and not (
        _is_datey(tokens, i + 1) or (tokens[i + 1 : i + 2] and tokens[i + 1].low == "of")
    ):
        return None
    first = last = i
    j = i + 1
    while j < len(tokens) and j - i <= 8 and tokens[j].turn == turn:
        if _is_datey(tokens, j):
            last = j
        elif tokens[j].low not in (",", "-", "of", "the", "in"):
            break
        j += 1
    j = i - 1
    while j >= 0 and i - j <= 4 and tokens[j].turn == turn:
        if _is_datey(tokens, j):
            first = j
        elif tokens[j].low not in ("of", "the"):
            break
        j -= 1
    return None if first == last else (first, last)


def _is_datey(tokens: Sequence[Token], j: int) -> bool:
    return j < len(tokens) and (tokens[j].is_number or tokens[j].low in ORDINALS
                                or tokens[j].low.endswith("teenth"))  # fmt: skip


def _slashed(tokens: Sequence[Token], i: int) -> bool:
    return (
        i + 2 < len(tokens)
        and tokens[i + 1].text == "/"
        and tokens[i + 2].text.isdigit()
        and tokens[i].turn == tokens[i + 2].turn
    )


def _email_spans(turns: Sequence[Turn], tokens: Sequence[Token]) -> Iterable[Span]:
    for i, turn in enumerate(turns):
        for m in WRITTEN_EMAIL.finditer(turn.text):
            yield Span(i, m.start(), m.end(), "EMAIL")
    for i, tok in enumerate(tokens):
        if tok.low not in ("at", "@"):
            continue
        last = _domain_end(tokens, i)
        first = i - 1
        if last is None or first < 0 or tokens[first].turn != tok.turn:
            continue
        head = tokens[first]
        if head.text.isalnum() and head.low not in CONJUNCTIONS:
            yield from _cover(tokens, _local_part(tokens, first), last, "EMAIL")


def _domain_end(tokens: Sequence[Token], at: int) -> int | None:
    """The last token of a domain spoken after "at" (token ``at``): parts of up to three words,
    or words joined by "dash", between "dot"s, ending in a known top-level domain ("harbor
    energy dot co dot uk", "harbor dash energy dot com"); None if none ("at the shop dot com
    website", "at work dot dot dot")."""
    last, j, words = None, at + 1, 0  # words: so far in this part of the domain
    while j < len(tokens) and j - at <= 16 and tokens[j].turn == tokens[at].turn:
        leading = j == at + 1 and not _joined_by(tokens, j + 1, DASHES)
        if not tokens[j].is_word or (leading and tokens[j].low in FUNCTION_WORDS):
            break  # "at the shop dot com", not "at my dash isp dot co dot uk"
        words += 1
        if j > at + 1 and words == 1 and tokens[j].low in TLDS:
            last = j
        if _joined_by(tokens, j + 1, DOTS):
            j, words = j + 2, 0
        elif _joined_by(tokens, j + 1, DASHES):
            j += 2
        elif words < 3:
            j += 1
        else:
            break
    return last


def _joined_by(tokens: Sequence[Token], k: int, joiners: tuple[str, ...]) -> bool:
    return k < len(tokens) and tokens[k].low in joiners and tokens[k].turn == tokens[k - 1].turn


DOTS, DASHES = ("dot", "."), ("dash", "-", "hyphen")
CONJUNCTIONS = {"and", "or", "but", "then", "so"}  # never end an email's user part ("…and at…")
# Words that never begin an email's domain ("at the shop dot com", "at my mum dot com")
FUNCTION_WORDS = {"the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that",
                  "and", "or", "but", "to", "of", "in", "on", "for", "with", "by", "at", "was",
                  "is", "were", "been", "it"}  # fmt: skip
SENDING = {"email", "emailed", "emailing", "mail", "mailed", "send", "sent", "write", "wrote",
           "contact", "address", "is", "was"}  # fmt: skip


def _local_part(tokens: Sequence[Token], first: int) -> int:
    """Where the user part of a spoken email address ending at token ``first`` begins:
    numbers, letters spelled one by one, words joined by "dot" or "underscore", and at most two
    other words."""
    head = tokens[first]
    turn, bare, k = head.turn, int(head.is_word and not head.is_number), first - 1
    while k >= 0 and tokens[k].turn == turn:
        tok = tokens[k]
        if tok.low in JOINERS and k >= 1 and tokens[k - 1].turn == turn:
            first = k = k - 1
        elif tok.is_number or (tok.is_word and tok.low not in NOT_NAMES | SENDING and bare < 2):
            bare += tok.is_word and not tok.is_number and len(tok.text) > 1  # "j o h n" spelled
            first = k
        else:
            break
        k -= 1
    return first


MEASURES = frozenset(
    """pound pounds dollar dollars euro euros pence cents quid bucks per each percent kilo kilos
    kg gig gigs gigabytes minutes hours days weeks months years times""".split()
)


# A UK postcode written out ("SW1A 1AA", "m4 7rt"): outward code, then a digit and two of the
# letters an inward code uses (not "M25 2pm", "B12 4th", "S10 5GB").
UK_POSTCODE = re.compile(
    r"\b[a-z]{1,2}\d[a-z\d]?\s?\d(?!(?:th|st|nd|rd|gb)\b)[abd-hjlnp-uw-z]{2}\b", re.IGNORECASE
)


def _postcode_spans(turns: Sequence[Turn]) -> Iterable[Span]:
    for i, turn in enumerate(turns):
        for m in UK_POSTCODE.finditer(turn.text):
            yield Span(i, m.start(), m.end(), "ADDRESS")


def _address_spans(tokens: Sequence[Token], runs: Sequence[NumberRun]) -> Iterable[Span]:
    """A house number, up to four name words and a street word ("12 north oak avenue"), with
    a unit number after it, and the city, state and ZIP when a ZIP code follows; or a PO box."""
    run_ending = {run.last: run for run in runs}
    run_starting = {run.first: run for run in runs}
    for i, tok in enumerate(tokens):
        if tok.low == "box" and i >= 1 and tokens[i - 1].low in ("po", "o", "p.o", "pobox"):
            if i + 1 in run_starting:
                first = i - 2 if i >= 2 and tokens[i - 2].low == "p" else i - 1
                yield from _cover(tokens, first, run_starting[i + 1].last, "ADDRESS")
            continue
        if tok.low not in STREETS or i < 2:
            continue
        j = i - 1
        while j > i - 5 and j >= 0 and tokens[j].turn == tok.turn and _street_name(tokens[j]):
            j -= 1
        if tokens[j].turn == tok.turn and _house_letter(tokens, j) and j - 1 in run_ending:
            j -= 1  # "4a Elm Street", "4 A Ivy Grove": the letter is part of the house number
        elif j == i - 1 or j not in run_ending or tokens[j].turn != tok.turn:
            continue
        house = run_ending[j]
        if len(house.digits) > 6:
            continue
        last = i
        unit = i + 2 if i + 2 < len(tokens) and tokens[i + 1].low == "," else i + 1  # ", flat 2"
        if (
            unit + 1 < len(tokens)
            and tokens[unit].low in UNIT_WORDS
            and tokens[unit].turn == tok.turn
        ):
            last = run_starting[unit + 1].last if unit + 1 in run_starting else unit + 1
        for k in range(last + 1, min(last + 10, len(tokens))):
            if tokens[k].turn != tok.turn:
                break
            if k in run_starting and len(run_starting[k].digits) in (5, 6, 9, 10):
                last = run_starting[k].last
                break
            if tokens[k].is_number:
                break
        yield from _cover(tokens, house.first, last, "ADDRESS")


def _house_letter(tokens: Sequence[Token], j: int) -> bool:
    """Token ``j`` is the letter of a house number right after its digits: joined to them
    ("4a") or written as a capital ("4 A"), not an article ("2 a day")."""
    tok, before = tokens[j], tokens[j - 1] if j >= 1 else None
    return (before is not None and len(tok.low) == 1 and "a" <= tok.low <= "h"
            and before.turn == tok.turn and before.is_number
            and (tok.start == before.end or tok.text.isupper()))  # fmt: skip


def _street_name(tok: Token) -> bool:
    if tok.low in MEASURES:
        return False  # "thirty two pounds per bag each way" is a price, not an address
    return (tok.is_word and tok.low not in NOT_NAMES and tok.low not in NOT_DATA_WORDS) or (
        tok.low in ORDINALS
    )


def _name_spans(turns: Sequence[Turn], tokens: Sequence[Token], nlp: Any) -> Iterable[Span]:
    """Names after "my name is", "this is ... from", "Mr" and the like, names a spaCy NER
    pipeline tags as PERSON, and every later mention of the same name words."""
    spans: list[Span] = []
    for i, turn in enumerate(turns):
        for m in NAME_CUES.finditer(turn.text):
            spans += _name_after(i, turn.text, m)
        for m in NAME_HERE.finditer(turn.text):
            spans.append(Span(i, m.start(1), m.end(1), "PERSON"))
        asked = (
            i > 0 and turns[i - 1].speaker != turn.speaker and ASKS_NAME.search(turns[i - 1].text)
        )
        if asked and (opening := ANSWER_OPENING.match(turn.text)):
            spans += _name_after(i, turn.text, opening, strong=True)
    if nlp is not None and "ner" in getattr(nlp, "pipe_names", ()):
        docs = parse(nlp, [t.text for t in turns])  # reused by the analysis
        found = [(i, e) for i, doc in enumerate(docs) for e in doc.ents if e.label_ == "PERSON"]
        common = _common_nouns(docs, {e[0].lower_ for _, e in found if len(e) == 1})
        spans += [
            Span(i, e.start_char, e.end_char, "PERSON")
            for i, e in found
            if not {w.lower_ for w in e} <= NOT_NAMES | CUE_WORDS
            and not (len(e) == 1 and e[0].lower_ in common)
            and not _organisation(docs[i], e)
        ]
    for i, turn in enumerate(turns):  # "Ceallaigh is spelt c e a l l a i g h"
        for m in SPELT.finditer(turn.text):
            spans.append(Span(i, m.start(1), m.end(1), "PERSON"))
    spans = [s for s in spans if not _inside_placeholder(turns[s.turn].text, s)]
    names = {w.lower() for s in spans for w in WORD.findall(turns[s.turn].text[s.start : s.end])}
    names = {n for n in names if len(n) > 1 and n not in NOT_NAMES}
    for tok in tokens:
        if tok.low in names:
            spans.append(Span(tok.turn, tok.start, tok.end, "PERSON"))
    return spans


def _common_nouns(docs: Sequence[Any], words: set[str]) -> set[str]:
    """Which of ``words`` the call says with "the", "a" or "your" somewhere ("your blue bin
    was missed"): common nouns, also where NER takes one alone for a name ("as bin")."""
    return {
        t.lower_
        for doc in docs
        for t in doc
        if t.lower_ in words and any(c.dep_ in ("det", "poss") for c in t.children)
    }


def _organisation(doc: Any, entity: Any) -> bool:
    """An entity NER took for a person that names a company ("Harbor Bank", "Northwind
    Energy", "calling Acme") or is only a filler ("mmm mmm")."""
    words = {w.lower_ for w in entity}
    after = doc[entity.end].lower_ if entity.end < len(doc) else ""
    before = doc[entity.start - 1].lower_ if entity.start > 0 else ""
    return bool(
        words & ORG_WORDS
        or after in ORG_WORDS
        or before in ("calling", "to", "at")
        or words <= FILLERS | {"mmm", "mm", "hmm", "mhm"}
    )


def _modal_verb(word: regex.Match[str], after: Sequence[regex.Match[str]]) -> bool:
    """ "will" in "Mr Adeyemi will ring": lower case, and a verb follows (not "Mr Brian May",
    "Dr John Will at the surgery", "Mrs Theresa May will…")."""
    if word.group().lower() not in MODALS or word.group()[0].isupper() or not after:
        return False
    return after[0].group().lower() not in MODALS | CONNECTIVES


def _name_after(turn: int, text: str, cue: re.Match, strong: bool = False) -> list[Span]:
    words = list(NAME_WORD.finditer(text[cue.end() :]))[:4]
    taken: list[regex.Match[str]] = []
    most = 3 if strong else 2  # "Siobhán Ó Ceallaigh" answering "your name?"
    titled = strong or cue.group().strip(" .").lower() not in WEAK_NAME_CUES + TO_SOMEONE
    for k, w in enumerate(words):
        low = w.group().lower()
        if low in FILLERS and not taken:
            continue
        capital = w.group()[0].isupper()
        named = titled and low in INTERJECTIONS and capital
        full = len(taken) == most and not (  # "Mrs Aye Aye Myint": three capitalised words
            titled and len(taken) == 2 and capital and all(t.group()[0].isupper() for t in taken)
        )
        if (low in NOT_NAMES and not named) or full or (taken and _modal_verb(w, words[k + 1 :])):
            break  # "Mr Adeyemi will ring you": the name ends at "will"
        if not taken and low in MODALS and words[k + 1 :] and words[k + 1].group() in NOT_NAMES:
            break  # "okay, will do": no name
        between = text[cue.end() + (taken[-1].end() if taken else 0) : cue.end() + w.start()]
        if taken and between.strip(" "):
            break
        taken.append(w)
    if not taken:
        return []
    weak = not strong and cue.group().strip(" .").lower() in WEAK_NAME_CUES
    after = text[cue.end() + taken[-1].end() :].lstrip(" ,").lower()
    lower = not taken[0].group()[0].isupper()
    if weak and lower and (not after.startswith(("from", "with")) or len(taken) == 1
                           and taken[0].group().endswith("ing")):  # fmt: skip
        return []  # "i'm working from home"
    return [Span(turn, cue.end() + w.start(), cue.end() + w.end(), "PERSON") for w in taken]


def _cover(
    tokens: Sequence[Token], first: int, last: int, kind: RedactionKind, turns: Iterable[int] = ()
) -> Iterable[Span]:
    """Spans over tokens ``first..last``, one per turn they cross (only ``turns`` if given)."""
    by_turn: dict[int, list[Token]] = {}
    keep = set(turns)
    for t in tokens[first : last + 1]:
        if keep and t.turn not in keep:
            continue
        if t.low not in FILLERS or by_turn.get(t.turn):
            by_turn.setdefault(t.turn, []).append(t)
    for turn, toks in by_turn.items():
        while toks and (toks[-1].low in FILLERS or not toks[-1].text.isalnum()):
            toks.pop()
        if toks:
            yield Span(turn, toks[0].start, toks[-1].end, kind)


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans become one, of the kind that comes first in :data:`KINDS`."""
    merged: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.turn, s.start, -s.end)):
        if merged and merged[-1].turn == s.turn and s.start < merged[-1].end:
            top = merged[-1]
            kind = min(top.kind, s.kind, key=KINDS.index)
            merged[-1] = Span(s.turn, top.start, max(top.end, s.end), kind)
        else:
            merged.append(s)
    return merged


def _redact_turn(turn: Turn, index: int, spans: Sequence[Span]) -> tuple[Turn, list[Redaction]]:
    """Turn ``index`` with each span replaced by its placeholder, its words likewise."""
    text, pieces, redactions, pos = turn.text, [], [], 0
    located = turn.word_offsets()
    words: list[Word] = []
    for span in spans:
        pieces.append(text[pos : span.start])
        at = sum(len(p) for p in pieces)
        placeholder = f"[{span.kind}]"
        times = turn.span_times(span.start, span.end)
        redactions.append(
            Redaction(turn=index, kind=span.kind, char_start=at, char_end=at + len(placeholder),
                      start=times[0] if times else None, end=times[1] if times else None)
        )  # fmt: skip
        pieces.append(placeholder)
        pos = span.end
    pieces.append(text[pos:])
    last_span = None
    for offset, word in located:
        size = len(word.text.strip())
        inside = [k for k, s in enumerate(spans) if offset < s.end and s.start < offset + size]
        if not inside:
            words.append(word)
        elif inside[0] == last_span:
            words[-1] = words[-1].model_copy(update={"end": word.end})
        else:
            kind = spans[inside[0]].kind
            words.append(Word(text=f"[{kind}]", start=word.start, end=word.end))
        last_span = inside[0] if inside else None
    return turn.model_copy(update={"text": "".join(pieces), "words": tuple(words)}), redactions
