"""What an agent sentence does for a request: answers it or reports an action done
(``resolves``, ``is_action_done``), fails or puts it off (``fails``, ``puts_off``), or hands it
on to a team or a callback (``hands_over``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from callqa.qa_rules.metrics import HOLD_ANNOUNCED, HOLD_THANKED
from callqa.qa_rules.readback import digits_for_words
from callqa.qa_rules.spoken import ORDINALS
from callqa.qa_rules.structure.words import (
    ACTION_LEMMAS,
    FAILURE,
    NO_MORE,
    QUESTION,
    has_act,
    sentence_span,
)

if TYPE_CHECKING:
    from callqa.qa_rules.context import AnalysisContext


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
    r"^\W*(?:no|nah|nope)\b[^.?]*\b(?:you|we) (?:can't|cannot)\b(?! (?:miss|go wrong|beat)\b)|"
    r"\bthe (?:charge|fee|fine|bill|price|cost|penalty) (?:still )?stands\b|"
    r"\b(?:are|is|they're|it's|we're)(?:,? i'm afraid,?)? (?:all |completely )?(?:spoken for|sold "
    r"out|out of stock)\b(?![^.?!]*\b(?:but|instead)\b)",
    re.IGNORECASE,
)  # "I wouldn't want to give you a wrong figure", "Not this week, no.", "No, I'm afraid not.",
# "we don't do refunds on deposits", "nah they're allocated you can't reorder foils" (not "no,
# you can't miss it"), "the charge stands", "the geese, I'm afraid, are all spoken for"


def fails(ctx: AnalysisContext, index: int) -> bool:
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


DAY_OF_MONTH = "|".join(sorted(ORDINALS - {"st", "nd", "rd", "th"}))
WHEN_SAID = re.compile(
    r"\b(?:today|tomorrow|tonight|by|within|on (?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)|in (?:the next |a |\d+ |one |two |three )\w*\s*(?:hours?|days?|minutes?)|"
    r"this (?:morning|afternoon|evening)|first thing|"
    rf"on the (?:(?:twenty|thirty)[- ])?(?:\d{{1,2}}(?:st|nd|rd|th)|{DAY_OF_MONTH})|"
    r"between (?:\d{1,2}|\w+) (?:and|till|until) (?:\d{1,2}|\w+))\b",  # "on the ninth between…"
    re.IGNORECASE,
)


def is_action_done(ctx: AnalysisContext, index: int) -> bool:
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
NOT_DONE_AUX = frozenset("will 'll shall would could can should might may must going need".split())
DONE_AUX = frozenset("have has 've had is 's are 're was were been be being got get".split())
WISHES = frozenset("want need like try hope wish plan".split())
CONDITIONAL = frozenset("once if when until unless after".split())
STATES_VALUE = re.compile(r"\b(?:your|the)\b[^.?!]{0,40}\b(?:is|are|was|were)\b", re.IGNORECASE)


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
    r"\b(?:will|'ll)\b[^.?]{0,30}\bget back to you\b",  # "I'll chase them up today and get…"
    re.IGNORECASE,
)
ONLY_IF_NEEDED = re.compile(  # "if it needs pads they'll ring you before doing anything"
    r"\bif (?:they|we) (?:need|want) (?:anything|any|more)\b|\bif it needs\b", re.I
)
ON_THE_WAY = re.compile(
    r"\b(?:call|ring|text) you\b[^.?]{0,40}\b(?:before|when) (?:he|she|they|the \w+) "
    r"(?:arrives?|gets? (?:there|to you)|comes?|turns? up|(?:is|are|'s|'re) on)\b|"
    r"\b(?:call|ring|text you|be in touch)\b[^.?]{0,20}\bto confirm the (?:time|slot|date)\b",
    re.IGNORECASE,
)
PAYMENT_LINE = re.compile(r"\bautomated\b|\b(?:card|payment) line\b|\bback to me\b", re.I)
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
    r"\b(?:i|we) can (?:put|transfer|pass) you (?:straight |right |just )?(?:through|over|across)"
    r"(?: to\b| now\b)|"  # "I can put you straight through to her now"
    r"\b(?:i've|i have) got (?:\w+|\[PERSON\])(?: \w+)? on the line\b|"
    r"\bpass (?:her|him|them) (?:over|through|across)\b|"
    r"\b(?:i'll|i will|let me) (?:get|fetch|bring in) (?:my|a|the) (?:team leader|supervisor|"
    r"manager)\b|\bthis is \S+,? (?:the|a|one of the) (?:team leader|supervisor|manager)\b|"
    r"\bgot \S+,? (?:my|our|the) (?:team leader|supervisor|manager),? on the line\b|"
    r"\b(?:going to|will|'ll) take (?:it|this) over\b",  # "she's going to take it over from here"
    re.IGNORECASE,
)
# The customer moved to another product, not the call to other people
MOVED_TO_PRODUCT = re.compile(
    r"\b(?:transfer|switch|move|put|swap)(?:ring|ing)? you (?:over |across )?(?:on)?to "
    r"(?:the|a|our|your|that|this) [\w ]{0,20}?\b(?:plan|tariff|package|deal|contract|rate|"
    r"bundle|scheme|subscription|membership|account)\b(?! (?:team|department|desk|people)\b)",
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
    said = MOVED_TO_PRODUCT.sub(" ", text)  # "I'll transfer you over to the Saver plan"
    return bool(
        HANDED_ON.search(said)
        or (has_act(ctx, index, "transfer") and HANDOVER.search(said))
        or CALLBACK_PROMISE.search(text)
        or (has_act(ctx, index, "callback") and CALLBACK.search(text))
    )


# A read-back that says it is done: "so that's [EMAIL], and that's booked in for you"
AND_DONE = re.compile(
    r"\b(?:and|then) (?:that's|that is|it's|it is|you're|you are|i've|i have) (?:\w+ ){0,2}?"
    r"(?:booked|done|sorted|cancelled|moved|changed|sent|added|set up|arranged|confirmed)\b|"
    # "so that's booked for Thursday the third": done, with what was done (not "so that's all
    # done", which may close any of the requests)
    r"\bso (?:that's|that is|it's|it is|you're|you are) (?:now )?(?:booked|cancelled|moved|"
    r"changed|arranged|confirmed|rebooked)\b",
    re.IGNORECASE,
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
    read_back = READ_BACK.search(text) and not AND_DONE.search(text)
    if refused or SUGGESTION.search(text) or read_back:
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


IN_PROGRESS = re.compile(r"\b(?:i'm|i am) just \w+ing\b", re.IGNORECASE)  # "just putting it"


def holding(text: str) -> bool:
    """A hold or a check in progress: announced, thanked for, or under way."""
    return bool(
        HOLD_ANNOUNCED.search(text) or HOLD_THANKED.search(text) or IN_PROGRESS.search(text)
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
CONDITION = re.compile(  # "if it's approved, …", "yeah if it's a mistake it'll get refunded"
    r"^\W*(?:(?:yeah|yes|well|so|okay|ok|right|um|uh)\W+)*(?:if|once|when|as soon as)\b",
    re.IGNORECASE,
)
SUGGESTION = re.compile(r"\byou (?:could|can|might|may|should) (?:also |always )?try\b", re.I)
