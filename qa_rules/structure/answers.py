"""Whether the customer was answered: a direct answer to a question, a yes or a no to a
yes/no question, a follow-up left open, a request raised again, a satisfied close, and a line
that dropped."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from callqa.qa_rules.structure.agent import holding
from callqa.qa_rules.structure.customer import ANYTHING_ELSE, NEW_TOPIC, SATISFIED
from callqa.qa_rules.structure.model import AgentMoves, Request
from callqa.qa_rules.structure.words import FAILURE, QUESTION, act_index, has_act, shares_words

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


RERAISED = 0.5  # cosine: a customer sentence this close to a resolved request raises it again
THANKED = re.compile(r"\b(?:thank|thanks|cheers|appreciate|great|perfect|brilliant)\b", re.I)


def line_dropped(ctx: AnalysisContext) -> int | None:
    """The first of the call's last sentences that shows the line dropped ("hello? are you
    still there?"), or None."""
    n = len(ctx.sentences)
    return next((i for i in range(max(0, n - 4), n) if DROPPED.search(ctx.sentences[i].text)),
                None)  # fmt: skip


def answered_late(ctx: AnalysisContext, request: Request, dropped: int) -> bool:
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
        has_act(ctx, j, "hold") or holding(ctx.sentences[j].text)
        for j in range(request.evidence, dropped)
    )


CUT_OUT = re.compile(r"\b(?:you|it|the line)(?:'ve|'re| have| are)? (?:cut|cutting|broke|breaking) "
                     r"(?:out|up|off)\b|\bi(?:'ve)? lost you\b|\bi can't hear you\b",
                     re.IGNORECASE)  # fmt: skip
DROPPED = re.compile(
    r"\bhello\s*\?|\bhello[,\s]+hello\b|are you (?:still )?there|can you (?:still )?hear me|"
    r"(?:you're|you are) (?:breaking|cutting) up|you cut out|i(?:'ve)? lost you|"
    r"can't hear (?:you|anything)|line (?:went|is|has gone) (?:dead|quiet)",
    re.IGNORECASE,
)


def direct_answer(ctx: AnalysisContext, question: int, agent: list[int]) -> int | None:
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
    that gives a reason with a "can't" in it ("…because they can't take wet ones") nor a "no"
    put as "it won't need…" ("for a one-day event they won't need emptying")."""
    return bool(FAILURE.search(text[:40])) and not NOT_NEEDED.search(text[:60])


NOT_NEEDED = re.compile(
    r"\b(?:they|it|you|that|this)(?:'ll| will)? (?:won't|will not|wouldn't|would not) "
    r"(?:need|have to|matter|affect|cost|apply|show|count|be (?:needed|a problem|an issue))\b",
    re.IGNORECASE,
)


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


def satisfied_close(ctx: AnalysisContext, acts: np.ndarray, after: int) -> int | None:
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
        if (thanked and acts[j, act_index("negate")]) or satisfied:
            return j
    return None


def raised_again(
    ctx: AnalysisContext,
    acts: np.ndarray,
    moves: AgentMoves,
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
        if s.speaker != "customer" or not (
            acts[j, act_index("request")] or acts[j, act_index("negate")]
        ):
            continue
        if float(ctx.embeddings[j] @ ctx.embeddings[first]) < RERAISED:
            continue
        if not any(j < k < until for k in moves.done) and not _answered(ctx, j, until):
            return j
    return None


# Said of what went before: "So what are you going to do about it?"
FOLLOWS_ON = re.compile(r"\W*(?:so|but|then)\b", re.IGNORECASE)


def unanswered_follow_up(
    ctx: AnalysisContext, acts: np.ndarray, first: int, after: int, until: int
) -> int | None:
    """The customer's last question on the request after the agent's last answer or handover
    ("so when is that going to be?"), not one that opens the next request's turn, when the
    agent's next turn holds no answer ("yeah" is one), only "I can't say", a hold or a
    question back, or nothing at all; or an earlier yes/no question in the request's words
    left so ("so is that a no on home visits?" - "most of our families come to the studio")."""
    last = None
    for j in range(max(first, after) + 1, until):
        s = ctx.sentences[j]
        if (until < len(ctx.sentences) and s.turn == ctx.sentences[until].turn
                and not FOLLOWS_ON.match(s.text)):  # fmt: skip
            break  # "Is that silly at my age? Would you help me prepare?": the next request's
        if s.speaker == "customer" and QUESTION.search(s.text) and len(s.text.split()) >= 3:
            if not (
                acts[j, act_index("thanks")]
                or acts[j, act_index("closing")]
                or NEW_TOPIC.search(s.text)
            ):
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
            and shares_words(ask, s.text)
            and not _answered(ctx, j, until)
        ):
            return j  # "so is that a no on home visits, then?" - "most families come to us"
    return None if _answered(ctx, last, until) else last


def _answered(ctx: AnalysisContext, question: int, until: int) -> bool:
    """Whether the agent's next turn after customer sentence ``question`` answers it: any
    plain statement ("yeah" is one), not a failure, a hold or a question back. A turn that
    only holds ("let me just check") leaves the answer to the agent's turn after it."""
    agent = [j for j in range(question + 1, until) if ctx.sentences[j].speaker == "agent"]
    held = {ctx.sentences[j].turn for j in agent if holding(ctx.sentences[j].text)}
    held -= {ctx.sentences[j].turn for j in agent if not holding(ctx.sentences[j].text)}
    speaks = [j for j in agent if ctx.sentences[j].turn not in held]
    if not speaks:
        return False
    turn = ctx.sentences[speaks[0]].turn
    replies = [
        j for j in agent
        if ctx.sentences[j].turn == turn
        and not QUESTION.search(ctx.sentences[j].text)
        and not _cannot_say(ctx.sentences[j].text)
        and not holding(ctx.sentences[j].text)
    ]  # fmt: skip
    asked = ctx.sentences[question].text
    if replies and WHAT_ABOUT.search(asked):  # "but what about the chicken?" needs its words,
        return any(shares_words(asked, ctx.sentences[j].text) for j in replies)  # not "yeah,
        # you're all set for the pause"
    if replies and YES_NO.search(asked):  # "so you can't just put the limit up?" needs a yes,
        return any(  # a no, or words of the question, not "most people use the branch"
            DIRECT.search(ctx.sentences[j].text) or shares_words(asked, ctx.sentences[j].text)
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


def says_yes_or_no(ctx: AnalysisContext, index: int) -> bool:
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
DIRECT = re.compile(  # after a lead-in ("so that's Saturday at ten thirty") or what it is
    # about ("for a one-day event they won't need it")
    r"^\W*(?:(?:so|okay|ok|well|oh|ah|um|uh),?\s+|(?:for|with|on|in|at|if|by) [\w' -]{1,30}?,?\s+"
    r"(?=(?:it|that|this|they|you|we|he|she)\b))?"
    r"(?:yes|yeah|yep|no|nope|not|sadly|unfortunately|i'm afraid|afraid|of course|sure|"
    r"absolutely|definitely|correct|right|"
    r"(?:it|that|this|they|you|i|we|he|she)(?:'s|'re|'ll|'d| is| isn't| are| aren't| will| "
    r"won't| should| would| does| doesn't| do| don't| can| can't| cannot| could| couldn't| "
    r"did))\b",
    re.IGNORECASE,
)
