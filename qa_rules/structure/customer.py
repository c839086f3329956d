"""What the customer asks: the sentences that state each request of a call
(``request_statements``) and the several asks one opening may hold (``asks_in``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import numpy as np

from callqa.qa_rules.structure.agent import puts_off
from callqa.qa_rules.structure.model import AgentMoves
from callqa.qa_rules.structure.words import NO_MORE, QUESTION, act_index, action_lemma, has_act

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


RESTATED = 0.55  # cosine: a later request this close to an open one restates it


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
CAN_YOU = re.compile(r"\b(?:can|could) (?:you|that|this|it|they|we)\b", re.IGNORECASE)
ASKS_IN_CLAUSE = re.compile(rf"\W*(?:so,? )?{CAN_YOU.pattern}", re.IGNORECASE)
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


def asks_in(text: str, announced: int, splitter: re.Pattern[str]) -> list[str]:
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
                 or (CAN_YOU.search(clause) and ASKS_TOO.search(clause))
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


WANTS = re.compile(
    r"\b(?:like|want|need|wanna|trying|hoping|calling|ringing|phoning|ask about) (?:to )?"
    r"(?:get(?:ting)? )?(?:my |the |it |a |an )?(\w+)|\b(?:can|could|would) you (?:please )?(\w+)",
    re.IGNORECASE,
)
ASKS_TO_KNOW = frozenset("know ask check find tell see understand confirm what when why".split())


def asked_actions(text: str) -> set[str]:
    """The actions a request asks for by name ("I'd like a refund" -> refund; "some money
    back" -> refund or credit)."""
    verbs = [(m.group(1) or m.group(2)).lower() for m in WANTS.finditer(text)]
    verbs += [m[1].lower() for m in WANT_IT_DONE.finditer(text)]
    asked = {lemma for v in verbs if (lemma := action_lemma(v))}
    if MONEY_BACK.search(text):
        asked |= {"refund", "credit"}
    return asked


# "I want that fine cancelling", "I need it stopped": the action, as a participle
WANT_IT_DONE = re.compile(r"\b(?:want|need)s? (?:that|this|the|my|it|them)(?: \w+)? "
                          r"(\w+(?:ing|ed))\b", re.IGNORECASE)  # fmt: skip
MONEY_BACK = re.compile(r"\bmoney back\b|\brefund|\bcompensat", re.IGNORECASE)


def kind_wanted(text: str) -> Literal["action", "information", "problem"]:
    """What a request asks for: an action ("I'd like to increase my limit"), information
    ("I'd like to know when it's due"), or help with a problem ("I lost my card")."""
    for match in WANTS.finditer(text):
        verb = (match.group(1) or match.group(2)).lower()
        if verb in ASKS_TO_KNOW:
            return "information"
        if action_lemma(verb):
            return "action"
    return "problem"


def problem_statement(ctx: AnalysisContext) -> int | None:
    """The sentence where the customer first states what they want, or None."""
    requests = ctx.structure.requests
    return requests[0].statement if requests else None


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
SATISFIED = re.compile(
    r"\b(?:that(?:'s| is| was| will be|'ll be) (?:all|it|everything)|all (?:i|we) need(?:ed)?|"
    r"(?:that|this) (?:helps|helped|works|worked)|nothing else|"
    r"i(?:'m| am) (?:all )?(?:good|set))\b",
    re.IGNORECASE,
)


def request_statements(
    ctx: AnalysisContext, acts: np.ndarray, moves: AgentMoves
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
        social = acts[i, act_index("thanks")] or acts[i, act_index("closing")]
        if social and not (REQUEST_CUES.search(s.text) or NEW_TOPIC.search(s.text)):
            continue  # "thanks so much": a closing, not a request
        if (
            found
            and acts[i, act_index("apology")]
            and not (
                WANT_CUES.search(s.text) or ASKS.search(s.text) or ANOTHER_PROBLEM.search(s.text)
            )
        ):
            continue  # "I'm sorry, I didn't mean to go on": an apology, not another request
        if SATISFIED.search(s.text) or (acts[i, act_index("negate")] and len(s.text.split()) <= 4):
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
    asked = [j for j in previous if acts[j, act_index("ask_detail")]
             or QUESTION.search(ctx.sentences[j].text)]  # fmt: skip
    return bool(asked) and not any(
        acts[j, act_index("greeting")] or OPENING.search(ctx.sentences[j].text) for j in previous
    )


OPENING = re.compile(
    r"how (?:can|may|could) i help|what can i do for you|how can we help|anything else", re.I
)


LACKS = re.compile(r"^\W*(?:but |and )?i (?:haven't got|have not got|don't have|do not have|"
                   r"have no)\b", re.I)  # fmt: skip
ANYTHING_ELSE = re.compile(r"\banything else\b|\bis there anything\b|\bhelp with today\b", re.I)
