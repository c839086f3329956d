"""A generated, labelled set of call snippets for measuring redaction.

Each example is one to three turns with the personal data in it marked by type. Values are
random (seeded) and valid where validity matters (Luhn card numbers, ABA routing numbers);
every value comes in written form, spoken form ("four one one one"), and as ASR prints it
(lower case, no punctuation); card numbers are also split across two turns. Near misses that
must stay (order numbers failing Luhn, prices, times, appointment dates, counts) are examples
with no marked span.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from callqa.models.transcript import Speaker, Turn
from callqa.qa_rules.redaction import find_spans, luhn_valid

DIALOGUES = Path(__file__).parent / "data" / "redaction_dialogues.jsonl"

DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
MONTHS = ("january february march april may june july august september october november "
          "december").split()  # fmt: skip
ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth",
           7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth",
           13: "thirteenth", 14: "fourteenth", 15: "fifteenth", 16: "sixteenth",
           17: "seventeenth", 18: "eighteenth", 19: "nineteenth", 20: "twentieth",
           30: "thirtieth"}  # fmt: skip
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty",
        9: "ninety"}  # fmt: skip
TEENS = ("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
         "nineteen").split()  # fmt: skip
FIRST = ("james mary robert patricia john jennifer michael linda david elizabeth maria carlos "
         "aisha wei priya olga kwame fatima diego hannah").split()  # fmt: skip
LAST = ("smith johnson williams brown garcia miller davis rodriguez martinez hernandez lopez "
        "nguyen patel kim okafor schmidt kowalski novak tanaka oconnor").split()  # fmt: skip
STREETS = ("main oak maple cedar pine elm washington lake hill sunset park north ridge "
           "river").split()  # fmt: skip
SUFFIXES = ("street", "avenue", "road", "drive", "lane", "boulevard", "court", "way")
CITIES = (("springfield", "il"), ("austin", "tx"), ("portland", "or"), ("columbus", "oh"),
          ("denver", "co"))  # fmt: skip
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "example.org", "comcast.net")


@dataclass(frozen=True)
class Example:
    turns: tuple[tuple[Speaker, str], ...]  # (speaker, text)
    spans: tuple[tuple[int, int, int, str], ...]  # (turn, start, end, kind)
    form: str  # written | spoken | asr | split | near-miss


def build(n_per_kind: int = 200, seed: int = 0, held_out: bool = False) -> list[Example]:
    """``n_per_kind`` values per type, each in every form, plus near misses. ``held_out``: the
    phrasings written after the rules were tuned, never tuned on."""
    rng = random.Random(seed)
    templates = HELD_OUT if held_out else TEMPLATES
    near_misses = HELD_OUT_NEAR_MISSES if held_out else NEAR_MISSES
    examples: list[Example] = []
    for kind, make in VALUES.items():
        for _ in range(n_per_kind):
            written, spoken = make(rng)
            template = rng.choice(templates[kind])
            examples.append(_fill(template, written, kind, "written"))
            examples.append(_fill(template, spoken, kind, "spoken"))
            examples.append(_asr(_fill(template, spoken, kind, "asr")))
            if kind == "CARD":
                examples.append(_split_card(spoken))
    for _ in range(n_per_kind * 3):
        text = rng.choice(near_misses)(rng)
        examples.append(Example((("customer", text),), (), "near-miss"))
    return examples


def _fill(template: tuple[str, ...], value: str, kind: str, form: str) -> Example:
    turns, spans = [], []
    for i, text in enumerate(template):
        speaker: Speaker = "customer" if i % 2 == 0 else "agent"
        if "{}" in text:
            at = text.index("{}")
            spans.append((i, at, at + len(value), kind))
            text = text.replace("{}", value)
        turns.append((speaker, text))
    return Example(tuple(turns), tuple(spans), form)


def _asr(example: Example) -> Example:
    """As a recogniser prints it: lower case, no punctuation (spans re-found by position)."""
    turns, spans = [], []
    for i, (speaker, text) in enumerate(example.turns):
        mine = [s for s in example.spans if s[0] == i]
        pieces, pos, marks = [], 0, []
        for _, start, end, kind in mine:
            pieces.append(_plain(text[pos:start]))
            at = len("".join(pieces))
            pieces.append(_plain(text[start:end]))
            marks.append((i, at, at + len(pieces[-1]), kind))
            pos = end
        pieces.append(_plain(text[pos:]))
        turns.append((speaker, "".join(pieces)))
        spans += marks
    return Example(tuple(turns), tuple(spans), "asr")


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s'@.]|(?<!\w)\.|\.(?!\w)", "", text.lower())


def _split_card(spoken: str) -> Example:
    words = spoken.split()
    half = len(words) // 2
    a, b = " ".join(words[:half]), " ".join(words[half:])
    turns: tuple[tuple[Speaker, str], ...] = (
        ("customer", f"okay the card number is {a}"),
        ("agent", "mhm"),
        ("customer", b),
    )
    spans = ((0, turns[0][1].index(a), len(turns[0][1]), "CARD"), (2, 0, len(b), "CARD"))
    return Example(turns, spans, "split")


def _say_digits(digits: str, rng: random.Random) -> str:
    words = [DIGIT_WORDS[int(d)] for d in digits]
    if rng.random() < 0.3:
        words = ["oh" if w == "zero" else w for w in words]
    return " ".join(words)


def _say_pairs(digits: str) -> str:
    """ "4111" as people often say it: "forty one eleven"."""
    out = []
    for k in range(0, len(digits), 2):
        pair = digits[k : k + 2]
        if len(pair) == 1 or pair[0] == "0":
            out += [DIGIT_WORDS[int(d)] for d in pair]
        elif pair[0] == "1":
            out.append(TEENS[int(pair[1])])
        else:
            out.append(
                TENS[int(pair[0])] + ("" if pair[1] == "0" else f" {DIGIT_WORDS[int(pair[1])]}")
            )
    return " ".join(out)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _card(rng: random.Random) -> tuple[str, str]:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("34", 15), ("37", 15),
                                 ("6011", 16)])  # fmt: skip
    number = _luhn_complete(prefix, length, rng)
    groups = [number[k : k + 4] for k in range(0, len(number), 4)]
    written = rng.choice([" ".join(groups), "-".join(groups), number])
    spoken = _say_digits(number, rng) if rng.random() < 0.7 else _say_pairs(number)
    return written, spoken


def _cvv(rng: random.Random) -> tuple[str, str]:
    code = "".join(str(rng.randrange(10)) for _ in range(rng.choice((3, 3, 4))))
    return code, _say_digits(code, rng)


def _expiry(rng: random.Random) -> tuple[str, str]:
    month, year = rng.randrange(1, 13), rng.randrange(26, 34)
    written = rng.choice([f"{month:02d}/{year}", f"{month:02d}/20{year}"])
    spoken = rng.choice([f"{_say_digits(f'{month:02d}', rng)} {_say_pairs(str(year))}",
                         f"{MONTHS[month - 1]} twenty {_say_pairs(str(year))}",
                         f"{MONTHS[month - 1]} of twenty {_say_pairs(str(year))}"])  # fmt: skip
    return written, spoken


def _account(rng: random.Random) -> tuple[str, str]:
    number = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(8, 13)))
    return number, _say_digits(number, rng)


def _routing(rng: random.Random) -> tuple[str, str]:
    while True:
        d = [rng.randrange(10) for _ in range(9)]
        if (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0:
            number = "".join(map(str, d))
            return number, _say_digits(number, rng)


def _ssn(rng: random.Random) -> tuple[str, str]:
    a, b, c = rng.randrange(100, 900), rng.randrange(10, 100), rng.randrange(1000, 10000)
    return f"{a}-{b}-{c}", _say_digits(f"{a}{b}{c}", rng)


def _phone(rng: random.Random) -> tuple[str, str]:
    a, b, c = rng.randrange(201, 990), rng.randrange(200, 1000), rng.randrange(0, 10000)
    written = rng.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}",
                          f"+1 {a} {b} {c:04d}"])  # fmt: skip
    return written, _say_digits(f"{a}{b}{c:04d}", rng)


def _email(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    sep = rng.choice([".", "_", ""])
    user = f"{first}{sep}{last}" + (str(rng.randrange(10, 99)) if rng.random() < 0.3 else "")
    domain = rng.choice(DOMAINS)
    said_sep = {".": " dot ", "_": " underscore ", "": " "}[sep]
    said_user = f"{first}{said_sep}{last}" + (
        " " + _say_pairs(user[-2:]) if user[-1].isdigit() else ""
    )
    return f"{user}@{domain}", f"{said_user} at {domain.replace('.', ' dot ')}"


def _address(rng: random.Random) -> tuple[str, str]:
    house = rng.randrange(1, 9999)
    street = f"{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
    city, state = rng.choice(CITIES)
    zipcode = rng.randrange(10000, 99999)
    tail = rng.random()
    written = f"{house} {street.title()}"
    spoken = f"{_say_pairs(str(house)) if house >= 100 else _say_digits(str(house), rng)} {street}"
    if tail < 0.4:
        written += f", {city.title()}, {state.upper()} {zipcode}"
        spoken += f" {city} {state} {_say_digits(str(zipcode), rng)}"
    elif tail < 0.6:
        unit = rng.randrange(1, 40)
        written += f" Apt {unit}"
        spoken += f" apartment {_say_digits(str(unit), rng)}"
    return written, spoken


def _dob(rng: random.Random) -> tuple[str, str]:
    month, day, year = rng.randrange(1, 13), rng.randrange(1, 29), rng.randrange(1940, 2006)
    written = rng.choice(
        [f"{month:02d}/{day:02d}/{year}", f"{MONTHS[month - 1].title()} {day}, {year}"]
    )
    said_day = ORDINAL.get(day) or f"{TENS[day // 10]} {ORDINAL[day % 10]}"
    said_year = f"{_say_pairs(str(year)[:2])} {_say_pairs(str(year)[2:])}"
    spoken = rng.choice([f"{MONTHS[month - 1]} {said_day} {said_year}",
                         f"{said_day} of {MONTHS[month - 1]} {said_year}"])  # fmt: skip
    return written, spoken


def _person(rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return name.title(), name


VALUES = {"CARD": _card, "CVV": _cvv, "EXPIRY": _expiry, "ACCOUNT": _account,
          "ROUTING": _routing, "SSN": _ssn, "PHONE": _phone, "EMAIL": _email,
          "ADDRESS": _address, "DOB": _dob, "PERSON": _person}  # fmt: skip

TEMPLATES: dict[str, list[tuple[str, ...]]] = {
    "CARD": [("My card number is {}.",), ("Sure, it's {}, the Visa.",),
             ("I'd like to pay with the card ending... actually the full number is {}.",),
             ("The credit card is {} if you need it.",),
             ("Okay so the number on the card is {}",)],
    "CVV": [("Fine.", "And the three digit security code on the back?", "It's {}."),
            ("The CVV is {}.",), ("security code {}",),
            ("Okay.", "What's the verification code on the back of the card?", "{}")],
    "EXPIRY": [("It expires {}.",), ("The expiration date is {}.",),
               ("Okay.", "And the expiry date?", "{}"), ("It's valid through {}.",)],
    "ACCOUNT": [("My account number is {}.",), ("The checking account is {}.",),
                ("Sure.", "Can I have the account number please?", "Yes it's {}.")],
    "ROUTING": [("The routing number is {}.",), ("routing {} for the direct deposit",),
                ("Okay.", "And the bank's routing number?", "It's {}.")],
    "SSN": [("My social security number is {}.",), ("The last... okay my SSN is {}.",),
            ("Sure.", "Can you verify your social?", "Yes, {}.")],
    "PHONE": [("You can reach me at {}.",), ("My phone number is {}.",),
              ("Call me back on {} please.",), ("My cell is {}.",)],
    "EMAIL": [("My email is {}.",), ("Send it to {} please.",),
              ("Sure.", "What's the best email address?", "It's {}.")],
    "ADDRESS": [("I live at {}.",), ("Ship it to {} please.",),
                ("Sure.", "What's the address on file?", "It's {}.")],
    "DOB": [("My date of birth is {}.",), ("I was born {}.",),
            ("Sure.", "Can you confirm your date of birth?", "It's {}.")],
    "PERSON": [("Hi, my name is {} and I have a question about my bill.",),
               ("Yes, this is {} from the billing team.",),
               ("The account is under the name {}.",)],
}  # fmt: skip

NEAR_MISSES = [
    lambda r: f"Your order number is {_not_luhn(r)} and it ships tomorrow.",
    lambda r: f"The tracking number is {_not_luhn(r)}.",
    lambda r: f"Your total comes to ${r.randrange(10, 2000)}.{r.randrange(10, 99)}.",
    lambda r: f"that'll be {_say_pairs(str(r.randrange(10, 99)))} ninety nine a month",
    lambda r: f"I can book you for {r.choice(MONTHS)} {ORDINAL[r.randrange(1, 20)]} at ten thirty.",
    lambda r: f"I've been a customer for {r.randrange(2, 30)} years and I called three times.",
    lambda r: f"Your case number is {r.randrange(100000, 999999)}.",
    lambda r: f"Please dial extension {r.randrange(1000, 9999)}.",
    lambda r: f"Model {r.randrange(1000, 99999)}, about {r.randrange(2, 9)} years old.",
    lambda r: "I'm calling because the main street branch was closed.",
    lambda r: "This is ridiculous, I've waited twenty minutes.",
    lambda r: "Thank you for calling, how can I help you today?",
    lambda r: f"it was charged on the {ORDINAL[r.randrange(1, 20)]} of {MONTHS[r.randrange(12)]}",
    lambda r: f"reference {_say_digits(str(r.randrange(100000, 999999)), r)} for your refund",
    lambda r: "Sure, I can help you reset your password.",
]  # fmt: skip


def _not_luhn(rng: random.Random) -> str:
    while True:
        number = "".join(str(rng.randrange(10)) for _ in range(16))
        if not luhn_valid(number):
            return number


HELD_OUT: dict[str, list[tuple[str, ...]]] = {
    "CARD": [("Yeah go ahead and put it on {}.",), ("Okay, it's {}, that's a Mastercard.",),
             ("Number's {}.",), ("I'll read it out for you: {}.",),
             ("Which card?", "The debit one.", "Go ahead.", "{}")],
    "CVV": [("The three numbers on the back are {}.",), ("CVC {}",),
            ("Great.", "And the code on the back of the card?", "Um, {}.")],
    "EXPIRY": [("Exp {}.",), ("Expiry is {}.",), ("It's good until {}.",),
               ("Okay.", "When does the card expire?", "{}")],
    "ACCOUNT": [("Acct no {}.",), ("My savings account number, it's {}.",),
                ("It's account {}.",)],
    "ROUTING": [("ABA number is {}.",), ("The transit number is {}.",),
                ("Right.", "And the routing?", "{}")],
    "SSN": [("SSN {}.",), ("My social's {}.",),
            ("Okay.", "For verification, your social security number?", "{}")],
    "PHONE": [("Best number to reach me is {}.",), ("My number is {}.",), ("Text me at {}.",),
              ("Okay.", "And a phone number for the account?", "{}")],
    "EMAIL": [("Email address {}.",), ("Okay.", "And your email?", "It's {}."),
              ("You can email me at {}.",)],
    "ADDRESS": [("My address is {}.",), ("We moved to {} last month.",),
                ("Deliver to {}.",)],
    "DOB": [("DOB {}.",), ("My birthday is {}.",), ("Okay.", "Date of birth?", "{}")],
    "PERSON": [("Okay.", "Can I get your name please?", "It's {}."),
               ("You're speaking with {}.",), ("Hi, {} here, I'm calling about a refund.",)],
}  # fmt: skip

HELD_OUT_NEAR_MISSES = [
    lambda r: f"Your confirmation number is {_not_luhn(r)[:12]}.",
    lambda r: f"I bought it for {_say_pairs(str(r.randrange(100, 999)))} dollars.",
    lambda r: f"Invoice {r.randrange(10**7, 10**8)} paid {r.choice(MONTHS)} {r.randrange(1, 28)}.",
    lambda r: f"We're open from nine to five, {r.randrange(2, 7)} days a week.",
    lambda r: f"Press {r.randrange(1, 9)} for billing.",
    lambda r: f"It's been {_say_pairs(str(r.randrange(10, 60)))} minutes already.",
    lambda r: "I went to the store on Oak Street yesterday.",
    lambda r: "That's a great question, let me check with my supervisor.",
    lambda r: f"The serial is {r.randrange(10**9, 10**10)}.",
    lambda r: f"Ticket {_say_digits(str(r.randrange(10**5, 10**6)), r)} has been escalated.",
]  # fmt: skip


Keep = tuple[int, int, int]  # (turn, start, end): words that must not be redacted


def load_dialogues(path: Path = DIALOGUES) -> tuple[list[Example], list[list[Keep]]]:
    """The held-out dialogue set: examples with marked values, and per example the spans of
    words that must stay (towns, companies, fillers, amounts, the last four of a card)."""
    examples, keeps = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        turns = tuple((t["speaker"], t["text"]) for t in item["turns"])
        spans = tuple(_locate(turns, s["turn"], s["text"]) + (s["kind"],)
                      for s in item["secrets"])  # fmt: skip
        examples.append(Example(turns=turns, spans=spans, form=item["form"]))
        keeps.append([_locate(turns, k["turn"], k["text"]) for k in item["keep"]])
    return examples, keeps


def kept_spans(examples: list[Example], keeps: list[list[Keep]], nlp: object) -> tuple[int, int]:
    """How many must-stay spans no redaction touches, of how many."""
    kept = total = 0
    for example, wanted in zip(examples, keeps, strict=True):
        spans = find_spans([Turn(speaker=s, text=t) for s, t in example.turns], nlp)
        for turn, start, end in wanted:
            total += 1
            kept += not any(s.turn == turn and s.start < end and start < s.end for s in spans)
    return kept, total


def _locate(turns: tuple[tuple[str, str], ...], turn: int, text: str) -> tuple[int, int, int]:
    start = turns[turn][1].index(text)
    return turn, start, start + len(text)
