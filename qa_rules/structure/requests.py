"""The outcome of each request: what the agent did, failed or handed on for it
(``build_request``), and a statement holding several requests split into one each
(``split_request``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from callqa.qa_rules.structure.agent import (
    BOOKKEEPING,
    CALLBACK,
    CALLBACK_PROMISE,
    HANDED_ON,
    RECAP,
    REGRET,
    SENT,
    SENT_FOR_THEM,
    puts_off,
)
from callqa.qa_rules.structure.answers import (
    YES_NO_ASKED,
    direct_answer,
    raised_again,
    satisfied_close,
    says_yes_or_no,
    unanswered_follow_up,
)
from callqa.qa_rules.structure.customer import (
    ANNOUNCED,
    ANNOUNCED_COUNT,
    ASKS_TO_DO,
    SEVERAL,
    SEVERAL_ANNOUNCED,
    asked_actions,
    asks_in,
    kind_wanted,
)
from callqa.qa_rules.structure.model import AgentMoves, Outcome, Request
from callqa.qa_rules.structure.words import (
    ACTION_LEMMAS,
    ASKS_WHEN,
    FAILURE,
    QUESTION,
    act_index,
    closest_ask,
    content_stems,
    sentence_span,
)

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


ESCALATION = re.compile(r"supervisor|manager|escalat|complaints? team|second[- ]line|specialist|"
                        r"team lead(?:er)?|senior (?:colleague|adviser|advisor|agent)",
                        re.IGNORECASE)  # fmt: skip
RESPONSES = ("inform", "action_done", "action_failed", "offer", "ask_detail", "confirm_details",
             "transfer", "callback", "hold", "clarify")  # fmt: skip


def split_request(
    ctx: AnalysisContext, moves: AgentMoves, request: Request, until: int
) -> list[Request]:
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
        clauses = asks_in(text, count, SEVERAL)
        if len(clauses) < count:  # run-on speech: "three things really we want to book…
            looser = asks_in(text, count, SEVERAL_ANNOUNCED)  # i never got the invoice…"
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
    kinds = [kind_wanted(ask) for ask in asks]
    events: dict[int, tuple[Outcome, int]] = {}
    last_said: dict[int, int] = {}  # the last agent sentence on each request
    current = 0
    for j in range(request.statement + 1, until):
        text = ctx.sentences[j].text
        pointed = closest_ask(asks, text)
        if pointed is not None:
            current = pointed  # "and the statement?": the customer moves on to that request
        if ctx.sentences[j].speaker != "agent":
            if (
                ASKS_TO_DO.search(text)
                and kind_wanted(text) == "action"
                and kinds[current] != "action"
            ):
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
                j in moves.acted or says_yes_or_no(ctx, j)
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


def _done_before_refusal(
    ctx: AnalysisContext, moves: AgentMoves, request: Request
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
    asked = asked_actions(
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


def _another_action(ctx: AnalysisContext, asked: set[str], index: int) -> bool:
    """Agent sentence ``index`` reports no action ``asked`` for: another one, or none by name
    ("I can't cancel penalty notices…" - "right, that's gone through, new card's on")."""
    span = sentence_span(ctx, index)
    done = {t.lemma_.lower() for t in span or () if t.pos_ == "VERB"} & ACTION_LEMMAS
    same = asked | CHARGE_ACTIONS if asked & CHARGE_ACTIONS else asked
    return bool(asked and not same & done)


# Actions that come to the same for a charge: a fine "cancelled" is one "waived and removed"
CHARGE_ACTIONS = frozenset({"cancel", "waive", "remove", "reverse"})


def build_request(
    ctx: AnalysisContext, acts: np.ndarray, moves: AgentMoves, first: int,
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
    answer = direct_answer(ctx, first, mine)
    responses = [j for j in mine if any(acts[j, act_index(a)] for a in RESPONSES) or j == answer]
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
    wanted = kind_wanted(" ".join(ctx.sentences[i].text for i in (first, *restated)))
    yes_no = YES_NO_ASKED.search(ctx.sentences[first].text)
    if wanted != "action" and yes_no:  # "do I get some of that back?" - "the final bill will
        # show everything": no answer; "is the exam included?" - "that includes the exam": one
        asked = content_stems(ctx.sentences[first].text[yes_no.start() :])
        done = [j for j in done if j in moves.acted or says_yes_or_no(ctx, j)
                or len(asked & content_stems(ctx.sentences[j].text)) >= 2]  # fmt: skip
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
        asked = asked_actions(" ".join(ctx.sentences[i].text for i in (first, *restated)))
        done = _done_after_failure(ctx, moves, first, done, failed, number, about, asked)
    handed = [j for j in mine if j in moves.handed]
    reraised = raised_again(ctx, acts, moves, first, done[-1] if done else None, until)
    if reraised is None and done:  # "No, it's still not working, same error." - "Anything else?"
        reraised = next((j for j in range(done[-1] + 1, until) if ctx.sentences[j].speaker
                         == "customer" and NOT_WORKING.search(ctx.sentences[j].text)
                         and not any(j < k < until for k in moves.done)), None)  # fmt: skip
    left_open = unanswered_follow_up(ctx, acts, first, max([*done, *handed], default=first),
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
        # "when will they call?": a callback without a time is still a callback (flagged so)
        and not (reraised == left_open and ASKS_WHEN.search(ctx.sentences[reraised].text))
    ):
        handed = []  # "they'll be in touch" - "I was told that last week": not a handover
    acted_after = [j for j in done if handed and j > handed[-1] and j in moves.acted
                   and not BOOKKEEPING.search(ctx.sentences[j].text)
                   and not _stopgap(ctx, handed[-1], j)]  # fmt: skip
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
    content = satisfied_close(ctx, acts, first)
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


# What tides the customer over until the request is dealt with: "if it helps, we can lend you a
# camping hob until the fit's done", "in the meantime I've sent you a voucher"
STOPGAP = re.compile(
    r"\bif it helps\b|\bin the meantime\b|\bmeanwhile\b|\bwhile you wait\b|"
    r"\buntil (?:the|it|then|that|your|you|we|they)\b",
    re.IGNORECASE,
)


def _stopgap(ctx: AnalysisContext, handed: int, done: int) -> bool:
    """Whether the action ``done`` after the hand-over at ``handed`` carries out a stopgap the
    agent offered in its turn or the agent's turn before (or says it is one): it does not undo
    the hand-over."""
    turn = ctx.sentences[done].turn
    before = max((s.turn for s in ctx.sentences[handed:done] if s.speaker == "agent"
                  and s.turn < turn), default=turn)  # fmt: skip
    return any(ctx.sentences[k].turn in (before, turn) and STOPGAP.search(ctx.sentences[k].text)
               for k in range(handed + 1, done + 1))  # fmt: skip


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
    ctx: AnalysisContext, moves: AgentMoves, first: int, done: list[int], failed: list[int],
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
    set_up = [act_index(a) for a in ("confirm_details", "action_done", "inform", "offer")]
    return next((j for j in agent if j > took and acts[j, set_up].any()
                 and not QUESTION.search(ctx.sentences[j].text)
                 and not FAILURE.search(ctx.sentences[j].text)), None)  # fmt: skip


ALTERNATIVE = re.compile(
    r"\b(?:but|however|instead)\b[^.?]{0,30}\b(?:you can|you could|what i can do|i can)\b", re.I
)


def _seconds(ctx: AnalysisContext, a: int, b: int | None) -> float | None:
    if b is None:
        return None
    start, end = ctx.sentences[a].end, ctx.sentences[b].start
    return None if start is None or end is None else max(0.0, end - start)
