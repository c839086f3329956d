"""Follow-up: commitments as action items (who, what, when) and a closing summary of next steps."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, is_question, phrases, register
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding, quote_turn
from callqa.qa_rules.structure import ONLY_IF_NEEDED, has_act

COMMITMENT = re.compile(
    r"(?:\b|(?=\[))(?P<who>i|we|you|they|he|she|\[PERSON\]|"  # "[PERSON] will give you a call"
    r"(?:someone|somebody)(?: (?:from|in|on) (?:the |our )?\w+(?: team)?)?|"
    r"(?:the|our|a) \w+(?: team)?|it)"
    r"(?:'ll| will| am going to| are going to|'s going to| is going to| should(?! have))\s+"
    r"(?=(?P<what>(?:\w+\s?){1,8}))",  # a lookahead: "they'll look and someone will call"
    re.IGNORECASE,
)
FOLLOW_UP_ACTION = phrases(  # what is done after the call, as opposed to "I'll check that now"
    r"(\w+ )?(call|ring|phone|e-?mail|text|send|post|mail|ship|follow up|contact|get back|"
    r"reach out|come back|give you a (call|ring|bell)|"
    r"(ask|get) (\w+ ){1,3}to (call|ring|contact|give you)|"
    r"check back|let you know|notify|update you|refund|credit|process|escalate|arrange|schedule|"
    r"book|visit|come out|replace|deliver|arrive|be in touch|be (sent|delivered|processed|credited|"
    r"refunded|contacted|notified|back))",
)
THE_CUSTOMER_WILL_RECEIVE = phrases(
    "get|receive|have|see|hear|be (sent|contacted|notified|refunded|credited)"
)
# "it'll go back on your card", "it'll show as a credit": money or post on its way.
IT_ARRIVES = phrases(
    "(go|come) back|show|appear|arrive|reach|come through|be (back|credited|with you)"
)
# Promises to contact the customer: a callback with no time is worth a reviewer's look.
CONTACT = phrases(
    r"(call|ring|phone|contact|get back|be in touch|reach out|give you a (call|ring|bell))\b"
)
_HOUR = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon)"
WHEN = phrases(
    r"within [\w -]{1,25}? (business |working )?(hours?|days?|weeks?|minutes?)",
    r"in (the next )?[\w -]{1,25}? (business |working )?(hours?|days?|weeks?|minutes?)",
    "by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|noon|"
    "(the )?end of|[0-9])",
    "(this|that|the|tomorrow|friday|monday) (morning|afternoon|evening|night) before",
    "(this|that|tomorrow|friday|monday) (morning|afternoon|evening|night)",
    "tomorrow",
    "tonight",
    "today",
    "next (week|month|monday|tuesday|wednesday|thursday|friday)",
    "(monday|tuesday|wednesday|thursday|friday)",
    r"\d{1,2}(:\d{2})? ?(am|pm)",
    # "between half two and three", "at quarter past four", "around half nine"
    rf"(between|at|around|about|after|before) (half|quarter (past|to)) ?(past )?{_HOUR}",
    rf"between (half |quarter (past |to ))?{_HOUR}( ?[ap]m)? and {_HOUR}",
    "end of (the )?(day|week)",
    "right away",
    "shortly",
    "now",
    "straight away",
    "immediately",
    "in a (minute|moment|second|sec)",
    "the day before",
    "(on|with) (your|the) next (bill|statement)",
)
# Sent while the customer is on the line, or a hand-over now: not a later promise.
DURING_THE_CALL = phrases(
    r"(get|receive|send you|be sent) (a|an|the) (\w+ )?(text|sms|e-?mail|confirmation|code|"
    r"link)\b",
    r"text (it|that|this|them) (to you|over)",
    "send (your|the) payment",
    r"(escalate|transfer|put you through|hand you)\b.*\b(hold|now)\b",
    r"while (you're|you are) (still )?on the (phone|line)",  # "she'll email it while you're…"
)
SUMMARY = phrases(
    "to (recap|summari[sz]e|sum up)",
    "just to confirm,? (i|we|you)",
    "so (i('ve| have)|we('ve| have))",
    "(so|and) you('ll| will) (receive|get|see)",
    "the next step",
    "what happens next",
    "here's what",
    # "so that's booked", "so that's all been updated", "you're all set": a recap of what was done
    r"so that'?s (all )?(now )?(been )?(done|sorted|booked|logged|arranged|cancelled|updated|"
    r"changed|set up|gone through|in place)",
    r"you'?re all (set|sorted|done)",
    # "so that's tuesday eleven fifteen, two hours with sandra, pay on the day": a long read-back
    r"^\W*((okay|right|lovely|great|perfect),? )?so,? that'?s\b(?=[^?]{50,})",
    # a warm hand-over: the agent tells the customer what they passed on
    r"i'?ve (explained|passed on|let them know|told them)",
)


@register
class FollowUp(Detector):
    name = "follow_up"
    behaviour = "follow_up"
    labels = (
        "commitment",
        "commitment_without_time",
        "callback_without_time",
        "closing_summary",
        "no_closing_summary",
    )
    requires = ("acts", "docs", "structure", "transcript")
    tunable = {"closing_share": (0.05, 1.0)}
    closing_share = 0.25  # the last quarter of the agent's sentences

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        findings = [f for i in ctx.by_speaker("agent") for f in self._commitments(ctx, i)]
        agent = ctx.by_speaker("agent")
        if len(agent) < 6 or ctx.structure.outcome == "cut_off":
            return findings  # no recap to judge when the line dropped first
        closing = agent[int(len(agent) * (1 - self.closing_share)) :]
        promised = {f.evidence[0].turn for f in findings if f.label == "commitment"}
        recaps = [i for i in closing if SUMMARY.search(ctx.sentences[i].text)]
        promises = [i for i in closing if ctx.sentences[i].turn in promised and i not in recaps]
        summary = recaps + promises  # the recap quoted first
        if summary:
            why = "Closed with a summary of what happens next"
            findings.append(self.finding(ctx, "closing_summary", "positive", summary, why))
        elif _summary_due(ctx, promised):
            why = "The closing does not sum up what was done or what happens next"
            findings.append(
                self.finding(ctx, "no_closing_summary", "negative", closing[-1:], why, 0.6)
            )
        return findings

    def _commitments(self, ctx: AnalysisContext, index: int) -> list[Finding]:
        """Each promise in sentence ``index``, quoted on its own, as an action item."""
        s = ctx.sentences[index]
        findings = []
        if is_question(s.text) or has_act(ctx, index, "greeting"):
            return []  # "how can I help you today?" promises nothing
        for match in COMMITMENT.finditer(s.text):
            who, what = match["who"].lower(), match["what"]
            if who == "you" and not THE_CUSTOMER_WILL_RECEIVE.match(what):
                continue  # "you'll need to…" asks the customer; "you'll get…" promises
            if who == "it" and not IT_ARRIVES.match(what):
                continue  # "it'll take a minute"
            if who not in ("you", "it") and not FOLLOW_UP_ACTION.match(what):
                continue  # "I'll check that now" happens during the call
            if ONLY_IF_NEEDED.search(s.text[: match.start()]):
                continue  # "if it needs pads they'll ring you": only if needed
            end = _clause_end(s.text, match.start())
            subject = ABOUT.search(s.text, match.start(), end)  # "…whether it's coming today"
            when = (
                _when(ctx, index, match.start(), subject.start() if subject else end)
                or (_when_next(ctx, index) if end == len(s.text) else "")
                or _when_before(ctx, index, match.start())
            )
            if not when and DURING_THE_CALL.search(s.text[match.start() : end]):
                continue  # "you'll get a text confirming it": sent now
            clause = s.text[match.start() : end].rstrip(" .!,")
            if TO_US.search(clause) and not TO_YOU.search(clause):
                continue  # "he'll get back to us when he's ready": no promise to the customer
            details = {"who": "agent" if who == "i" else "company", "what": clause, "when": when}
            callback = bool(CONTACT.search(clause)) and who != "you"
            quote = (
                quote_turn(
                    ctx.transcript,
                    s.turn,
                    s.char_start + match.start(),
                    s.char_start + match.start() + len(clause),
                ),
            )
            if when:
                why = f"Commitment with a time ({when})"
                findings.append(
                    self.finding(
                        ctx,
                        "commitment",
                        "positive",
                        [index],
                        why,
                        0.8,
                        details=details,
                        evidence=quote,
                    )
                )
            else:
                label, why = "commitment_without_time", "Commitment without a time"
                if callback:
                    label, why = "callback_without_time", "Callback promised without a time"
                findings.append(
                    self.finding(
                        ctx,
                        label,
                        "negative",
                        [index],
                        f"{why}: the customer cannot tell when to expect it",
                        0.6,
                        details=details,
                        evidence=quote,
                    )
                )
        return findings


TO_US = re.compile(r"\b(?:to|call|ring|contact|email) us\b", re.IGNORECASE)
TO_YOU = re.compile(r"\byou\b", re.IGNORECASE)  # "…call us back and then let you know"
ABOUT = re.compile(r"\b(?:whether|where)\b", re.IGNORECASE)  # what the promise is about


def _clause_end(text: str, start: int) -> int:
    """Where the clause that begins at ``start`` ends: the next ", and", ";", an unpunctuated
    "is there anything else…" or the end."""
    stop = re.compile(r",? and (?=(?:i|we|you)\b)|;|,\s(?=i'll|we'll|you'll)|"
                      r"\s(?=(?:is there )?anything else\b)", re.IGNORECASE)  # fmt: skip
    found = stop.search(text, start + 1)
    return found.start() if found else len(text)


def _when(ctx: AnalysisContext, index: int, start: int, end: int) -> str:
    """The first time expression between characters ``start`` and ``end`` of sentence
    ``index``: a spaCy DATE/TIME entity or a known phrase."""
    s = ctx.sentences[index]
    found = [
        (e.start_char - s.char_start, e.text)
        for e in ctx.docs[s.turn].ents
        if e.label_ in {"DATE", "TIME"}
        and s.char_start + start <= e.start_char < s.char_start + end
    ]
    found += [(m.start(), m[0]) for m in WHEN.finditer(s.text, start, end)]
    return min(found)[1] if found else ""


FILLER = re.compile(r"^\W*(?:(?:um|uh|er|erm|and|so)\W+)*", re.IGNORECASE)


def _when_next(ctx: AnalysisContext, index: int) -> str:
    """A time that opens one of the speaker's next two sentences, with nobody speaking in
    between, where speech recognition split the promise ("i will replace the card | and it's
    gonna send to your address | um in three to five business days")."""
    speaker = ctx.sentences[index].speaker
    for following in range(index + 1, min(index + 3, len(ctx.sentences))):
        if ctx.sentences[following].speaker != speaker:
            break
        text = ctx.sentences[following].text
        filler = FILLER.match(text)
        found = WHEN.match(text, filler.end() if filler else 0)
        if found:
            return found[0]
    return ""


def _when_before(ctx: AnalysisContext, index: int, start: int) -> str:
    """A time said just before the promise, in the same sentence or the speaker's sentence
    before it in the same turn ("that's booked in for tomorrow between two and four, they'll
    call the mobile ending ...")."""
    s = ctx.sentences[index]
    before = [s.text[:start]]
    if index > 0 and ctx.sentences[index - 1].turn == s.turn:
        before.insert(0, ctx.sentences[index - 1].text)
    found = [m[0] for text in before for m in WHEN.finditer(text) if not NOW.fullmatch(m[0])]
    return found[-1] if found else ""


NOW = phrases(
    "now",
    "right away",
    "straight away",
    "immediately",
    "shortly",
    "today",
    r"in a (minute|moment|second|sec)",
)  # said before a promise: when something is done


OPEN_ENDED = (
    "partly_resolved",
    "unresolved",
    "callback",
)  # a hand-over's recap is the next agent's


def _summary_due(ctx: AnalysisContext, promised: set[int]) -> bool:
    """A recap is due when the call had several requests, left something open or pending, or
    made a promise; not after a single request resolved live, nor when the line dropped or the
    customer was handed to someone else."""
    structure = ctx.structure
    if structure.outcome in ("cut_off", "transferred", "escalated"):
        return False
    return len(structure.requests) > 1 or structure.outcome in OPEN_ENDED or bool(promised)
