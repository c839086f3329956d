"""The call's structure, built once per call from its dialogue acts: the customer's requests
(there may be several), and for each where it was stated, what the agent did about it
(information given, action done or failed, offer, transfer, callback), whether the customer
confirmed it or raised it again, how long the first relevant response took, and its outcome
with the sentence that shows it.

Outcomes per request: ``resolved`` (answered or done, not raised again), ``unresolved``
(failed, or raised again and left without an answer), ``transferred``, ``escalated``,
``callback``, and ``cut_off`` (the call ended before any answer). The call's outcome combines
them, with ``partly_resolved`` when some requests were resolved and others not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from callqa.models.acts import ACTS
from callqa.models.transcript import Record
from callqa.qa_rules.metrics import HOLD_ANNOUNCED, HOLD_THANKED
from callqa.qa_rules.readback import digits_for_words

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext

Outcome = Literal[
    "resolved", "partly_resolved", "unresolved", "transferred", "escalated", "callback", "cut_off"
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
RESTATED = 0.55  # cosine: a later request this close to an open one restates it
RERAISED = 0.5  # cosine: a customer sentence this close to a resolved request raises it again
ESCALATION = re.compile(r"supervisor|manager|escalat|complaints? team|second[- ]line|specialist|"
                        r"team lead(?:er)?|senior (?:colleague|adviser|advisor|agent)",
                        re.IGNORECASE)  # fmt: skip
RESPONSES = ("inform", "action_done", "action_failed", "offer", "ask_detail", "confirm_details",
             "transfer", "callback", "hold", "clarify")  # fmt: skip


class Request(Record):
    """One thing the customer wanted, and what became of it (sentence indexes of the call)."""

    statement: int
    restated: tuple[int, ...] = ()
    responses: tuple[int, ...] = ()
    first_response: int | None = None
    first_response_s: float | None = None  # seconds from the statement to the first response
    outcome: Outcome
    evidence: int | None = None  # the sentence that shows the outcome
    reraised: int | None = None


class CallStructure(Record):
    """The requests of a call in order, and the call's outcome with its evidence."""

    requests: tuple[Request, ...] = ()
    outcome: Outcome | None = None
    evidence: int | None = None
    closed: bool = False  # the call ends with thanks or a goodbye


@dataclass(frozen=True)
class _AgentMoves:
    """Which agent sentences answer or carry out a request, report an action done, fail it
    or hand it on: judged once per call (each judgement may parse the sentence)."""

    done: frozenset[int]
    acted: frozenset[int]
    failed: frozenset[int]
    handed: frozenset[int]


def build_structure(ctx: AnalysisContext) -> CallStructure:
    """The structure of one call from its acts (``ctx.acts``) and embeddings."""
    acts = ctx.acts
    if acts is None or not len(ctx.sentences):
        return CallStructure()
    agent = [i for i, s in enumerate(ctx.sentences) if s.speaker == "agent"]
    moves = _AgentMoves(
        done=frozenset(i for i in agent if resolves(ctx, i)),
        acted=frozenset(i for i in agent if _acted(ctx, i)),
        failed=frozenset(i for i in agent if _fails(ctx, i)),
        handed=frozenset(i for i in agent if hands_over(ctx, i)),
    )
    statements = _request_statements(ctx, acts, moves)
    n = len(ctx.sentences)
    dropped = _dropped(ctx)
    closed = dropped is None and any(
        acts[i, _k("closing")] or acts[i, _k("thanks")] for i in range(max(0, n - 4), n)
    )
    requests = []
    ends = [i for i, _ in statements[1:]] + [len(ctx.sentences)] * bool(statements)
    words = [_stems(_words_of(ctx, i, end)) for (i, _), end in zip(statements, ends, strict=True)]
    about = {j: _named_most(_stems(ctx.sentences[j].text), words) for j in agent}
    for k, (first, restated) in enumerate(statements):
        until = statements[k + 1][0] if k + 1 < len(statements) else n
        together = k > 0 and ctx.sentences[statements[k - 1][0]].turn == ctx.sentences[first].turn
        request = _request(ctx, acts, moves, first, restated, until, closed, k, about, together)
        requests += _split(ctx, moves, request, until)
    if dropped is not None and requests:
        last = requests[-1]
        if last.outcome != "resolved" or (last.evidence is not None and last.evidence < dropped
                                          and _answered_late(ctx, last, dropped)):  # fmt: skip
            requests[-1] = last.model_copy(update={"outcome": "cut_off", "evidence": dropped})
    outcome, evidence = _call_outcome(requests)
    return CallStructure(requests=tuple(requests), outcome=outcome, evidence=evidence,
                         closed=closed)  # fmt: skip


SEVERAL = re.compile(
    r",?\s*\b(?:(?:and|also|plus|then)\b(?:[,\s]+(?:um|uh|er))?(?:\s+also)?|while i(?:'m| am) on)"
    r"[,\s]+(?:(?:um|uh|er)[,\s]+)?"
    r"(?=(?:i|i'd|i'm|i've|we've|we'd|there's|there is|my|can|could|the|why)\b)|"
    r",?\s*\band(?:[,\s]+(?:um|uh|er))?[,\s]+also[,\s]+(?:(?:um|uh|er)[,\s]+)?"
    r"(?=(?:she|he|they|we|it|our|his|her|how|what|when|where|do|does|is|are|will)\b)",
    re.IGNORECASE,
)  # "…from next month and also she came home with a bump": another matter
ALSO = re.compile(r"\W*(?:i|we)(?: also|'d also| would also)\b", re.IGNORECASE)
COMPLAINS = re.compile(r"\b(?:want|like|wish) to (?:complain|make a complaint)\b", re.I)
CALLING_BECAUSE = re.compile(r"\b(?:calling|ringing|phoning) because\b", re.I)
HELP_PLEA = re.compile(r"\b(?:hoping|hope|wondering if) you (?:can|could|might) help\b", re.I)
WH_ASK = re.compile(r"\W*(?:how|what|when|where|why|do|does|is|are|can|could|will|would)\b", re.I)
ALSO_JOIN = re.compile(r"\balso\b", re.IGNORECASE)  # "…next week and also um I wanted to buy…"
# "…and I'd like the seventy pounds of court costs taken off" (not "…I'd like it refunded")
LIKE_THE = re.compile(r"\b(?:i|we)(?:'d| would) (?:also )?like the\b", re.IGNORECASE)
# asked as a question: "…and could you resend the invoice?", "…so can that be done at the same
# time?", not "…the app won't let me. Can you put the limit up?" (how to do the first)
ASKS_IN_CLAUSE = re.compile(r"\W*(?:so,? )?\b(?:can|could) (?:you|that|this|it|they|we)\b", re.I)
ASKS_TOO = re.compile(r"\b(?:also|as well|too|at the same time|while)\b", re.IGNORECASE)
WISH = re.compile(r"\b(?:i|we)(?:'d| would)? (?:just )?(?:want|wanted|need|needed|like)\b", re.I)
ANNOUNCED = re.compile(
    r"\b(two|three|a couple of|couple of|a few|few) (?:things|questions|bits|issues)\b", re.I
)
ANNOUNCED_COUNT = {"two": 2, "three": 3, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3}
# Where announced asks part in run-on speech: also at a bare "and", and where a problem starts
SEVERAL_ANNOUNCED = re.compile(
    rf"{SEVERAL.pattern}|,?\s+\band\s+|\s+(?=i (?:never|didn't|haven't|also)\b)", re.IGNORECASE
)
# What the customer cannot do or did not do ("I can't keep paying", "I didn't touch it"):
# after a request, the reason for it or a detail of it.
BARE_PROBLEM = re.compile(r"\bi (?:still |just |really )?(?:can't|cannot|couldn't|didn't)\b", re.I)
PROBLEM_CLAUSE = re.compile(
    r"\bthere(?:'s| is) (?:a|an|this)\b|\bwhy\b|\b(?:got|been|was|were) charged\b|"
    r"\bcharged (?:me|twice)\b",
    re.IGNORECASE,
)


def _reason_for(clause: str) -> bool:
    """A clause that only says what the customer cannot do ("the physio says I can't train"):
    after a request, unless more were announced, it is why they ask."""
    return bool(
        BARE_PROBLEM.search(clause)
        and not PROBLEM_CLAUSE.search(clause)
        and not REQUEST_CUES.search(BARE_PROBLEM.sub(" ", clause))
    )


def _split(ctx: AnalysisContext, moves: _AgentMoves, request: Request, until: int) -> list[Request]:
    """A statement holding several requests ("I need to change my number, and there's a
    payment I'm not happy about, and why was I charged a fee?") becomes one request each.
    The agent's answers and failures after it go to the request they share words with ("and
    the statement?"), else in order; an action asked for needs an action, not a fact.
    Requests left without either are unresolved (or cut off, as the whole was)."""
    asks: list[str] = []
    turn = ctx.sentences[request.statement].turn
    opening = " ".join(ctx.sentences[i].text for i in (request.statement, *request.restated)
                       if ctx.sentences[i].turn == turn)  # fmt: skip
    texts = [opening] + [ctx.sentences[i].text for i in request.restated]
    turn_text = ctx.transcript.turns[turn].text
    for text in texts:
        announced = ANNOUNCED.search(text) or ANNOUNCED.search(turn_text)  # "two things"
        count = ANNOUNCED_COUNT[announced.group(1).lower()] if announced else 0
        clauses = _asks_in(text, count, SEVERAL)
        if len(clauses) < count:  # run-on speech: "three things really we want to book…
            looser = _asks_in(text, count, SEVERAL_ANNOUNCED)  # i never got the invoice…"
            clauses = looser if len(clauses) < len(looser) <= count else clauses
        asks = max(asks, clauses, key=len)
    if len(asks) < 2:
        split = _done_before_refusal(ctx, moves, request)
        if split is None:
            return [request]
        # "I've updated that to fifty-two." - "we can't serve alcohol": one done, one refused
        done, asking = split
        return [request.model_copy(update={"outcome": "resolved", "evidence": done}),
                request.model_copy(update={"statement": asking})]  # fmt: skip
    kinds = [_wanted(ask) for ask in asks]
    events: dict[int, tuple[Outcome, int]] = {}
    last_said: dict[int, int] = {}  # the last agent sentence on each request
    current = 0
    for j in range(request.statement + 1, until):
        text = ctx.sentences[j].text
        pointed = _topic(asks, text)
        if pointed is not None:
            current = pointed  # "and the statement?": the customer moves on to that request
        if ctx.sentences[j].speaker != "agent":
            if ASKS_TO_DO.search(text) and _wanted(text) == "action" and kinds[current] != "action":
                kinds[current] = "action"  # "the points never went on" … "can you add them on
                if current in events and events[current][1] not in moves.acted:  # for me?":
                    del events[current]  # what was told of them does not add them
            continue
        if pointed is not None:
            last_said[pointed] = j
        if pointed is None and current in events:  # said of no request by name: the next open one
            current = next((k for k in range(len(asks)) if k not in events), current)
        if j in moves.failed:
            events[current] = ("unresolved", j)
        elif j in moves.done and j not in moves.handed:
            failed_before = current in events and events[current][0] == "unresolved"
            if (kinds[current] == "action" or failed_before) and j not in moves.acted:
                continue  # "your limit is two thousand pounds" does not raise it
            if YES_NO_ASKED.search(asks[current]) and not (
                j in moves.acted or _says_yes_or_no(ctx, j)
            ):
                continue  # "do your teachers do home visits?" - "most families come to us"
            events[current] = ("resolved", j)
    parts = []
    for number in range(len(asks)):
        evidence: int | None
        if number in events:
            outcome, evidence = events[number]
        elif number == len(asks) - 1 and request.outcome != "resolved":
            outcome, evidence = request.outcome, request.evidence
        else:
            outcome = "cut_off" if request.outcome == "cut_off" else "unresolved"
            evidence = last_said.get(number, request.evidence)
        parts.append(request.model_copy(update={"outcome": outcome, "evidence": evidence}))
    return parts


def _asks_in(text: str, announced: int, splitter: re.Pattern[str]) -> list[str]:
    """The asks in a customer's opening ``text``, cut at ``splitter``: clauses that ask or
    tell a problem, each with the scene before it; reasons and scene alone are no ask. Where
    the customer ``announced`` how many ("two things"), any clause of four words or more is
    one, but past that number a clause with no cue is the scene of the next ("a table for
    Saturday, and I stayed in August and the points never went on")."""
    clauses: list[str] = []
    cued: list[bool] = []
    context = ""
    joins = ["", *(m.group(0) for m in splitter.finditer(text))]  # what comes before each
    for clause, join in zip(splitter.split(text), joins, strict=True):
        if not clause.strip():
            continue
        asked = (REQUEST_CUES.search(clause) or PROBLEM_CLAUSE.search(clause)
                 or ASKS_IN_CLAUSE.match(clause)
                 or (ASKS_IN_CLAUSE.search(clause) and ASKS_TOO.search(clause))
                 or (ALSO_JOIN.search(join) and (WISH.search(clause) or WH_ASK.match(clause)))
                 or (join and LIKE_THE.search(clause)))  # fmt: skip
        if clauses and NEED_IT_DONE.search(clause):
            continue  # "I lost my card and I need it blocked": the same request
        if COMPLAINS.search(clause) or CALLING_BECAUSE.search(clause) or HELP_PLEA.search(clause):
            context = clause  # "I want to complain. … I'd like some of the money back.",
            continue  # "I'm ringing because… my wife passed away… I'd like my daughter to…"
        if _reason_for(clause) and clauses and (not announced or WISH.search(clauses[-1])):
            continue  # "I need to cancel, I've lost my job and I can't keep paying": why
        if (
            asked
            and not clauses
            and (ALSO.match(clause) or ALSO_JOIN.search(join))
            and WISH.search(context)
        ):  # "I wanted to give you those, and I also need…",
            clauses.append(context)  # "i wanted to book a consultation and um also how does…"
            cued.append(True)
            context = ""
        if asked or (announced and len(clause.split()) >= 4):
            clauses.append(f"{context} {clause}".strip())  # "my renewal went up… I want
            cued.append(bool(asked))  # to know why": one request, with the words it is about
            context = ""
        else:
            context = clause
    while announced and len(clauses) > announced:
        scene = next((k for k in range(len(clauses) - 1) if not cued[k]), None)
        if scene is None:
            break
        clauses[scene : scene + 2] = [f"{clauses[scene]} {clauses[scene + 1]}"]
        cued[scene : scene + 2] = [cued[scene + 1]]
    return clauses


def _done_before_refusal(
    ctx: AnalysisContext, moves: _AgentMoves, request: Request
) -> tuple[int, int] | None:
    """For a request left unresolved by a refusal, the agent's last report before it of an
    action done there and then ("I've updated that to fifty-two", "that's been booked in"),
    and the customer's sentence that asked for what was refused: the customer asked for more
    than one thing and got one of them. Not a fact told ("so we replaced the screen last
    month"), a note made, a hand-over, a recap or a regret, and not a side step beside the one
    action asked for ("I've updated your email address" - "we can't refund this ticket")."""
    refusal = request.evidence
    if request.outcome != "unresolved" or refusal not in moves.failed:
        return None
    if puts_off(ctx.sentences[refusal].text):
        return None  # "I've cancelled it now" - "I'll look into the refund": a side step
    asked = _asked_actions(
        " ".join(ctx.sentences[i].text for i in (request.statement, *request.restated))
    )
    refused_asked = not _another_action(ctx, asked, refusal)
    done = max((j for j in moves.done & moves.acted - moves.handed
                if request.statement < j < refusal
                and DONE_JUST_NOW.search(ctx.sentences[j].text)
                and not (refused_asked and _another_action(ctx, asked, j))
                and not any(p.search(ctx.sentences[j].text)
                            for p in (BOOKKEEPING, RECAP, REGRET, HANDED_TO))),
               default=None)  # fmt: skip
    if done is None:
        return None
    asking = max((i for i in (request.statement, *request.restated) if done < i < refusal),
                 default=request.statement)  # fmt: skip
    return done, asking


# Passed to a team to decide: "I've put your request through to the returns team"
HANDED_TO = re.compile(r"\bthrough to (?:the|our) \w+(?: \w+)? (?:team|department)\b", re.I)
# An action the agent reports done in the call: "I've applied the discount", "that's been moved"
DONE_JUST_NOW = re.compile(
    r"\b(?:i|we)(?:'ve| have) (?:just |now |also |already )?(?!got\b|thought\b)\w+(?:ed|en|t)\b|"
    r"^\W*(?:\w+,? )?(?:that's|that has|it's|it has) (?:now )?(?:been |all )?\w+(?:ed|en|t)\b",
    re.IGNORECASE,
)


WANTS = re.compile(
    r"\b(?:like|want|need|wanna|trying|hoping|calling|ringing|phoning|ask about) (?:to )?"
    r"(?:get(?:ting)? )?(?:my |the |it |a |an )?(\w+)|\b(?:can|could|would) you (?:please )?(\w+)",
    re.IGNORECASE,
)
ASKS_TO_KNOW = frozenset("know ask check find tell see understand confirm what when why".split())


def _asked_actions(text: str) -> set[str]:
    """The actions a request asks for by name ("I'd like a refund" -> refund; "some money
    back" -> refund or credit)."""
    verbs = [(m.group(1) or m.group(2)).lower() for m in WANTS.finditer(text)]
    verbs += [m[1].lower() for m in WANT_IT_DONE.finditer(text)]
    asked = {lemma for v in verbs if (lemma := _action_lemma(v))}
    if MONEY_BACK.search(text):
        asked |= {"refund", "credit"}
    return asked


# "I want that fine cancelling", "I need it stopped": the action, as a participle
WANT_IT_DONE = re.compile(r"\b(?:want|need)s? (?:that|this|the|my|it|them)(?: \w+)? "
                          r"(\w+(?:ing|ed))\b", re.IGNORECASE)  # fmt: skip
MONEY_BACK = re.compile(r"\bmoney back\b|\brefund|\bcompensat", re.IGNORECASE)


def _another_action(ctx: AnalysisContext, asked: set[str], index: int) -> bool:
    """Agent sentence ``index`` reports no action ``asked`` for: another one, or none by name
    ("I can't cancel penalty notices…" - "right, that's gone through, new card's on")."""
    span = sentence_span(ctx, index)
    done = {t.lemma_.lower() for t in span or () if t.pos_ == "VERB"} & ACTION_LEMMAS
    same = asked | CHARGE_ACTIONS if asked & CHARGE_ACTIONS else asked
    return bool(asked and not same & done)


# Actions that come to the same for a charge: a fine "cancelled" is one "waived and removed"
CHARGE_ACTIONS = frozenset({"cancel", "waive", "remove", "reverse"})


def _wanted(text: str) -> Literal["action", "information", "problem"]:
    """What a request asks for: an action ("I'd like to increase my limit"), information
    ("I'd like to know when it's due"), or help with a problem ("I lost my card")."""
    for match in WANTS.finditer(text):
        verb = (match.group(1) or match.group(2)).lower()
        if verb in ASKS_TO_KNOW:
            return "information"
        if _action_lemma(verb):
            return "action"
    return "problem"


def _action_lemma(verb: str) -> str | None:
    """The action a wanted verb names ("refunded" -> refund), if it names one."""
    stem = re.sub(r"(?:ing|ed|d)$", "", verb)
    for lemma in (verb, stem, stem[:-1], f"{stem}e"):  # cancelled, stopping, closing
        if lemma in ACTION_LEMMAS:
            return lemma
    return None


DEFERRAL = re.compile(  # "we'll look into it", "I'll chase them up": no time, no route
    r"\b(?:i(?:'ll| will)|we(?:'ll| will)|someone(?:'ll| will)|somebody(?:'ll| will)|"
    r"they(?:'ll| will))"
    r" (?:(?:need|have) to )?(?:look into (?:it|that|this)|have a look|"
    r"chase (?:it|them|that|this|those) up)\b|"
    r"\b(?:i|we)(?:'d|'ll| would| will) (?:have|need) to (?:check|look into|find out|ask)"
    r" (?:that|this|it|with)\b|"
    r"\b(?:it|that|this)(?:'ll| will) (?:get|be) (?:picked up|looked (?:at|into)|dealt with|"
    r"sorted(?: out)?|reviewed)\b|"  # "it'll be picked up once the warehouse has had a look"
    r"\b(?:i|we)(?:'ll| will) (?:mention|raise) (?:it|that|this) (?:to|with)\b"
    r"(?![^.?]*\b(?:ring|call|get back|be in touch)\b)",  # "I'll mention it to the manager"
    re.IGNORECASE,
)


# Left to the visit: "the engineer will go through all that with you on the day" (not "yes, he'll
# go through all that with you")
LEFT_TO_THE_VISIT = re.compile(
    r"^(?!\W*(?:yes|yeah|yep|of course|sure)\b).*\b(?:he|she|they|the \w+)(?:'ll| will) "
    r"(?:go through|talk you through|explain) (?:all )?(?:that|this|it)(?: all)? with you\b",
    re.IGNORECASE,
)


def puts_off(text: str) -> bool:
    """The agent puts the request off with no time: "we'll look into it", "I'd have to check
    that one", "the engineer will go through all that with you" (not "we'll look into it by
    Friday")."""
    return bool(DEFERRAL.search(text) or LEFT_TO_THE_VISIT.search(text)) and not (
        WHEN_SAID.search(text)
    )


REDIRECT = re.compile(
    r"\byou(?:'ll| will| would|'d)? (?:need|have|has) to (?:contact|ask|call|ring|phone|speak|go|"
    r"visit|get in touch|take it up)|\byou can do (?:it|that|this) (?:online|yourself)|"
    r"(?<!i'll )(?<!i will )(?<!we'll )\bask the (?:shop|merchant|retailer|seller)\b",
    re.IGNORECASE,
)


REFUSAL = re.compile(
    r"\b(?:i|we)(?:'m| am|'re| are)? (?:not able|unable|can't|cannot|can not|won't be able|"
    r"couldn't|not allowed)\b"
    r"(?! (?:see(?! how (?:it's|it is|it was|that's|they)\b)|tell you how|thank))|"
    r"\b(?:not|isn't|is not) something (?:i|we) can\b|"
    r"\b(?:the )?system (?:won't|will not|doesn't|does not|can't) (?:let|allow) (?:me|us)\b|"
    r"\bnot (?:a lot|much|anything) (?:more |else )?(?:i|we) can do\b|"
    r"\b(?:don't|do not) have the (?:ability|access|authority|option)\b|"
    r"\b(?:i|we) (?:wouldn't|would not) (?:want|like) to (?:give|say|guess|quote)\b|"
    r"\b(?:i|we) (?:don't|do not) think (?:we|i)(?:'ll| will| can| could) (?:manage|fit)\b|"
    r"^\W*not (?:this week|today|tomorrow|before then),? no\b|"
    r"^\W*(?:no|sorry),? (?:i'm )?afraid not\b|"
    r"\b(?:we|i) (?:don't|do not) (?:do|give|offer) (?:refunds?|exchanges?|returns?|credits?)\b|"
    r"^\W*(?:no|nah|nope)\b[^.?]*\b(?:you|we) (?:can't|cannot)\b",
    re.IGNORECASE,
)  # "I wouldn't want to give you a wrong figure", "Not this week, no.", "No, I'm afraid not.",
# "we don't do refunds on deposits", "nah they're allocated you can't reorder foils"


def _fails(ctx: AnalysisContext, index: int) -> bool:
    """An agent sentence saying the request cannot be met here: a failure (with the act
    head's action_failed), the agent saying they cannot ("I'm not able to refund it"), or
    the customer sent elsewhere to do it ("you need to ask the shop")."""
    text = ctx.sentences[index].text
    if puts_off(text):
        return True  # put off, whatever follows: "i'd have to check that one did he fix it"
    if HEDGE.search(text) or SUGGESTION.search(text) or QUESTION.search(text):
        return False  # "it might be worth…", "would you like a block so it can't be used?"
    return bool(
        (FAILURE.search(NO_COST.sub(" ", text)) and has_act(ctx, index, "action_failed"))
        or REFUSAL.search(text)
        or REDIRECT.search(text)
        or (
            UNAVAILABLE.search(text)
            and (REGRET.search(text) or NO_MORE.match(text))  # "No, we're fully booked."
            and not DONE_INSTEAD.search(text)
        )
    )  # not "sorry, that colour is sold out, but I've ordered the navy one"


# What the customer is spared, not a failure: "done, you won't be charged for either of those"
NO_COST = re.compile(
    r"\byou (?:won't|will not|wouldn't|would not) (?:be (?:charged|billed)|lose|need to|have to|"
    r"pay)\b",
    re.IGNORECASE,
)
# "I'm afraid the pet friendly cabins on the thirteenth are all booked up"
UNAVAILABLE = re.compile(
    r"(?<!n't )(?<!not )\b(?:(?:all |fully )?booked up|fully booked|sold out|none left)\b|"
    r"\b(?:we've|we have|we) got none (?:in|left)\b|"  # "sorry, we've got none in nine to ten"
    r"\bno (?:more )?(?:availability|space|spaces|rooms?|slots?|appointments?|cabins?|seats?|"
    r"tables?)(?: left| available)?\b|\b(?:isn't|aren't|not) available\b|\bunavailable\b|"
    r"\b(?:isn't|aren't|is not|are not|not) (?:refundable|transferable|covered)\b|"
    r"\bisn't something (?:it|we|they|the \w+) (?:would |will |can )?(?:cover|do|offer)\b|"
    r"(?<!you )(?<!you're )(?<!you are )\b(?:are|is|'re|'s) (?:all (?:already )?|already )"
    r"(?:booked|taken)\b"
    r"(?! in\b)|"
    r"\b(?:don't|doesn't|do not|does not|won't|will not) (?:open|start|reopen|go live)\b"
    r"[^.?]{0,25}\buntil\b",  # "renewals don't open until the fifth of January, I'm afraid"
    re.IGNORECASE,
)  # with regret: "I'm afraid our licences aren't refundable once the season has started"
DONE_INSTEAD = re.compile(
    r"\b(?:but|so|instead)\b[^.?]{0,20}\b(?:i|we)(?:'ve| have)\b(?! got\b)", re.I
)
REGRET = re.compile(r"\b(?:afraid|sorry|unfortunately)\b", re.IGNORECASE)


WHEN_SAID = re.compile(
    r"\b(?:today|tomorrow|tonight|by|within|on (?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)|in (?:the next |a |\d+ |one |two |three )\w*\s*(?:hours?|days?|minutes?))\b",
    re.IGNORECASE,
)


def _acted(ctx: AnalysisContext, index: int) -> bool:
    """An agent sentence reporting an action done (not just stating a fact): the act head's
    ``action_done`` where the sentence has an action in the past ("congratulations on the
    house" has none, "so you want to send…" none done), or the parse."""
    if action_reported(ctx, index):
        return True
    if has_act(ctx, index, "action_done") and DOING_NOW.search(ctx.sentences[index].text):
        return True  # "I'm refunding it now": done while the customer listens
    span = sentence_span(ctx, index) if has_act(ctx, index, "action_done") else None
    return span is not None and any(
        ((t.lemma_.lower() in ACTION_LEMMAS and t.tag_ in ("VBD", "VBN"))
         or _participle(t) is not None)
        and not _told_to_say(t)
        for t in span
    )  # fmt: skip


def _told_to_say(token: Any) -> bool:
    """A verb in what the customer is told to say ("tell them Brightpane sent you")."""
    head = token.head
    return bool(
        token.dep_ == "ccomp"
        and head.lemma_.lower() in ("tell", "say", "mention")
        and not any(c.dep_ == "nsubj" for c in head.children)
    )


DOING_NOW = re.compile(  # not "I'm just putting it through" (IN_PROGRESS): it is not done yet
    r"\b(?:i'm|i am|we're|we are) (?!just\b)\w+ing (?:it|that|this|them|those|your \w+|the \w+)"
    r"(?: \w+)? (?:now|right now|straight away|for you now)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z]{4,}")
COMMON = frozenset(
    """that this with have about what when there their they them then just like want need
would could should from your yours been were into also really thing things know okay yeah
please thanks thank right sure which where will what's that's it's i've i'm done sorted
anyway""".split()
)


def _topic(asks: list[str], text: str) -> int | None:
    """The request among ``asks`` that ``text`` shares the most content words with, or None
    when none or several share as many."""
    return _named_most(_stems(text), [_stems(ask) for ask in asks])


def _named_most(words: set[str], asks: list[set[str]]) -> int | None:
    """The index of the one set among ``asks`` that shares the most of ``words``, or None."""
    shared = [len(words & ask) for ask in asks]
    best = max(shared, default=0)
    return shared.index(best) if best and shared.count(best) == 1 else None


def _stems(text: str) -> set[str]:
    """The content words of ``text``, cut to a stem ("moved", "move", "moving": "mov")."""
    stems = set()
    for word in WORD.findall(text.lower()):
        if word not in COMMON:
            suffix = next((s for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3), "")
            stems.add(word[: len(word) - len(suffix)][:5])
    return stems


SUFFIXES = ("ing", "ed", "es", "s", "e")


def problem_statement(ctx: AnalysisContext) -> int | None:
    """The sentence where the customer first states what they want, or None."""
    requests = ctx.structure.requests
    return requests[0].statement if requests else None


ACTION_LEMMAS = frozenset(
    """schedule send order cancel block reset transfer pay update change
replace process book refund credit reverse close open set activate unlock issue waive apply add
remove move submit file arrange fix sort resolve approve deposit mail post reschedule dispatch
ship renew extend increase decrease lower raise reinstate restore unfreeze freeze enrol enroll
register report lock disable enable link clear authorize authorise place skip pause""".split()
)
NOT_DONE_AUX = frozenset("will 'll shall would could can should might may must going need".split())
DONE_AUX = frozenset("have has 've had is 's are 're was were been be being got get".split())
WISHES = frozenset("want need like try hope wish plan".split())
CONDITIONAL = frozenset("once if when until unless after".split())


NEED_IT_DONE = re.compile(r"\bi (?:just |really )?need (?:it|this|that|them) \w+(?:ed|en)\b|"
                          r"\bi (?:just |really )?need (?:a new one|a replacement|another one)\b",
                          re.IGNORECASE)  # fmt: skip
WANT_CUES = re.compile(  # what the customer wants, in so many words
    r"\b(?:i|we)(?:'d| would) (?:also |just |really )?like (?:to|a|an|my|some)\b|"
    r"\bi wanna \w+\b|"
    r"\bi also (?:wanted|needed) to\b|"  # "…move it by a day, and I also wanted to ask about"
    r"\b(?:we|i)(?:'d| would) (?:also )?need (?:a|an|one|some)\b|"  # "so we'd need one of…"
    r"(?<!will )(?<!do )(?<!would )(?<!shall )"
    r"\bi(?:'m| am)? (?:also |just |really )?(?:want|need|wanna|trying|hoping) "
    r"(?:to|a|an|my|the|some)\b|"
    rf"{NEED_IT_DONE.pattern}|"  # "my dad's donation is still going out, I need it stopped"
    r"\bi(?:'m| am) (?:calling|ringing|phoning) (?:about|to|because|regarding|for)\b|"
    r"\bi(?:'m| am| was) (?:just )?(?:looking to|wondering if|hoping (?:you|to))\b|"
    r"\b(?:can|could|would) you (?:please )?(?:help|tell|check|look|find|cancel|change|send)\b|"
    r"\b(?:can|could|may) i (?:not )?(?:just )?(?:switch|change|move|add|cancel|upgrade|"
    r"downgrade|transfer|book|freeze|pause|renew|extend|swap|return|reschedule|"
    r"pay (?:it|this|that|the|by|in|annually|monthly))\b|"
    r"\bhow (?:do|can|would) i\b|\bwhat(?:'s| is) (?:my|the) (?:balance|status)\b|"
    r"\bhow much (?:would|will|does|is|do) (?:it|that|this|they)\b|"
    r"\b(?:will|can|could|do) i get (?:anything|something|a|an|my|some|money)\b[^.?]{0,25}"
    r"\b(?:back|refund\w*|compensat\w*|credit|discount|money|off)\b|"
    r"\bis there (?:any ?way|anything you can do)\b|"
    r"\bdo you (?:do|offer|deliver|provide|sell|take|accept) (?:\w+ )?(?:\w+s|any|a|an)\b",
    re.IGNORECASE,
)
# A problem told ("I lost my card", "I can't log in"): a request when a call opens with it, or
# when it opens another matter; otherwise context or an answer ("I didn't go to the doctor")
PROBLEM_CUES = re.compile(
    r"\bi (?:still |just |really )?(?:lost|can't|cannot|couldn't|didn't|haven't|never|"
    r"was charged)\b"
    r"(?! (?:even )?(?:know|knew|realise|realize|think|expect|notice|mind)\b)",
    re.IGNORECASE,
)
REQUEST_CUES = re.compile(f"{WANT_CUES.pattern}|{PROBLEM_CUES.pattern}", re.IGNORECASE)
# told as a second problem: "oh I can't log in to the app either", "my card got swallowed as well"
ANOTHER_PROBLEM = re.compile(r"\balso\b|\b(?:either|as well|too)\b(?=\s*(?:[,.!?;]|$))", re.I)


def states_request(ctx: AnalysisContext, index: int) -> bool:
    """A customer sentence stating what they want: the act head's request, or its plain
    forms ("I'd like to reset my password", "I'm calling about my bill", "I lost my card")."""
    text = ctx.sentences[index].text
    return bool(
        has_act(ctx, index, "request")
        or REQUEST_CUES.search(text)
        or (NEW_TOPIC.search(text) and _opens_a_matter(ctx, index))
    )


def _opens_a_matter(ctx: AnalysisContext, index: int) -> bool:
    """Customer sentence ``index``, which says it is another matter, asks: "while I've got you,
    can you…", "also there's a rattle", or a matter told whose turn goes on to ask ("oh and
    while I've got you my son's gone off to uni … is that covered?"; not the bare "oh and while
    I've got you")."""
    text = ctx.sentences[index].text
    return bool(
        ASKS.search(text)
        or PROBLEM_CLAUSE.search(text)
        or WISH.search(text)
        or (len(NEW_TOPIC.sub(" ", text).split()) >= 3 and _asks_later_in_turn(ctx, index))
    )


def _asks_later_in_turn(ctx: AnalysisContext, index: int) -> bool:
    """A later sentence of customer sentence ``index``'s turn asks something, not only for
    the talk's sake ("can you believe it? anyway, that's all")."""
    turn = ctx.sentences[index].turn
    later = [
        s.text for s in ctx.sentences[index + 1 :] if s.turn == turn and s.speaker == "customer"
    ]
    if any(SMALL_TALK.search(text) for text in later):
        return False
    return any(ASKS_ANYWHERE.search(text) for text in later)


SMALL_TALK = re.compile(
    r"\b(?:can|could|would) you believe\b|\bis it ever\b|^\W*anyway\b|\bthat's all\b", re.I
)
ASKS_ANYWHERE = re.compile(
    r"\?\s*$|\b(?:is|are|does|do|can|could|will|would) (?:that|it|this|he|she|they|i|we|you)\b",
    re.IGNORECASE,
)


I_WANT = re.compile(
    r"\bi(?:'m| am| was)? (?:also |just |really )?(?:want|need|wanna|hoping|"
    r"looking to)\b|\bi(?:'d| would) (?:also |just |really )?like\b",
    re.I,
)
ASKS_ANYONE = re.compile(r"\b(?:can|could) (?:you|i|we|someone|somebody|anyone)\b", re.I)
MORE = re.compile(
    r"^\W*(?:(?:oh|um|uh|right|okay|ok|yeah|great|lovely|brilliant|thanks|"
    r"perfect),?\s+)*(?:and|also|plus)\b|\b(?:also|as well|another|too)\b",
    re.I,
)
NEW_TOPIC = re.compile(
    r"\b(?:also|another thing|one more thing|(?:the|one) other thing|while (?:i|you)(?:'m| am|"
    r"'re| are| have|'ve got) (?:on|here|there|you)|while it(?:'s| is) (?:in|there|with you)|"
    r"another question|"
    r"a second (?:thing|question)|(?:and )?(?:the )?last thing|^\W*oh,? and|"
    r"(?:i'd|i would) like [^.?]{0,40}\bas well)\b",  # "and I'd like some money back as well"
    re.IGNORECASE,
)


GIVES_ID = re.compile(
    r"\bmy (?:\w+ )?(?:number|name|reference|postcode)(?:'s| is)\b|"
    r"^\W*(?:(?:hello|hi|hiya|morning),?\s+)?(?:\w+,?\s+)?it's \[(?:PERSON|ORGANISATION)\]"
    r"(?: (?:at|from) \[\w+\])?\W*$|"
    r"\b(?:it's|it is|booked|booking's|account's) (?:in|under) the name\b",
    re.IGNORECASE,
)
ONLY_ANNOUNCES = re.compile(  # "Two things, please.", "I've got two things, really."
    rf"^\W*(?:[\w']+,?\s+){{0,3}}{ANNOUNCED.pattern}(?:,?\s+[\w']+){{0,2}}\W*$", re.I
)
ASKS_TO_DO = re.compile(
    r"^\W*(?:and |oh,? )?(?:can|could|would) you (?:please |just )?"
    r"(?!repeat|say|hold|wait|spell)\w+[^?]*\?\s*$",
    re.IGNORECASE,
)
ASKS = re.compile(r"\b(?:can|could|would) (?:you|i)\b|\bis it possible\b", re.IGNORECASE)
STATES_VALUE = re.compile(r"\b(?:your|the)\b[^.?!]{0,40}\b(?:is|are|was|were)\b", re.IGNORECASE)
THANKED = re.compile(r"\b(?:thank|thanks|cheers|appreciate|great|perfect|brilliant)\b", re.I)
SATISFIED = re.compile(
    r"\b(?:that(?:'s| is| was| will be|'ll be) (?:all|it|everything)|all (?:i|we) need(?:ed)?|"
    r"(?:that|this) (?:helps|helped|works|worked)|nothing else|"
    r"i(?:'m| am) (?:all )?(?:good|set))\b",
    re.IGNORECASE,
)


def information_given(ctx: AnalysisContext, index: int) -> bool:
    """An agent statement of a fact the customer asked for: the act head's inform (when it
    is not an apology, empathy or an acknowledgement), or a statement with a value ("your
    balance is one hundred forty seven dollars", "the branch opens at nine")."""
    social = any(has_act(ctx, index, a) for a in
                 ("apology", "empathy", "backchannel", "action_failed", "thanks", "closing")
                 ) or len(ctx.sentences[index].text.split()) < 3  # fmt: skip
    if _repeats_the_customer(ctx, index):
        return False
    if READY.search(ctx.sentences[index].text):
        return True  # "They're ready.": short, and the answer
    if has_act(ctx, index, "inform") and not social:
        return True
    span = sentence_span(ctx, index)
    if span is None or span.text.rstrip().endswith("?"):
        return False
    valued = any(t.like_num for t in span) or any(
        e.label_ in ("MONEY", "DATE", "TIME", "CARDINAL", "PERCENT") for e in span.ents
    )
    if not valued:
        return False
    if STATES_VALUE.search(span.text):  # "your balance is ...", "i see the payment was ..."
        return True
    root = next((t for t in span if t.dep_ == "ROOT"), None)
    return (
        root is not None
        and root.lemma_ in ("be", "open", "close", "cost", "take")
        and not (any(t.lower_ in ("you", "i") and t.dep_ == "nsubj" for t in span))
    )


READY = re.compile(r"^\W*(?:yes,? |yeah,? )?(?:they're|they are|it's|it is|she's|he's) (?:all )?"
                   r"(?:ready|here|in|back)(?: now)?\W*$", re.IGNORECASE)  # fmt: skip
SAID_DONE = re.compile(
    r"^\W*(?:\w+,?\s+)?(?:thanks? (?:you )?for (?:waiting|holding),?\s+)?"
    r"(?:that's|that is|it's|it is|all) (?:all )?done\b",
    re.IGNORECASE,
)
# "that's you in for Wednesday", "courtesy bike's sorted", "I've put you in for Thursday",
# "I've put those on the order", "I've popped it on the job"
BOOKED_IN = re.compile(
    r"\b(?:that's|that is|you're|you are) (?:all )?(?:you )?(?:booked )?in for\b|"
    r"\bthat's you (?:all )?booked in\b|"
    r"\bpencilled (?:you|him|her|them|it) in\b|"
    r"\b(?:i|we)(?:'ve| have) (?:put|got) (?:you|him|her|them|it) (?:down |in )?for\b|"
    r"\b\w+(?:'s| is| are|'re) (?:all )?sorted\b(?! out\b)|"
    r"\b(?:i|we)(?:'ve| have) (?:just )?(?:put|popped) (?:those|them|that|it|the \w+) "
    r"(?:on|onto) (?:the|your) (?:order|job|booking)\b|"
    r"\bthat's (?:now )?on (?:the|your) (?:order|job|booking)\b|"  # "right that's on the order"
    r"\b(?:i|we)(?:'ve| have) (?:just )?put (?:the|your|that|it|this) (?:\w+ )?through\b",
    re.IGNORECASE,
)
SAME_PARTICIPLE = frozenset("reset set put shut".split())  # "that's reset": read as a noun


def _participle(token: Any) -> str | None:
    """The verb of a past participle the tagger read as an adjective ("refunded": refund)."""
    word = token.lower_
    if token.pos_ != "ADJ" or not word.endswith("ed"):
        return None
    return next((stem for stem in (word[:-2], word[:-1], word[:-3]) if stem in ACTION_LEMMAS), None)


def _repeats_the_customer(ctx: AnalysisContext, index: int) -> bool:
    """An agent sentence whose details (amounts, times, days, counts) the customer just gave:
    a read-back, not new information."""
    own = _numbers(ctx.sentences[index].text)
    before = range(max(0, index - 6), index)
    said = {n for j in before if ctx.sentences[j].speaker == "customer"
            for n in _numbers(ctx.sentences[j].text)}  # fmt: skip
    return bool(own) and own <= said


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", digits_for_words(text.replace("-", " "))))


def action_reported(ctx: AnalysisContext, index: int) -> bool:
    """Whether agent sentence ``index`` reports an action as done, whatever its surface form:
    a past or perfect ("I've sent", "I sent"), a passive ("a new checkbook has been sent",
    "it's paid", "your appointment is scheduled"), never a future, an offer or a question
    ("I'll send", "I can send", "shall I send?")."""
    span = sentence_span(ctx, index)
    if span is None or span.text.rstrip().endswith("?"):
        return False
    if BOOKED_IN.search(span.text):
        return True  # "that's you in for Friday"
    if SAID_DONE.search(span.text) and not _after_bookkeeping(ctx, index):
        return True  # "that's done for you", "all done", not "…I've logged it with the
        # warehouse. That's all done now." (unless it goes on: "…, the order's cancelled")
    for token in span:
        if any(c.lower_ in CONDITIONAL for c in token.children if c.dep_ in ("mark", "advmod")):
            continue  # "once it's arranged, someone meets him": not done yet
        if _participle(token) in ACTION_LEMMAS and token.dep_ in ("acomp", "ROOT"):
            return True  # "that's refunded", tagged an adjective
        if token.lower_ in SAME_PARTICIPLE and token.dep_ == "acomp" and token.head.lemma_ == "be":
            return True  # "right, that's reset"
        if token.lemma_.lower() == "go" and any(c.lower_ == "through" for c in token.children):
            if token.tag_ in ("VBN", "VBD"):
                return True  # "that's gone through"
        if token.lemma_.lower() not in ACTION_LEMMAS or token.pos_ not in ("VERB", "AUX"):
            continue
        if _told_to_say(token):
            continue  # "tell them Brightpane sent you": words for the customer to say
        if any(c.dep_ == "nsubj" and c.lower_ == "you" for c in token.children):
            continue  # "you've renewed it three times": what the customer did
        aux = {a.lower_ for a in token.children if a.dep_ in ("aux", "auxpass")}
        if aux & NOT_DONE_AUX or any(a.dep_ == "neg" for a in token.children):
            continue
        if token.head.lemma_ in WISHES:
            continue  # "I want to get this sorted": wanted, not done
        if aux == {"being"}:
            continue  # "once it's being authorised": not done yet
        if aux & {"are", "is"} and any(c.dep_ == "agent" for c in token.children):
            continue  # "CHAPS payments are processed by our payments team": how it works
        perfect = token.tag_ == "VBN" and (aux & DONE_AUX or token.dep_ in ("acomp", "ROOT"))
        if token.tag_ == "VBD" or perfect:
            return True
    return False


def _after_bookkeeping(ctx: AnalysisContext, index: int) -> bool:
    """Agent sentence ``index`` follows a note made in its turn ("I've logged it as a missing
    item"): its "that's all done" speaks of the note."""
    before = ctx.sentences[index - 1] if index else None
    return bool(
        before is not None
        and before.turn == ctx.sentences[index].turn
        and BOOKKEEPING.search(before.text)
    )


SENDS_ON = re.compile(
    r"\b(?:i'll|i will|we'll|we will|i'm going to|i can|we can) (?:just )?(?:email|send|post|"
    r"forward) (?:the|a|an|this|that|it|them)\b",
    re.IGNORECASE,
)
HANDOVER = re.compile(
    r"transfer(?:ring)? you|put(?:ting)? you through|connect(?:ing)? you|pass(?:ing)? you|"
    r"hand(?:ing)? you (?:over|to)|bring (?:in )?(?:my|a|the) (?:supervisor|manager)|"
    r"supervisor|manager|escalat|\b(?:team|department|specialist|colleague)s?\b",
    re.IGNORECASE,
)
CALLBACK_PROMISE = re.compile(
    r"\b(?:will|'ll|going to)\b[^.?]{0,30}\b(?:call|ring|phone|contact) you\b|"
    r"\b(?:will|'ll)\b[^.?]{0,30}\bgive you a (?:call|ring|bell)\b|"
    r"\b(?:they|someone|somebody|the team)(?:'ll| will) be in touch\b|"
    r"\b(?:will|'ll)\b[^.?]{0,20}\bget back to you\b",
    re.IGNORECASE,
)
ONLY_IF_NEEDED = re.compile(  # "if it needs pads they'll ring you before doing anything"
    r"\bif (?:they|we) (?:need|want) (?:anything|any|more)\b|\bif it needs\b", re.I
)
ON_THE_WAY = re.compile(
    r"\b(?:call|ring|text) you\b[^.?]{0,40}\b(?:before|when) (?:he|she|they|the \w+) "
    r"(?:arrives?|gets? there|comes?|turns? up|(?:is|are|'s|'re) on)\b|"
    r"\b(?:call|ring|text you|be in touch)\b[^.?]{0,20}\bto confirm the (?:time|slot|date)\b",
    re.IGNORECASE,
)
PAYMENT_LINE = re.compile(r"\bautomated\b|\b(?:card|payment) line\b|\bback to me\b", re.I)
# "When will they call?": a callback without a time is still a callback (flagged as such).
ASKS_WHEN = re.compile(r"\bwhen (?:will|would|do|are|is|can)\b|\bhow long\b", re.IGNORECASE)
# Paperwork for a handover ("I've raised that, the reference is…", "I've put in the request"):
# it does not carry out the request itself.
SENT = re.compile(r"\b(?:sent|send|sending|texted|emailed|posted)\b", re.IGNORECASE)
# A link or form sent for the customer to do it themselves (not "…and emailed the confirmation")
SENT_FOR_THEM = re.compile(rf"{SENT.pattern}(?![^.?!]*\bconfirmation)", re.IGNORECASE)
BOOKKEEPING = re.compile(
    r"\b(?:raised|logged|log (?:it|that|this) as|noted|"
    r"put (?:in )?(?:a|the) (?:note|request|ticket)|put (?:that|it) on|"
    r"marked (?:it|that|this|the \w+) (?:as )?(?:urgent|a priority)|"
    r"added (?:your|a|the) (?:comments?|notes?)|"
    r"passed (?:it|that|this) (?:on|to)|reference (?:is|number)|"
    r"updated (?:that|it|the number) on (?:his|her|your|the) (?:file|record|account|details))\b",
    re.IGNORECASE,
)
HANDED_ON = re.compile(  # said this way, a handover whatever the act head says
    r"\b(?:i(?:'ve| have| will|'ll| am|'m)|we(?:'ve| have| will|'ll))\b[^.?]{0,20}"
    r"(?:escalat\w*|transferr?(?:ing)? you|put(?:ting)? you through|hand(?:ing)? you (?:over|to)|"
    r"connect(?:ing)? you (?:to|with))|"
    r"\b(?:i|we)(?:'ll| will)? (?:just )?(?:put|pass|transfer|hand) you (?:through|over|across)\b|"
    r"\b(?:i'll|i will|let me) (?:leave|pass) you (?:with|to|over to)\b|"
    r"\bfrom (?:the|our) [\w ]{0,20}team on the line\b|"
    r"\b(?:i've|i have) got (?:\w+|\[PERSON\]) from [\w ]{1,20} on the line\b|"
    r"\b(?:i'll|i will|let me) get (?:her|him|them|someone|\[PERSON\]) on the line\b|"
    r"\b(?:i|we) can (?:put|transfer|pass) you (?:through|over|across) to\b|"
    r"\bpass (?:her|him|them) (?:over|through|across)\b|"
    r"\b(?:i'll|i will|let me) (?:get|fetch|bring in) (?:my|a|the) (?:team leader|supervisor|"
    r"manager)\b|\bthis is \S+,? (?:the|a|one of the) (?:team leader|supervisor|manager)\b|"
    r"\bgot \S+,? (?:my|our|the) (?:team leader|supervisor|manager),? on the line\b|"
    r"\b(?:going to|will|'ll) take (?:it|this) over\b",  # "she's going to take it over from here"
    re.IGNORECASE,
)
CALLBACK = re.compile(
    r"call you back|\bcallback\b|\bget back to you|ring you|give you a (?:call|ring)|"
    r"reach out to you|contact you",
    re.IGNORECASE,
)


def hands_over(ctx: AnalysisContext, index: int) -> bool:
    """An agent sentence handing the request on: a transfer or escalation that names where
    to (a team, a supervisor), or a callback promise ("transfer" alone may be the customer's
    money transfer)."""
    text = ctx.sentences[index].text
    if PAYMENT_LINE.search(text):
        return False  # "I'll put you through to our card line, then you'll come back to me"
    if puts_off(text):
        return False  # "I'll need to look into it with the field team": put off, not handed on
    if ONLY_IF_NEEDED.search(text) and not WHEN_SAID.search(text):
        return False  # "they'll be in touch if they need anything else": no promise
    if ON_THE_WAY.search(text):
        return False  # "he'll call you half an hour before he arrives": part of the visit
    if SENDS_ON.search(text) and not CALLBACK_PROMISE.search(text):
        return False  # "I'll email the employer pack to your HR team": a thing sent, not the call
    return bool(
        HANDED_ON.search(text)
        or (has_act(ctx, index, "transfer") and HANDOVER.search(text))
        or CALLBACK_PROMISE.search(text)
        or (has_act(ctx, index, "callback") and CALLBACK.search(text))
    )


def resolves(ctx: AnalysisContext, index: int) -> bool:
    """An agent sentence that answers or carries out a request (not a hold, "it'll be two
    minutes"; not a failure, "it's failed again"; not a suggestion, "you could try the app")."""
    text = ctx.sentences[index].text
    if has_act(ctx, index, "hold") and not SAID_DONE.search(text):
        return False  # waiting, not "thanks for waiting, that's done"
    reported = action_reported(ctx, index)
    if has_act(ctx, index, "confirm_details") and not reported:
        return False  # reading the customer's words back ("so that's two chequebooks?")
    refused = FAILURE.search(text) and (REFUSAL.search(text) or not reported)
    if refused or SUGGESTION.search(text) or READ_BACK.search(text):
        return False  # not "that's blocked now, so the stolen phone won't connect"
    if INTENTION.search(text) or HEDGE.search(text) or text.rstrip().endswith(("—", "-", "–")):
        return False  # "let me open the bill", or the line broke mid-sentence
    if puts_off(text):
        return False  # "the refund, I'll look into it for you": nothing done yet
    asks_detail = has_act(ctx, index, "ask_detail") and not reported
    if QUESTION.search(text) or asks_detail or CONDITION.search(text):
        return False  # "has it come through?", "claim number", "if it's approved, …"
    if any(has_act(ctx, index, a) for a in ("apology", "empathy", "thanks", "closing")):
        return reported  # "sorry again for the wait, take care, bye"
    said_done = has_act(ctx, index, "action_done") and len(text.split()) >= 4
    return bool(said_done or reported or information_given(ctx, index))


def sentence_span(ctx: AnalysisContext, index: int) -> Any:
    """The parsed tokens of sentence ``index`` (a span of its turn's doc), or None."""
    s = ctx.sentences[index]
    doc = ctx.docs[s.turn] if s.turn < len(ctx.docs) else None
    return None if doc is None else doc.char_span(s.char_start, s.char_end,
                                                  alignment_mode="expand")  # fmt: skip


def _dropped(ctx: AnalysisContext) -> int | None:
    """The first of the call's last sentences that shows the line dropped ("hello? are you
    still there?"), or None."""
    n = len(ctx.sentences)
    return next((i for i in range(max(0, n - 4), n) if DROPPED.search(ctx.sentences[i].text)),
                None)  # fmt: skip


def _answered_late(ctx: AnalysisContext, request: Request, dropped: int) -> bool:
    """Whether the agent was still working on the request when the line dropped: a hold
    or a check in progress after the last answer, or the answer itself cut short (the
    customer's "sorry, you cut out" or "I can't hear you" comes straight after its turn)."""
    if request.evidence is None:
        return False
    answer = ctx.sentences[request.evidence]
    cut_short = (answer.speaker == "agent"
                 and ctx.sentences[dropped].turn == answer.turn + 1
                 and ctx.sentences[dropped].speaker == "customer"
                 and ctx.sentences[dropped - 1].turn == answer.turn
                 and CUT_OUT.search(ctx.sentences[dropped].text))  # fmt: skip
    return bool(cut_short) or any(
        has_act(ctx, j, "hold") or _holding(ctx.sentences[j].text)
        for j in range(request.evidence, dropped)
    )


CUT_OUT = re.compile(r"\b(?:you|it|the line)(?:'ve|'re| have| are)? (?:cut|cutting|broke|breaking) "
                     r"(?:out|up|off)\b|\bi(?:'ve)? lost you\b|\bi can't hear you\b",
                     re.IGNORECASE)  # fmt: skip


IN_PROGRESS = re.compile(r"\b(?:i'm|i am) just \w+ing\b", re.IGNORECASE)  # "just putting it"


def _holding(text: str) -> bool:
    """A hold or a check in progress: announced, thanked for, or under way."""
    return bool(
        HOLD_ANNOUNCED.search(text) or HOLD_THANKED.search(text) or IN_PROGRESS.search(text)
    )


def has_act(ctx: AnalysisContext, index: int, act: str) -> bool:
    """Whether sentence ``index`` carries ``act``."""
    return ctx.acts is not None and bool(ctx.acts[index, _k(act)])


def _k(act: str) -> int:
    return ACTS.index(act)


def _request_statements(
    ctx: AnalysisContext, acts: np.ndarray, moves: _AgentMoves
) -> list[tuple[int, list[int]]]:
    """(statement, restatements) for each distinct request of the customer. A request that
    only answers the agent's question for a detail is not a new request, nor is a remark or
    question on the same matter after an answer (a new request after the first asks in so many
    words: "I'd also like…", "another thing…"); one that restates an
    open request (close in meaning, or before the agent has answered, done or handed on the
    open one: "so what do I do?" after a failure) joins it."""
    found: list[tuple[int, list[int]]] = []
    answered_since: bool = True
    for i, s in enumerate(ctx.sentences):
        if i in moves.failed:  # "you'd have to take it up with the promoter" - "how do I
            answered_since = puts_off(s.text)  # contact them?" asks on; put off, it is left
        elif i in moves.done or i in moves.handed:
            answered_since = True  # until then, what the customer asks is the same request
        if s.speaker != "customer" or not states_request(ctx, i):
            continue
        social = acts[i, _k("thanks")] or acts[i, _k("closing")]
        if social and not (REQUEST_CUES.search(s.text) or NEW_TOPIC.search(s.text)):
            continue  # "thanks so much": a closing, not a request
        if (
            found
            and acts[i, _k("apology")]
            and not (
                WANT_CUES.search(s.text) or ASKS.search(s.text) or ANOTHER_PROBLEM.search(s.text)
            )
        ):
            continue  # "I'm sorry, I didn't mean to go on": an apology, not another request
        if SATISFIED.search(s.text) or (acts[i, _k("negate")] and len(s.text.split()) <= 4):
            continue  # "no, that's it": the end of the requests
        before = ctx.sentences[i - 1] if i else None
        if (before is not None and before.turn == s.turn and QUESTION.search(before.text)
                and LACKS.search(s.text)):  # fmt: skip
            continue  # "Do I need to print a label? I haven't got a printer.": why they ask
        if _after_anything_else(ctx, i) and NO_MORE.search(s.text) and not ASKS.search(s.text):
            continue  # "No, I'll ring the vet.": nothing more wanted
        if (GIVES_ID.search(s.text) or ONLY_ANNOUNCES.search(s.text)) and not (
            REQUEST_CUES.search(s.text) or ASKS.search(s.text)
        ):
            continue  # "I'm a member, my membership number's …": who is calling, not what
            # for; "Two things, please.": how many, not what
        if len(s.text.split()) < 3 or (_answers_a_question(ctx, acts, i)
                                       and not _new_topic(ctx, i)):  # fmt: skip
            continue
        if found and _sets_the_scene(ctx, found[-1], i):
            found[-1][1].append(i)  # "we're having a kitchen fitted by you, and I wanted to…"
            continue
        if found and not _after_anything_else(ctx, i):
            head = found[-1][0]
            close = float(ctx.embeddings[i] @ ctx.embeddings[head]) >= RESTATED
            announced = _new_topic(ctx, i)  # "one other thing": another matter, however close
            if announced and _new_topic(ctx, head) and ctx.sentences[head].turn == s.turn:
                announced = False  # "Can I ask something else? I've booked…": one matter
            if not announced and (close or not answered_since):
                found[-1][1].append(i)
                continue
            another = ANOTHER_PROBLEM.search(s.text) and PROBLEM_CUES.search(s.text)
            wants = bool(WANT_CUES.search(s.text))
            if wants and not (  # "could I switch to annual?", "I'd also like…" ask for more;
                MORE.search(s.text) or not I_WANT.search(s.text) or ASKS_ANYONE.search(s.text)
            ):  # "I need a VAT invoice for the last job", "I want my money back today" are said
                found[-1][1].append(i)  # of the open matter, or ask it again: its words stay
                continue  # with the request
            if not (wants or announced or another or ASKS_TO_DO.search(s.text)):
                continue  # "nobody told me that", "so when will it work?", "I didn't go to the
                # doctor, it was just a sprain": the same matter
        found.append((i, []))
        answered_since = False
    return found


def _sets_the_scene(ctx: AnalysisContext, request: tuple[int, list[int]], index: int) -> bool:
    """Whether ``request`` is only the scene ("yeah um I'm clearing out my mum's garage") for
    customer sentence ``index``, which asks in the same turn: it asks for nothing itself."""
    head, restated = request
    scene, ask = ctx.sentences[head].text, ctx.sentences[index].text
    return (
        not restated
        and ctx.sentences[head].turn == ctx.sentences[index].turn
        and not any(p.search(scene) for p in (REQUEST_CUES, ASKS, QUESTION, PROBLEM_CLAUSE))
        and any(p.search(ask) for p in (REQUEST_CUES, ASKS, WISH))
    )


def _words_of(ctx: AnalysisContext, first: int, until: int) -> str:
    """What the customer said of a request: their sentences from its statement to the next
    request's, in the statement's turn (not where it was asked again: "so I fly out on the
    14th" said while another request is open would lend it the first one's words)."""
    turn = ctx.sentences[first].turn
    return " ".join(s.text for s in ctx.sentences[first:until]
                    if s.speaker == "customer" and s.turn == turn)  # fmt: skip


def _new_topic(ctx: AnalysisContext, i: int) -> bool:
    """A customer sentence that opens another matter, or follows one that announces it in the
    same turn ("Oh, and one other thing. Could I drop it at the airport?")."""
    if NEW_TOPIC.search(ctx.sentences[i].text):
        return True
    before = ctx.sentences[i - 1] if i else None
    return bool(before and before.turn == ctx.sentences[i].turn and NEW_TOPIC.search(before.text))


def _after_anything_else(ctx: AnalysisContext, i: int) -> bool:
    """A customer sentence opening their reply to the agent's "anything else?": what they
    ask there is a new request, however close to the last one."""
    turn, asked = ctx.sentences[i].turn, ctx.sentences[i - 1].text if i else ""
    if i == 0 or ctx.sentences[i - 1].turn == turn or not ANYTHING_ELSE.search(asked):
        return False
    return asked.rstrip().endswith("?") or len(asked.split()) <= 8  # not "…or anything else"


def _answers_a_question(ctx: AnalysisContext, acts: np.ndarray, i: int) -> bool:
    """A customer sentence in reply to the agent's question for a detail ("can I take your
    account number?" - "yeah, it's ..."), not to an opening "how can I help?"."""
    turn, text = ctx.sentences[i].turn, ctx.sentences[i].text
    if i and ctx.sentences[i - 1].turn == turn and ASKS_TO_DO.search(text):
        return False  # "No, not yet. Can you add her?": answered, then asked for something
    previous = [j for j in range(i) if ctx.sentences[j].turn == turn - 1
                and ctx.sentences[j].speaker == "agent"]  # fmt: skip
    asked = [j for j in previous if acts[j, _k("ask_detail")]
             or QUESTION.search(ctx.sentences[j].text)]  # fmt: skip
    return bool(asked) and not any(acts[j, _k("greeting")] or OPENING.search(ctx.sentences[j].text)
                                   for j in previous)  # fmt: skip


def _request(
    ctx: AnalysisContext, acts: np.ndarray, moves: _AgentMoves, first: int,
    restated: list[int], until: int, closed: bool, number: int, about: dict[int, int | None],
    together: bool,
) -> Request:  # fmt: skip
    """Request ``number`` of the call, from its statement ``first`` to the next one's
    (``until``), with what is done for it later by name ("…booked up." - "Can you just move
    the sailing?" - "I've moved you onto the thirteenth"); ``about``: the request each agent
    sentence names most, if one; ``together``: asked in the same turn as the request before it,
    whose answers it does not take."""
    agent = [j for j in range(first + 1, len(ctx.sentences)) if ctx.sentences[j].speaker == "agent"]
    mine = [j for j in agent if j < until]
    answer = _direct_answer(ctx, first, mine)
    responses = [j for j in mine if any(acts[j, _k(a)] for a in RESPONSES) or j == answer]
    first_response = responses[0] if responses else None
    seconds = _seconds(ctx, first, first_response)
    was_put_off = any(j in moves.failed and puts_off(ctx.sentences[j].text) for j in mine)
    asked_together = (until < len(ctx.sentences)
                      and ctx.sentences[until].turn == ctx.sentences[first].turn)  # fmt: skip
    # done later by name: "I've heard back from the ship: yes, …"; any answer by name when the
    # next request was asked in the same turn ("…get the footage off the app. And a quote…")
    later = [j for j in agent if j >= until and j in moves.done
             and (j in moves.acted or was_put_off or asked_together)
             and about[j] == number]  # fmt: skip
    done = [j for j in mine if (j in moves.done or j == answer) and j not in moves.handed
            and not (together and _turn_names(ctx, about, j) == number - 1)]  # fmt: skip
    done += [j for j in later if j not in moves.handed]
    wanted = _wanted(" ".join(ctx.sentences[i].text for i in (first, *restated)))
    if wanted != "action" and YES_NO_ASKED.search(ctx.sentences[first].text):
        done = [j for j in done if j in moves.acted or _says_yes_or_no(ctx, j)]  # "do I get
        # some of that back?" - "the final bill will show everything": no answer
    if wanted == "action":
        done = [j for j in done if j in moves.acted]
    failed = [j for j in mine if j in moves.failed]
    if asked_together:  # "book a table… And can you tell me…?" - "the tables are all booked"
        failed += [j for j in agent if j >= until and j in moves.failed and about[j] == number]
    carried_out = [j for j in done if j in moves.acted and wanted != "information"]
    if carried_out:  # "that's cancelled" - "I can't speed up the post, but you can…": a follow-up
        failed = [j for j in failed if j < carried_out[0]
                  or not ALTERNATIVE.search(ctx.sentences[j].text)]  # fmt: skip
    if failed:
        asked = _asked_actions(" ".join(ctx.sentences[i].text for i in (first, *restated)))
        done = _done_after_failure(ctx, moves, first, done, failed, number, about, asked)
    handed = [j for j in mine if j in moves.handed]
    reraised = _reraised(ctx, acts, moves, first, done[-1] if done else None, until)
    if reraised is None and done:  # "No, it's still not working, same error." - "Anything else?"
        reraised = next((j for j in range(done[-1] + 1, until) if ctx.sentences[j].speaker
                         == "customer" and NOT_WORKING.search(ctx.sentences[j].text)
                         and not any(j < k < until for k in moves.done)), None)  # fmt: skip
    left_open = _unanswered_follow_up(ctx, acts, first, max([*done, *handed], default=first),
                                      until)  # fmt: skip
    if left_open is not None and (reraised is None or left_open > reraised):
        reraised = left_open
    fields: dict[str, Any] = {
        "statement": first, "restated": tuple(restated), "responses": tuple(responses),
        "first_response": first_response, "first_response_s": seconds, "reraised": reraised,
    }  # fmt: skip
    if (
        reraised is not None
        and handed
        and reraised > handed[-1]
        and not (reraised == left_open and ASKS_WHEN.search(ctx.sentences[reraised].text))
    ):
        handed = []  # "they'll be in touch" - "I was told that last week": not a handover
    acted_after = [j for j in done if handed and j > handed[-1] and j in moves.acted
                   and not BOOKKEEPING.search(ctx.sentences[j].text)]  # fmt: skip
    if handed and not acted_after:  # facts told after a handover do not undo it
        j = handed[-1]
        transferred = any(HANDED_ON.search(ctx.sentences[k].text) for k in handed)
        text = ctx.sentences[j].text
        if (CALLBACK.search(text) or CALLBACK_PROMISE.search(text)) and not transferred:
            return Request(**fields, outcome="callback", evidence=j)
        nearby = " ".join(ctx.sentences[k].text for k in mine if j - 15 <= k <= j or k in handed)
        kind: Outcome = "escalated" if ESCALATION.search(nearby) else "transferred"
        return Request(**fields, outcome=kind, evidence=j)
    works = next((j for j in range(first + 1, until) if ctx.sentences[j].speaker == "customer"
                  and WORKS_NOW.search(ctx.sentences[j].text)), None)  # fmt: skip
    broke_again = works is not None and any(
        NOT_WORKING.search(ctx.sentences[j].text)
        for j in range(works + 1, until)
        if ctx.sentences[j].speaker == "customer"
    )  # "oh it's working now. oh wait, no, it's kicked me out again"
    if works is not None and not broke_again and (not failed or works > failed[-1]):
        return Request(**fields, outcome="resolved", evidence=works)  # "oh it's draining now"
    if done and reraised is None and (not failed or done[-1] > failed[-1]):
        return Request(**fields, outcome="resolved", evidence=done[-1])
    content = _satisfied_close(ctx, acts, first)
    if responses and content is not None and not failed and reraised is None:
        return Request(**fields, outcome="resolved", evidence=content)
    settled = _alternative_taken(ctx, acts, first, mine, until)
    if settled is not None and not failed and reraised is None:
        return Request(**fields, outcome="resolved", evidence=settled)
    if failed:
        return Request(**fields, outcome="unresolved", evidence=failed[-1])
    if reraised is not None:
        return Request(**fields, outcome="unresolved", evidence=reraised)
    if not closed and until == len(ctx.sentences):
        return Request(**fields, outcome="cut_off", evidence=len(ctx.sentences) - 1)
    return Request(**fields, outcome="unresolved", evidence=mine[-1] if mine else first)


# The customer says the fix worked: "oh it's going, it's actually draining", "that's let me in"
WORKS_NOW = re.compile(
    r"\b(?:it's|it is|that's|that has|it has|it's now|that's now) (?:actually |finally |now )?"
    r"(?:working|worked|draining|let me in|come through)\b|\bit works now\b",
    re.IGNORECASE,
)


NOT_WORKING = re.compile(
    r"\b(?:still not|not working|isn't working|stopped (?:working|again)|same error|"
    r"(?:kicked|thrown|logged) me out|no luck|(?:off|down|broken|gone) again)\b",
    re.IGNORECASE,
)


def _turn_names(ctx: AnalysisContext, about: dict[int, int | None], index: int) -> int | None:
    """The request agent sentence ``index`` names, or else the one its turn names ("Right,
    that's done. The account's closed from the thirtieth.")."""
    if about.get(index) is not None:
        return about[index]
    turn = ctx.sentences[index].turn
    return next((n for j, n in about.items() if n is not None and ctx.sentences[j].turn == turn),
                None)  # fmt: skip


def _done_after_failure(
    ctx: AnalysisContext, moves: _AgentMoves, first: int, done: list[int], failed: list[int],
    number: int, about: dict[int, int | None], asked: set[str],
) -> list[int]:  # fmt: skip
    """What still resolves request ``first`` (``number``) after the agent failed it (``about``:
    the request each agent sentence names most): not what is done for another request ("no
    cabins left" - "so I've moved you onto the thirteenth"); after a refusal, only an action
    done ("the charges are valid" is not), not another action than the one ``asked`` for ("I'd
    like a refund" - "they aren't refundable… I've added it to the sub-let list"), and not a
    link or form sent for the customer to do it themselves; after "I'll have to check that
    one", an action or an answer on the matter ("I've heard back: yes, dogs are fine in the
    cabin"), not "they'll be in touch"."""
    text = {j: ctx.sentences[j].text for j in done}
    done = [j for j in done if j < failed[-1] or about.get(j) in (None, number)]
    refused = [j for j in failed if not puts_off(ctx.sentences[j].text)]
    if refused:
        asked_to_send = SENT.search(ctx.sentences[first].text)
        done = [j for j in done if j < refused[-1] or (
            j in moves.acted and (asked_to_send or not SENT_FOR_THEM.search(text[j]))
            and not RECAP.search(text[j]) and not _another_action(ctx, asked, j))]  # fmt: skip
    put_off = [j for j in failed if j not in refused]
    if put_off:
        done = [j for j in done if j < put_off[-1] or j in moves.acted
                or about.get(j) == number]  # fmt: skip
    return done


# "Oh right, that's better, I'll do that instead then": the customer takes what the agent offers
TAKES_ALTERNATIVE = re.compile(
    r"\b(?:do|have|take|go (?:for|with)) (?:that|this|it|the \w+) instead\b|\binstead then\b|"
    r"\bthat(?:'s| is| would be| sounds) (?:much |a lot )?better\b",
    re.IGNORECASE,
)


def _alternative_taken(
    ctx: AnalysisContext, acts: np.ndarray, first: int, agent: list[int], until: int
) -> int | None:
    """The agent's first statement after the customer took an alternative to what they asked
    for (a freeze instead of a cancellation): it sets the alternative up. None if none."""
    took = next((j for j in range(first + 1, until) if ctx.sentences[j].speaker == "customer"
                 and TAKES_ALTERNATIVE.search(ctx.sentences[j].text)), None)  # fmt: skip
    if took is None:
        return None
    set_up = [_k(a) for a in ("confirm_details", "action_done", "inform", "offer")]
    return next((j for j in agent if j > took and acts[j, set_up].any()
                 and not QUESTION.search(ctx.sentences[j].text)
                 and not FAILURE.search(ctx.sentences[j].text)), None)  # fmt: skip


FAILURE = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|unable|won't|wouldn't|not able|isn't possible|"
    r"not possible|didn't go through|did not go through|failed|declined|rejected|no way|"
    r"not allowed|doesn't let|won't let|not something (?:i|we) can|"
    r"(?:don't|do not) have the (?:ability|access|authority|option)|"
    r"(?:don't|do not) know|not sure|no idea|nothing (?:more|else) (?:i|we) can do|"
    r"not (?:a lot|much|anything) (?:more |else )?(?:i|we) can do)\b",
    re.IGNORECASE,
)
ALTERNATIVE = re.compile(
    r"\b(?:but|however|instead)\b[^.?]{0,30}\b(?:you can|you could|what i can do|i can)\b", re.I
)
RECAP = re.compile(  # "So, to recap: …" sums up the call; after a refusal it undoes nothing
    r"^\W*(?:okay,? |right,? |so,? )*(?:just )?to (?:recap|sum up|summari[sz]e)\b", re.I
)
READ_BACK = re.compile(
    r"^\W*(?:(?:okay|ok|right|alright),?\s*so\b|so,?\s*(?:you|that|it)\b|just to confirm|"
    r"(?:so )?(?:just )?to (?:recap|sum up|summari[sz]e))",
    re.IGNORECASE,
)
HEDGE = re.compile(
    r"\b(?:probably|maybe|perhaps|might be|could be|it(?:'s| is| would be)? worth|"
    r"i (?:think|guess|hope))\b",
    re.IGNORECASE,
)
INTENTION = re.compile(
    r"^\W*(?:(?:okay|ok|right|so|now),?\s*)?(?:let me|i(?:'ll| will| am going to|'m going to)|"
    r"i can|i need to|i just need to|we(?:'ll| will)|can i)\b|"
    r"\b(?:i|we)(?:'ll| will)? (?:need|have) to (?:find out|check|ring|call|phone|speak|ask)\b",
    re.IGNORECASE,
)  # "That's what I need to find out.", "so I'll need to ring them": still to do
DROPPED = re.compile(
    r"\bhello\s*\?|\bhello[,\s]+hello\b|are you (?:still )?there|can you (?:still )?hear me|"
    r"(?:you're|you are) (?:breaking|cutting) up|you cut out|i(?:'ve)? lost you|"
    r"can't hear (?:you|anything)|line (?:went|is|has gone) (?:dead|quiet)",
    re.IGNORECASE,
)
CONDITION = re.compile(  # "if it's approved, …", "yeah if it's a mistake it'll get refunded"
    r"^\W*(?:(?:yeah|yes|well|so|okay|ok|right|um|uh)\W+)*(?:if|once|when|as soon as)\b",
    re.IGNORECASE,
)
SUGGESTION = re.compile(r"\byou (?:could|can|might|may|should) (?:also |always )?try\b", re.I)
OPENING = re.compile(
    r"how (?:can|may|could) i help|what can i do for you|how can we help|anything else", re.I
)
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:(?:so|and|but|um|uh|oh|okay|ok|right|great|lovely|yeah),?\s+)*"
    r"(?:do|does|did|is|are|was|were|can|could|will|would|have|has|"
    r"what|when|where|which|how|why)\b",
    re.IGNORECASE,
)


def _direct_answer(ctx: AnalysisContext, question: int, agent: list[int]) -> int | None:
    """For a request put as a question ("does my contract stay the same?"), the agent's first
    statement in the next turn: the answer."""
    if not QUESTION.search(ctx.sentences[question].text) or not agent:
        return None
    turn = ctx.sentences[agent[0]].turn
    social = ("apology", "backchannel", "hold", "thanks", "closing")
    return next((j for j in agent if ctx.sentences[j].turn == turn
                 and not QUESTION.search(ctx.sentences[j].text)
                 and not _cannot_say(ctx.sentences[j].text)
                 and not any(has_act(ctx, j, a) for a in social)
                 and not _soothes(ctx, j)), None)  # fmt: skip


def _cannot_say(text: str) -> bool:
    """A reply that opens by failing to answer ("I'm not sure", "I can't say exactly"), not one
    that gives a reason with a "can't" in it ("…because they can't take wet ones")."""
    return bool(FAILURE.search(text[:40]))


# Words of sympathy: the act head's "empathy" on a sentence without them is an answer given
# warmly ("leave them folded by the gate and the driver takes them away"), not sympathy
SYMPATHY = re.compile(
    r"\b(?:sorry|apologi[sz]e|understand|must be|frustrat\w*|appreciate|i know|imagine|"
    r"oh no|oh dear|what a|that's (?:awful|a shame|terrible|horrible|rubbish))\b",
    re.IGNORECASE,
)


def _soothes(ctx: AnalysisContext, index: int) -> bool:
    """Agent sentence ``index`` offers sympathy (the act head and the words agree)."""
    return has_act(ctx, index, "empathy") and bool(SYMPATHY.search(ctx.sentences[index].text))


def _satisfied_close(ctx: AnalysisContext, acts: np.ndarray, after: int) -> int | None:
    """The customer's "no, that's all I needed, thank you" (to "anything else?") after
    sentence ``after``: the end of a satisfied request. "Yeah, that's it" confirming a
    read-back is not one."""
    offered = False
    for j in range(after + 1, len(ctx.sentences)):
        s = ctx.sentences[j]
        if s.speaker != "customer":
            offered = offered or bool(ANYTHING_ELSE.search(s.text))
            continue
        thanked = bool(THANKED.search(s.text))
        satisfied = SATISFIED.search(s.text) and (offered or thanked)
        if (thanked and acts[j, _k("negate")]) or satisfied:
            return j
    return None


LACKS = re.compile(r"^\W*(?:but |and )?i (?:haven't got|have not got|don't have|do not have|"
                   r"have no)\b", re.I)  # fmt: skip
NO_MORE = re.compile(r"^\W*(?:no|nope|nah)\b", re.I)
ANYTHING_ELSE = re.compile(r"\banything else\b|\bis there anything\b|\bhelp with today\b", re.I)


def _reraised(
    ctx: AnalysisContext,
    acts: np.ndarray,
    moves: _AgentMoves,
    first: int,
    solved: int | None,
    until: int,
) -> int | None:
    """A customer sentence after the last answer that raises the request again (a request or
    a "no" close in meaning to it), with no answer after it."""
    if solved is None:
        return None
    for j in range(solved + 1, until):
        s = ctx.sentences[j]
        if s.speaker != "customer" or not (acts[j, _k("request")] or acts[j, _k("negate")]):
            continue
        if float(ctx.embeddings[j] @ ctx.embeddings[first]) < RERAISED:
            continue
        if not any(j < k < until for k in moves.done) and not _answered(ctx, j, until):
            return j
    return None


def _unanswered_follow_up(
    ctx: AnalysisContext, acts: np.ndarray, first: int, after: int, until: int
) -> int | None:
    """The customer's last question on the request after the agent's last answer or handover
    ("so when is that going to be?") when the agent's next turn holds no answer ("yeah" is
    one), only "I can't say", a hold or a question back, or nothing at all; or an earlier
    yes/no question in the request's words left so ("so is that a no on home visits?" - "most
    of our families come to the studio")."""
    last = None
    for j in range(max(first, after) + 1, until):
        s = ctx.sentences[j]
        if s.speaker == "customer" and QUESTION.search(s.text) and len(s.text.split()) >= 3:
            if not (acts[j, _k("thanks")] or acts[j, _k("closing")] or NEW_TOPIC.search(s.text)):
                last = j  # not "can I ask something else while I've got you?"
    if last is None:
        return None
    ask = ctx.sentences[first].text
    for j in range(max(first, after) + 1, last):  # an earlier yes/no question on the request
        s = ctx.sentences[j]
        if (
            s.speaker == "customer"
            and YES_NO.search(s.text)
            and len(s.text.split()) >= 3
            and _topic([ask, ""], s.text) == 0
            and not _answered(ctx, j, until)
        ):
            return j  # "so is that a no on home visits, then?" - "most families come to us"
    return None if _answered(ctx, last, until) else last


def _answered(ctx: AnalysisContext, question: int, until: int) -> bool:
    """Whether the agent's next turn after customer sentence ``question`` answers it: any
    plain statement ("yeah" is one), not a failure, a hold or a question back. A turn that
    only holds ("let me just check") leaves the answer to the agent's turn after it."""
    agent = [j for j in range(question + 1, until) if ctx.sentences[j].speaker == "agent"]
    held = {ctx.sentences[j].turn for j in agent if _holding(ctx.sentences[j].text)}
    held -= {ctx.sentences[j].turn for j in agent if not _holding(ctx.sentences[j].text)}
    speaks = [j for j in agent if ctx.sentences[j].turn not in held]
    if not speaks:
        return False
    turn = ctx.sentences[speaks[0]].turn
    replies = [
        j for j in agent
        if ctx.sentences[j].turn == turn
        and not QUESTION.search(ctx.sentences[j].text)
        and not _cannot_say(ctx.sentences[j].text)
        and not _holding(ctx.sentences[j].text)
    ]  # fmt: skip
    asked = ctx.sentences[question].text
    if replies and WHAT_ABOUT.search(asked):  # "but what about the chicken?" needs its words,
        return any(_topic([asked], ctx.sentences[j].text) == 0 for j in replies)  # not "yeah,
        # you're all set for the pause"
    if replies and YES_NO.search(asked):  # "so you can't just put the limit up?" needs a yes,
        return any(  # a no, or words of the question, not "most people use the branch"
            DIRECT.search(ctx.sentences[j].text) or _topic([asked], ctx.sentences[j].text) == 0
            for j in replies
        )
    return bool(replies)


# A yes/no question in a request: "…so do I get some of that back?", "like do I get it back"
YES_NO_ASKED = re.compile(
    r"(?:^|[,.?]\s*|\b(?:like|so|and|but)\s+)(?:(?:do|does|did|is|isn't|are|will|would|have|has)"
    r"\s+(?:i|it|they|you|we|she|he|that|this|there|your|the)|(?:can|could) (?:i|it|they|we))\b",
    re.IGNORECASE,
)
# An answer that says yes or no: "yes, …", "no, sadly", "we do", "it isn't", "it'll be fine"
SAYS_YES_OR_NO = re.compile(
    r"(?:^\W*|[:;]\s*)(?:(?:um|uh|so|well|oh|right|okay|ok|ah|honestly),?\s+)*(?:yes|yeah|yep|no|"
    r"nope|not|"
    r"sadly|unfortunately|i'm afraid|afraid|of course|sure|absolutely|definitely|certainly|"
    r"correct|(?:we|they|it|you|she|he|that|there)(?: do| don't| does| doesn't| is| isn't|'s not|"
    r" are| aren't| will| won't| can| can't| would| wouldn't| should| shouldn't|'ll|'d))\b",
    re.IGNORECASE,
)


def _says_yes_or_no(ctx: AnalysisContext, index: int) -> bool:
    """Whether the agent's turn holding sentence ``index`` answers yes or no."""
    turn = ctx.sentences[index].turn
    return any(s.turn == turn and s.speaker == "agent" and SAYS_YES_OR_NO.search(s.text)
               for s in ctx.sentences)  # fmt: skip


WHAT_ABOUT = re.compile(r"^\W*(?:(?:okay|ok|so|and|but|um|uh|right),?\s+)*(?:what|how) about\b",
                        re.IGNORECASE)  # fmt: skip
YES_NO = re.compile(
    r"^\W*(?:so,? |and |but |okay,? )?(?:you |i |it |they )?(?:do|does|did|is|isn't|are|was|"
    r"can|can't|could|couldn't|will|won't|would|have|has)\b",
    re.IGNORECASE,
)
DIRECT = re.compile(
    r"^\W*(?:yes|yeah|yep|no|nope|not|sadly|unfortunately|i'm afraid|afraid|of course|sure|"
    r"absolutely|definitely|correct|right|"
    r"(?:it|that|this|they|you|i|we|he|she)(?:'s|'re|'ll|'d| is| isn't| are| will| won't| "
    r"should| would| does| doesn't| do| don't| can| can't| cannot| could| couldn't| did))\b",
    re.IGNORECASE,
)


def _seconds(ctx: AnalysisContext, a: int, b: int | None) -> float | None:
    if b is None:
        return None
    start, end = ctx.sentences[a].end, ctx.sentences[b].start
    return None if start is None or end is None else max(0.0, end - start)


# When not every request was resolved, the first of these present decides the call.
OUTCOME_PRECEDENCE = ("cut_off", "escalated", "transferred", "callback")


def _call_outcome(requests: list[Request]) -> tuple[Outcome | None, int | None]:
    """All resolved: resolved; the line dropped on a request: cut off; some resolved:
    partly resolved (a callback or transfer for the rest included); none resolved and one
    handed on: that handover; else the last request's outcome."""
    if not requests:
        return None, None
    resolved = [r for r in requests if r.outcome == "resolved"]
    if len(resolved) == len(requests):
        return "resolved", resolved[-1].evidence
    others = [r for r in requests if r.outcome != "resolved"]
    for outcome in OUTCOME_PRECEDENCE:
        hit = next((r for r in reversed(others) if r.outcome == outcome), None)
        if hit is not None and (outcome == "cut_off" or not resolved):
            return hit.outcome, hit.evidence
    if resolved:
        return "partly_resolved", others[-1].evidence
    return others[-1].outcome, others[-1].evidence
