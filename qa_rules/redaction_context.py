"""Redaction by dialogue context: what the agent just asked for decides what the customer's next
turns hold. After "what's the card number?" every number the customer says in the next few
turns, in chunks or joined by "then", is card digits, and so is the agent's echo of a chunk;
after "and the zip?" a bare "nine oh two one oh" is part of an address; after "your last name?"
a bare "okafor" (or "o k a f o r") is a name. A number someone repeats that was already
personal data is personal data again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from callqa.models.transcript import RedactionKind, Turn
from callqa.qa_rules.spoken import FILLERS, MONTHS, ORDINALS, NumberRun, Token, luhn_valid

# What an agent's turn asks for, in the order kinds are tried; the pattern must match the turn.
ASKED_FOR: tuple[tuple[RedactionKind, str], ...] = (
    ("CVV", r"security code|\bcvv\b|\bcvc\b|three[- ]digit|3[- ]digit|four[- ]digit code|"
            r"code on the back|back of (?:the|your) card|verification code|\bpin\b"),
    ("EXPIRY", r"expir|\bexp\b|valid (?:thru|through|until)|good (?:thru|through|until)"),
    ("CARD", r"card number|number on (?:the|your) (?:front of the )?card|long number|"
             r"(?:card|visa|mastercard|amex)\b[^.?]*\bnumber|(?:sixteen|16|fifteen)[- ]digit"),
    ("ROUTING", r"routing|\baba\b|sort code|transit number"),
    ("ACCOUNT", r"account number|checking|savings|\biban\b"),
    ("SSN", r"social security|\bssn\b|\bsocial\b"),
    ("DOB", r"date of birth|birth ?date|birthday|\bdob\b|\bborn\b"),
    ("PHONE", r"phone|\bcell\b|mobile number|contact number|best number|callback number|"
              r"number (?:to|we can|i can) (?:reach|call)|reach you|call you back"),
    ("EMAIL", r"e-?mail"),
    ("ADDRESS", r"(?<!email )(?<!e-mail )address|\bzip\b|post ?code|postal code|house number|"
                r"street|where do you live"),
    ("PERSON", r"\b(?:your|the) (?:full |first |last |middle |sur)?name\b|\bsurname\b|"
               r"\bspell\b|who am i speaking|name on the (?:card|account)"),
)  # fmt: skip
ASKS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in ASKED_FOR)
OTHER_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:and )?(?:what|which|when|how|where|why|would|do|did|is|are|can|could)\b",
    re.IGNORECASE,
)
# Asking for a detail that is not personal data: "and the reading", "what's the amount"
ASKS_OTHER = re.compile(
    r"\b(?:and|what's|what is|(?:can|could|may) i (?:take|have|get)) (?:the|your) (?:meter )?"
    r"(?:readings?|date(?! of birth)|time|amount|size|quantity|colou?r|model|day)\b",
    re.IGNORECASE,
)
WH_WORD = re.compile(r"\b(?:what|which|when|how|where|why)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
REQUEST_OPENING = re.compile(
    r"^\W*(?:(?:okay|ok|right|great|lovely|thanks|thank you|and|so|now|first|then)\W+)*"
    r"(?:can|could|may|would|will|what|what's|which|give|tell|confirm|read|spell|i'll need|"
    r"i need|i just need|i'll just need|let me (?:take|get|have)|please|your|the)\b",
    re.IGNORECASE,
)
PLEASE = re.compile(r"\bplease\b", re.IGNORECASE)
# A verb that makes a sentence opening "the"/"your" a statement: "the shop is on Elm Street"
STATES = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|opens?|closes?|shuts?|"
                    r"stays?|runs?|takes?|goes|went|comes?|came|gets?|got)\b|\w's\b",
                    re.IGNORECASE)  # fmt: skip
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")  # personal data already redacted
# Data given in a form a number run does not show: redacted before ("[POSTCODE]"), or a code
# of letters and digits ("SW1A 1AA").
GIVEN_DATA = re.compile(rf"{PLACEHOLDER.pattern}|\b(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{{3,}}\b", re.I)
WINDOW = 10  # turns after the question (or half as many after the latest chunk given)
LONG_TURN = 12  # words: an agent turn this long without numbers has moved on
# A bare yes to the agent's read-back of an answer given in one go (not a card in chunks)
CONFIRMED = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|correct|spot on|that's (?:it|right|correct))"
    r"(?:\W+(?:that's (?:it|right|correct)|it is|thanks|please))*\W*$",
    re.IGNORECASE,
)
WHOLE_ANSWERS = {"ADDRESS", "DOB", "PERSON", "EMAIL"}
ASKS_FOR_MORE = re.compile(  # not "in the next ten minutes", "on your next bill"
    r"\b(?:next(?! (?:\w+ )?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|time|bill|"
    r"statement|payment|week|day)\b)|rest|remaining|go on|carry on|keep going|"
    r"take your time)\b",
    re.IGNORECASE,
)
ANSWER_WORDS = {"yes", "yeah", "yep", "sure", "ok", "okay", "so", "it's", "its", "it", "is",
                "that's", "thats", "my", "the", "and", "then", "um", "uh", "oh", "right",
                "alright", "last", "first", "name", "surname", "spelled", "spell", "like", "new",
                "just", "sorry", "that", "was", "i", "think", "hmm", "well", "sorry,"}  # fmt: skip
NOT_ANSWER = {"no", "nope", "hold", "wait", "minute", "second", "moment", "what", "why",
              "file", "same", "don't", "dont", "not", "can't", "cant", "later", "let", "me",
              "check", "grab", "find", "hang", "on", "sec", "give"}  # fmt: skip
STREET_WORDS = {"street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "lane", "ln",
                "boulevard", "blvd", "court", "ct", "way", "place", "pl", "terrace", "circle",
                "close", "crescent", "parkway", "highway", "trail", "square", "row", "gardens",
                "apartment", "apt", "unit", "suite", "flat"}  # fmt: skip


@dataclass(frozen=True)
class Asked:
    """An agent turn that asks for personal data, and the kinds it asks for."""

    turn: int
    kinds: tuple[RedactionKind, ...]


def asked(turns: Sequence[Turn]) -> list[Asked]:
    """The agent turns that ask for personal data: in a question or a request ("and your
    postcode?", "can I take the card number"), not a statement that names it ("So it's the Golf
    from the city centre branch."); unpunctuated turns are read as asking. A placeholder read
    back ("so that's [ADDRESS] [POSTCODE]") asks for nothing."""
    found = []
    for i, turn in enumerate(turns):
        if turn.speaker != "agent":
            continue
        text = PLACEHOLDER.sub(" ", turn.text)
        punctuated = bool(re.search(r"[.!?]", text))
        asking = [
            s
            for s in SENTENCE_END.split(text)
            if not punctuated or s.rstrip().endswith("?") or _request(s)
        ]
        kinds = tuple(kind for kind, pattern in ASKS if any(pattern.search(s) for s in asking))
        if kinds:
            found.append(Asked(i, kinds))
    return found


def _request(sentence: str) -> bool:
    """A sentence that asks for something without a question mark ("Can I take the postcode.",
    "The card number, please."), not a statement that opens the same way ("The barber shop is
    located at 1532 20th Street.")."""
    opening = REQUEST_OPENING.match(sentence)
    if opening is None:
        return False
    if opening.group().split()[-1].lower() not in ("the", "your"):
        return True
    return bool(PLEASE.search(sentence)) or not STATES.search(sentence)


def answer_turns(
    turns: Sequence[Turn], ask: Asked, runs_in: Mapping[int, Sequence[NumberRun]]
) -> list[int]:
    """The turns after ``ask`` that may hold the answer: the customer's, and the agent's
    echoes and prompts ("okay", "four one one one, go on"), until the agent moves on (a new
    question for personal data, a long turn without numbers, or, once the customer has given
    the data, a long turn that neither repeats it nor asks for the rest: "so that's two extra
    days at thirty-nine pounds", "that's all matched, so when would you like it back?") or the
    window ends."""
    out: list[int] = []
    given: list[NumberRun] = []
    answered = False  # the customer gave digits or data already redacted ("[POSTCODE]")
    items = 0  # pieces of data the customer gave: numbers, codes, placeholders
    end = ask.turn + 1 + WINDOW
    j = ask.turn
    while (j := j + 1) < min(len(turns), end):
        turn = turns[j]
        if turn.speaker == "agent":
            words = turn.text.split()
            if any(p.search(turn.text) for _, p in ASKS) and not _has_digits(turn.text):
                break
            if len(words) > LONG_TURN and not _has_digits(turn.text):
                break
            own = [run for run in runs_in.get(j, ()) if len(run.digits) >= 2]
            moved_on = not _echoes(own, given) and not ASKS_FOR_MORE.search(turn.text)
            if len(words) > LONG_TURN and answered and moved_on:
                break
            if (
                OTHER_QUESTION.search(turn.text) or (answered and ASKS_OTHER.search(turn.text))
            ) and not _has_digits(turn.text):
                break  # "what day would you like?", "thanks, and the reading": something else
            if (
                answered
                and WH_WORD.search(turn.text)
                and not _has_digits(turn.text)
                and not ASKS_FOR_MORE.search(turn.text)
            ):
                break  # "thanks that's you what time were you after": answered, moved on
        else:  # "I've got two with you" gives no data; "four five three nine" does
            chunk = [run for run in runs_in.get(j, ()) if len(run.digits) >= 2]
            if chunk:  # a chunk given, each read back and confirmed: the window goes on
                end = max(end, j + 1 + WINDOW // 2)
            given += chunk
            items += len(chunk) + len(GIVEN_DATA.findall(turn.text))
            whole = set(ask.kinds) <= WHOLE_ANSWERS and items >= len(ask.kinds)
            if answered and whole and CONFIRMED.match(turn.text):
                out.append(j)  # "so that's 14 Elm Road?" "yeah that's it": the address is
                break  # complete (not while a second thing asked for is still to come)
            answered = answered or bool(given) or bool(GIVEN_DATA.search(turn.text))
        out.append(j)
    return out


def _echoes(runs: Iterable[NumberRun], given: Sequence[NumberRun]) -> bool:
    """Some number in ``runs`` repeats three or more digits in a row of one ``given`` (a
    read-back, right or wrong, of a card, account or phone number)."""
    return any(
        run.digits[k : k + 3] in other.digits
        for run in runs
        for k in range(len(run.digits) - 2)
        for other in given
    )


def context_spans(
    turns: Sequence[Turn], tokens: Sequence[Token], runs: Sequence[NumberRun]
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """(turn, start, end, kind) for what answers the agent's questions for personal data."""
    by_turn: dict[int, list[NumberRun]] = {}
    for run in runs:
        for t in run.turns:
            by_turn.setdefault(t, []).append(run)
    for ask in asked(turns):
        answers = answer_turns(turns, ask, by_turn)
        first = next((j for j in answers if turns[j].speaker == "customer" and j in by_turn), None)
        street_asked = bool(STREET_ASK.search(turns[ask.turn].text))
        for j in answers:
            speaker = turns[j].speaker
            named = _named_data(turns[j].text)
            kinds = (named,) if named in ask.kinds else ask.kinds  # "and the address is 42…"
            runs_here = by_turn.get(j, ())
            for run in runs_here:
                kind = _kind_of(run, kinds)
                if kind and _measured(tokens, run):
                    continue  # "ninety-two dollars", "three days": an amount, not the answer
                if kind and (speaker == "customer" or len(run.digits) >= 2):
                    yield from _run_in_turn(tokens, run, j, kind)
            if speaker == "customer" and "ADDRESS" in kinds:  # the answer: "forty two the…"
                opens = street_asked and j == first  # or "…and the address is forty two the…"
                yield from _after_house_number(turns[j].text, tokens, runs_here, j, opens)
            elif street_asked and first is not None and j > first:  # read back: "so that's
                given = {run.digits for run in by_turn.get(first, ())}  # forty two the…?"
                echoed = [run for run in runs_here if run.digits in given]
                yield from _after_house_number(turns[j].text, tokens, echoed, j, True)
            if speaker != "customer":
                continue
            if "PERSON" in ask.kinds and not _has_digits(turns[j].text):
                yield from _name_answer(tokens, j)
            if "ADDRESS" in kinds:
                yield from _street_words(tokens, j)


def chunk_spans(
    turns: Sequence[Turn], tokens: Sequence[Token], runs: Sequence[NumberRun]
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """A number one speaker gives in chunks over several turns, while the other party only
    echoes or acknowledges ("four five three nine" / "mhm" / "one four eight eight" ...): a
    card when the chunks make 13 to 19 digits that pass the Luhn check or a card was just
    mentioned; a phone number when they make 10 or 11 digits and a phone was mentioned."""
    for group in _chunk_groups(turns, tokens, runs):
        digits = "".join(run.digits for run in group)
        first = min(min(run.turns) for run in group)
        last = max(max(run.turns) for run in group)
        said = " ".join(turns[t].text.lower() for t in range(max(0, first - 3), last + 1))
        if 13 <= len(digits) <= 19 and (luhn_valid(digits) or "card" in said):
            kind: RedactionKind = "CARD"
        elif len(digits) in (10, 11) and re.search(r"phone|number|cell|mobile|reach|text", said):
            kind = "PHONE"
        else:
            continue
        for run in group:
            for turn in run.turns:
                yield from _run_in_turn(tokens, run, turn, kind)


def _chunk_groups(
    turns: Sequence[Turn], tokens: Sequence[Token], runs: Sequence[NumberRun]
) -> list[list[NumberRun]]:
    """Numbers by one speaker in consecutive turns of theirs, with at most one short turn of
    the other party's (an echo, "mhm") between two chunks, until the speaker names another
    kind of data ("forty two the maltings" / "oh and my mobile, it's oh seven seven…")."""
    groups: list[list[NumberRun]] = []
    open_group: dict[str, list[NumberRun]] = {}
    named_at_start: dict[str, RedactionKind | None] = {}
    for run in runs:
        turn = min(run.turns)
        speaker = turns[turn].speaker
        if len(run.digits) < 2 or _measured(tokens, run):  # "the debit one", "92 dollars"
            continue
        if run.first == run.last and len(run.digits) < 3:
            continue  # one number word ("fourteen", "twenty") is a count, not a chunk of digits
        if any(tokens[k].low in MAGNITUDES for k in range(run.first, run.last + 1)):
            continue  # "twenty-five thousand" is an amount, not digits read out
        if len(run.digits) > 19 or _whole_phone(run.digits):
            open_group.pop(speaker, None)  # not a chunk: a number said whole ("07791 234567")
            continue
        group = open_group.get(speaker)
        named = _named_just_before(turns[turn].text, tokens, run)
        if group and named and named_at_start[speaker] not in (None, named):
            group = None  # "and the address is forty two…" - "oh and my mobile, it's oh seven…"
        if group and turn == max(group[-1].turns) and run.first - group[-1].last > 3:
            group = None  # "eleven fifty in total, two eight seven fifty paid today and eight
            # six two fifty by May": amounts in one sentence, not one number in chunks
        if group:
            gap = range(max(group[-1].turns) + 1, turn)
            short = all(turns[t].speaker != speaker and len(turns[t].text.split()) <= LONG_TURN
                        for t in gap)  # fmt: skip
            if len(gap) <= 1 and short:
                group.append(run)
                continue
        open_group[speaker], named_at_start[speaker] = [run], named
        groups.append(open_group[speaker])
    return [g for g in groups if len(g) >= 2]


# Words that name a kind of data ("my mobile", "the address is", "we live at")
NAMED_KINDS: dict[str, RedactionKind] = {
    **dict.fromkeys(("phone", "mobile", "cell", "landline"), "PHONE"),
    **dict.fromkeys(("address", "postcode", "post code", "zip", "live at", "living at",
                     "moved to", "moving to"), "ADDRESS"),
    **dict.fromkeys(("date of birth", "birthday"), "DOB"),
    **dict.fromkeys(("email", "e-mail"), "EMAIL"),
    "card": "CARD",
    "account": "ACCOUNT",
    "sort code": "ROUTING",
}  # fmt: skip
NAMES_DATA = "(" + "|".join(map(re.escape, sorted(NAMED_KINDS, key=len, reverse=True))) + ")"
NAMED = re.compile(rf"\b{NAMES_DATA}\b", re.IGNORECASE)
NAMED_RIGHT_BEFORE = re.compile(  # "my mobile, it's", "and the address is", "card number:"
    rf"\b{NAMES_DATA}(?: number)?(?:'s| is|,)?(?: (?:it's|its|it is|is|was))?[\s,:]*$",
    re.IGNORECASE,
)


def _whole_phone(digits: str) -> bool:
    """A whole phone number (10 or 11 digits from 0 or 1): no card starts that way."""
    return len(digits) in (10, 11) and digits[0] in "01"


def _named_data(text: str) -> RedactionKind | None:
    """The kind of data ``text`` last names ("and the address is 42…"), if any."""
    found = [m.group().lower() for m in NAMED.finditer(text)]
    return NAMED_KINDS.get(found[-1]) if found else None


def _named_just_before(text: str, tokens: Sequence[Token], run: NumberRun) -> RedactionKind | None:
    """The kind of data the words right before ``run`` in its turn's ``text`` name ("oh and
    my mobile, it's"), if any; not a word further back ("my phone's cutting out, zero…")."""
    start = tokens[run.first].start
    found = NAMED_RIGHT_BEFORE.search(text[max(0, start - 40) : start])
    kind = NAMED_KINDS.get(found[1].lower()) if found else None
    return None if kind == "EMAIL" else kind  # "as I said in my email, zero three…": no email


def echo_spans(
    tokens: Sequence[Token], runs: Sequence[NumberRun], secret: Mapping[NumberRun, RedactionKind]
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """Numbers of three or more digits that repeat part of a nearby number already found to be
    personal data (an agent reading a card back chunk by chunk), as that number's kind."""
    for run in runs:
        if run in secret or len(run.digits) < 3:
            continue
        for other, kind in secret.items():
            near = min(abs(a - b) for a in run.turns for b in other.turns) <= 4
            if near and run.digits in other.digits:
                for turn in run.turns:
                    yield from _run_in_turn(tokens, run, turn, kind)
                break


MAGNITUDES = {"hundred", "thousand", "million", "billion"}
UNITS = {"dollar", "dollars", "pound", "pounds", "euro", "euros", "cents", "cent", "pence",
         "bucks", "percent", "%", "minutes", "minute", "hours", "hour", "days", "day", "weeks",
         "week", "months", "month", "years", "year", "am", "pm", "o'clock", "times", "items",
         "cards", "accounts", "payments", "gig", "gigs", "gigabyte", "gigabytes", "gb", "mb",
         "megabytes", "kilo", "kilos", "kg", "bags", "miles", "thousand", "grand"}  # fmt: skip


def _measured(tokens: Sequence[Token], run: NumberRun) -> bool:
    """A number said with its unit or currency ("$92", "ninety-two dollars", "3 days")."""
    after = tokens[run.last + 1] if run.last + 1 < len(tokens) else None
    before = tokens[run.first - 1] if run.first > 0 else None
    return bool(
        (after is not None and after.turn == tokens[run.last].turn and after.low in UNITS)
        or (before is not None and before.text in ("$", "£", "€"))
    )


def _kind_of(run: NumberRun, kinds: tuple[RedactionKind, ...]) -> RedactionKind | None:
    """Which of the asked ``kinds`` a number answering the question is, by its shape."""
    n = len(run.digits)
    for kind in kinds:
        if kind == "CVV" and 3 <= n <= 4:
            return kind
        if kind == "EXPIRY" and 2 <= n <= 6:
            return kind
        if kind in ("CARD", "ACCOUNT", "ROUTING", "PHONE") and n >= 2:
            return kind
        if kind in ("SSN", "DOB", "ADDRESS") and n >= 1:
            return kind
    return None


def _run_in_turn(
    tokens: Sequence[Token], run: NumberRun, turn: int, kind: RedactionKind
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    own = [t for t in tokens[run.first : run.last + 1] if t.turn == turn and t.is_number]
    if own:
        yield turn, own[0].start, own[-1].end, kind


def _name_answer(
    tokens: Sequence[Token], turn: int
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """A short answer to "your name?": its name words, or letters spelled one by one."""
    words = [t for t in tokens if t.turn == turn and t.is_word]
    if not words or len(words) > 8 or any(t.low in NOT_ANSWER for t in words):
        return
    name = [t for t in words if t.low not in ANSWER_WORDS and t.low not in FILLERS]
    if not name:
        return
    spelled = [t for t in words[words.index(name[0]) :] if len(t.text) == 1]
    if len(spelled) >= 3:  # "o k a f o r": every letter, "i" and "a" included
        yield turn, name[0].start, max(name[-1].end, spelled[-1].end), "PERSON"
    elif len(name) <= 3:
        yield turn, name[0].start, name[-1].end, "PERSON"


def _street_words(
    tokens: Sequence[Token], turn: int
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """Up to three name words and a street word ("maple street") in an answer to "address?"."""
    own = [t for t in tokens if t.turn == turn]
    for k, tok in enumerate(own):
        if tok.low in STREET_WORDS and k:
            first = k
            while (
                first > 0
                and k - first < 3
                and own[first - 1].is_word
                and (own[first - 1].low not in ANSWER_WORDS)
            ):
                first -= 1
            if first < k:
                yield turn, own[first].start, tok.end, "ADDRESS"


STREET_ASK = re.compile(
    r"(?<!email )(?<!e-mail )\baddress|house number|first line|where do you live", re.IGNORECASE
)
# Words after a number that make it a count, a time or a clause going on, not a house number
NOT_STREET = {"kids", "children", "people", "boxes", "items", "bags", "stars", "times", "things",
              "past", "minutes", "hours", "days", "weeks", "months", "years", "pounds", "quid",
              "pence", "percent", "o'clock", "am", "pm", "should", "be", "are", "were", "will",
              "would", "can", "could", "have", "has", "had", "did", "do", "does", "get", "got",
              "went", "came", "turned", "arrived", "left", "said"}  # fmt: skip
ADDRESS_ENDS = {"and", "but", "so", "because", "i", "i'm", "we", "it", "it's", "is", "was", "if",
                "or", "please", "thanks", "thank", "yeah", "yes", "that's", "which", "um", "uh",
                "my", "your", "postcode", "zip", "to", "till", "until", "for", "quid", "more",
                "thing", "things", "of", "last", "okay", "ok", "right", "alright"}  # fmt: skip


def _after_house_number(
    text: str, tokens: Sequence[Token], runs: Sequence[NumberRun], turn: int, opens: bool
) -> Iterable[tuple[int, int, int, RedactionKind]]:
    """The words after a house number, up to five and to the end of the clause: an address
    with no street word ("forty two the maltings thornbury"), where the number follows "the
    address is" or "we live at", or opens the turn (``opens``: the answer to "address?", or
    its read-back); not "two kids and a dog", "twenty past nine", "ten thirty the van…"."""
    for run in runs:
        if len(run.digits) > 4 or run.turns != {turn} or _measured(tokens, run):
            continue
        if any(tokens[k].low in MAGNITUDES for k in range(run.first, run.last + 1)):
            continue  # "four thousand two hundred": an amount
        named = _named_just_before(text, tokens, run) == "ADDRESS"
        if not named and not (opens and _opens_turn(tokens, run.first)):
            continue  # "i've got two kids": a count, not the house number the answer opens with
        words: list[Token] = []
        k = run.last + 1
        while k < len(tokens) and tokens[k].turn == turn and tokens[k].is_word:
            low = tokens[k].low
            if low in ADDRESS_ENDS or low in NOT_ANSWER or tokens[k].is_number:
                break  # the clause ends: "…thornbury and the postcode is…"
            if low in NOT_STREET or low in ORDINALS or low in MONTHS or len(words) == 5:
                words = []  # a count, a time, a date or a sentence going on
                break
            words.append(tokens[k])
            k += 1
        if words:
            yield turn, words[0].start, words[-1].end, "ADDRESS"


def _opens_turn(tokens: Sequence[Token], first: int) -> bool:
    """Only answer words ("yeah it's", "um") come before token ``first`` in its turn."""
    k = first - 1
    while k >= 0 and tokens[k].turn == tokens[first].turn:
        if tokens[k].is_word and tokens[k].low not in ANSWER_WORDS:
            return False
        k -= 1
    return True


def _has_digits(text: str) -> bool:
    return bool(re.search(r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b",
                          text, re.IGNORECASE))  # fmt: skip
