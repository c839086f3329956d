"""Call handling: a proper greeting, identity verification when the customer's account comes up
(the agent asking for security details, or the customer giving them), and a proper closing
(not expected when the line dropped or the customer was put through to someone else).
Timing problems (dead air, interruptions) come from the metrics."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, matching, phrases, register
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.readback import details
from callqa.qa_rules.structure.customer import ANYTHING_ELSE

GREETING = phrases(
    "thank(s| you) for (calling|contacting|choosing|holding)",
    "welcome to",
    "good (morning|afternoon|evening)",
    "(hello|hi),? (and )?(thank|welcome|you('ve| have) reached|this is|my name)",
    r"(this is|my name is|my name's|you're speaking (to|with)) ([a-z]+|\[person\])",
    "how (can|may) i (help|assist)",
    r"^\W*(hello|hi|hiya)\b",  # "Hello, FitZone Barrow Road, Sam speaking": "hello" greets
    r"^\W*(morning|afternoon|evening)\b",  # "morning kingsway motors dave speaking"
)
VERIFICATION = phrases(
    "(confirm|verify) (your|the) (full )?(identity|name|date of birth|address|security|postcode|"
    "zip)",
    "security (question|check|purposes)",
    "for (security|verification)",
    "date of birth",
    "last (four|4) digits",
    "(first|second) line of (your|the) address",
    r"(you('re| are)|that's you) (all )?(verified|through security|through)\b(?! to)",
    r"that's (all )?verified",
    "memorable (word|question|answer)",
    r"(?<!temporary )(?<!new )(?<!one-time )(pin|passcode|security (answer|word|number))\b",
    "(sur)?(name|postcode|zip) (and|on) (the|your) (account|order|policy|booking|reservation)",
    r"(that's|that|it's) (all )?match(es|ed)( up)?",
    "e-?mail (address )?(it was|you) (made|booked|registered|signed up) with",
    r"(e-?mail|address) (address )?(on|for) (the|your) (account|order|booking)",
    r"what('s| is) your (full name|(home )?address|postcode|zip)",
    "(can|could|may) i (have|get|take) (your|the) (full |home |postal )?(name|address|postcode|"
    "zip)",
    r"^(and )?(your|the) (full )?name\b",
    r"\band (your|the) (full |sur)?name\b",
)
# Looking the account up by a number the customer quotes: it finds the account, it does not
# check who is calling (annotation guidelines: an account or order number alone is no check).
IDENTIFIER_ASK = phrases(
    "(can|could|may) i (have|get|take) (your|the) (account|card|policy|member|order|phone|mobile|"
    "tracking) (number|id)",
    r"(the|your) (order|account|policy|member|card|phone|mobile|tracking) number\b.*\?",
    r"^(and )?((the|your) )?(order|account|policy|member|phone|mobile|tracking) number\W*$",
    r"what('s| is) (your|the) ((phone|mobile|telephone) number|(account|order|tracking|booking|"
    r"policy|reference) number)",
    r"(the|your) sort code\b",
    "(have you got|do you have|can you give me) (the|your) (order|account|policy|member|card|"
    "tracking|booking|reference) number",
)
# The account found from the number the customer calls from: no check either.
CALLER_ID = phrases(
    r"(number|phone|mobile) you('re| are) calling (from|on)",
    r"caller id",
)
# The caller naming themselves: with the account number, the weakest check that counts.
NAME_GIVEN = re.compile(r"\b(name is|name's|this is|it's) \[PERSON\]|^\[PERSON\]\W*$")
# Security details given by the customer, as redaction leaves them.
SECURITY_DETAILS = re.compile(
    r"\[(DATE_OF_BIRTH|DOB|POSTCODE|SECURITY_ANSWER|PIN|ACCOUNT_LAST4|CARD_LAST\d)\]"
)
ADDRESS_READ = re.compile(r"\[(ADDRESS|POSTCODE|EMAIL|CARD)\]")
# Read out with no number asked for: a card ending or an email, not an address (another shop's)
UNASKED_READ = re.compile(r"\[(EMAIL|CARD)\]")
ACCOUNT_TALK = phrases(
    "account",
    "(my|bank|debit|credit) card",  # not "I'd rather a card for her" (a gift card)
    "balance",
    "payments?",
    "bill",
    "charged?",
    "(my|the|your|our|an) order",  # not "I wanted to order a cake" (a new order)
    "password",
    "subscription",
    "statement",
)
# "Anything else?" is not a closing: a call that ends on it and "no" was not closed.
CLOSING = phrases(
    "thank(s| you) for (calling|contacting|your call|choosing)",
    "have a (great|good|nice|lovely|wonderful)",
    "take care",
    "goodbye",
    "bye",
    "enjoy (the|your) (rest|day|evening|weekend|trip|holiday|stay|flight|break|visit)",
    "(have a )?safe (trip|journey|flight|travels)",
    "you('re| are) (very |most )?welcome",  # to the customer's thanks
    "i hope (it|you|things|he|she|they|the|your)",  # a good wish: "I hope it's warm soon"
    r"^\W*cheers\b",
    r"see you (then|soon|tomorrow|later|on|next|(mon|tues|wednes|thurs|fri|satur|sun)day)",
    r"speak (to you )?soon",
)
BARE_BYE = re.compile(r"^\W*(?:(?:okay|ok|right|alright|yeah)\W+)?(?:good)?bye(?: then)?\W*$", re.I)
# The line dropped, or the agent handed the customer on: the closing was not theirs to make.
HANDED_OVER_LIVE = ("cut_off", "transferred", "escalated")


@register
class CallHandling(Detector):
    name = "call_handling"
    behaviour = "call_handling"
    labels = (
        "greeting",
        "no_greeting",
        "verification",
        "no_verification",
        "closing",
        "no_closing",
    )
    requires = ("structure",)
    tunable = {"opening_sentences": (1, 20), "closing_sentences": (1, 20)}
    opening_sentences = 3  # the greeting must come in the agent's first sentences
    closing_sentences = 4  # the closing in the agent's last ones

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        agent = ctx.by_speaker("agent")
        if not agent:
            return []
        findings = []
        opening, ending = agent[: self.opening_sentences], agent[-self.closing_sentences :]
        greeted = [i for i in opening if GREETING.search(ctx.sentences[i].text)]
        if greeted:
            findings.append(
                self.finding(ctx, "greeting", "positive", greeted[:1], "Greeted the customer")
            )
        else:
            why = "The agent's opening has no greeting, name or offer of help"
            findings.append(self.finding(ctx, "no_greeting", "negative", opening[:1], why, 0.7))
        asked_number = matching(ctx, IDENTIFIER_ASK, "agent")
        by_caller = [] if asked_number else matching(ctx, CALLER_ID, "agent")
        looked_up = asked_number or by_caller
        named = [i for i in ctx.by_speaker("customer") if NAME_GIVEN.search(ctx.sentences[i].text)]
        verified = _answered_checks(ctx, matching(ctx, VERIFICATION, "agent")) or [
            i for i in ctx.by_speaker("customer") if SECURITY_DETAILS.search(ctx.sentences[i].text)
        ]
        if looked_up:  # read out after the number was asked for, or with the caller's number
            read_out = _account_data_read_out(ctx, looked_up[0] - 1 if by_caller else looked_up[0])
        else:  # "that's the Hale booking … card ending [CARD], emails to [EMAIL]": unasked
            read_out = _account_data_read_out(ctx, -1, UNASKED_READ)
        if not verified and named and not read_out:
            verified = looked_up  # name and number: enough to send a reset link to the phone
        checked_late = bool(verified and read_out and read_out[0] < verified[0])
        if checked_late:
            verified = []
        account = looked_up or matching(ctx, ACCOUNT_TALK, "customer") or read_out
        # what the agent disclosed or changed: account data read out, else the answer or action
        # that resolved a request
        disclosed = read_out or sorted(
            r.evidence
            for r in ctx.structure.requests
            if r.outcome == "resolved" and r.evidence is not None
        )
        if verified:
            why = "Verified the customer's identity"
            findings.append(self.finding(ctx, "verification", "positive", verified[:1], why))
        elif account and disclosed:
            why = "Account data was disclosed or changed without verifying who the customer is"
            if checked_late:
                why = "Account data was read out before the security check"
            elif by_caller:
                why = "The account was found from the caller's number and read out unchecked"
            elif looked_up:
                why = "The account was looked up by its number alone, with no security check"
            evidence = sorted({account[0], disclosed[0]})
            findings.append(self.finding(ctx, "no_verification", "negative", evidence, why, 0.6))
        closed = [i for i in ending if CLOSING.search(ctx.sentences[i].text)
                  and not BARE_BYE.match(ctx.sentences[i].text)]  # fmt: skip
        if closed:
            findings.append(
                self.finding(ctx, "closing", "positive", closed[-1:], "Closed the call properly")
            )
        elif len(agent) > self.opening_sentences and ctx.structure.outcome not in HANDED_OVER_LIVE:
            why = "The agent's last words have no thanks or goodbye"
            if any(ANYTHING_ELSE.search(ctx.sentences[i].text) for i in ending[-1:]):
                why = "The call ends on the agent's 'anything else?', with no thanks or goodbye"
            elif any(BARE_BYE.match(ctx.sentences[i].text) for i in ending):
                why = "The agent ended on a bare goodbye, with no thanks"
            findings.append(self.finding(ctx, "no_closing", "negative", ending[-1:], why, 0.7))
        return findings


# The customer does not give what was asked: "could I get your home address?" - "um", "uh, no,
# sorry", "I don't have it"
REFUSAL = re.compile(
    r"^\W*(?:(?:um|uh|er|erm|oh|sorry|no|nope)\b\W*)*$"
    r"|^\W*(?:(?:um|uh|er|erm|oh|sorry|no)\b\W*)*i (?:don't|can't|haven't)\b",
    re.IGNORECASE,
)


def _answered_checks(ctx: AnalysisContext, checks: list[int]) -> list[int]:
    """The agent's checks the customer answered: not one met with "um" or "no, sorry", nor
    "that's verified" said after such a reply with nothing given since."""
    kept: list[int] = []
    refused_at: int | None = None
    for i in checks:
        if refused_at is not None and all(
            REFUSAL.search(ctx.sentences[k].text)
            for k in range(refused_at + 1, i)
            if ctx.sentences[k].speaker == "customer"
        ):
            continue
        if _refused(ctx, i):
            refused_at = i
        else:
            kept.append(i)
    return kept


def _refused(ctx: AnalysisContext, ask: int) -> bool:
    """Whether the customer answered the agent's check in sentence ``ask`` with a refusal
    ("no, sorry", "I don't have it") or a filler alone."""
    reply: list[str] = []
    for sentence in ctx.sentences[ask + 1 :]:
        if sentence.speaker == "agent" and reply:
            break
        if sentence.speaker == "customer":
            reply.append(sentence.text)
    return bool(reply) and all(REFUSAL.search(text) for text in reply)


def _account_data_read_out(
    ctx: AnalysisContext, after: int, only: re.Pattern[str] | None = None
) -> list[int]:
    """Agent sentences after ``after`` that read out an amount, a date, an address, an email or
    a card ending from the account ("your balance is forty one pounds fifty", "it's going to
    [ADDRESS]"), or only the placeholders ``only`` matches: a name and a number do not cover
    that."""
    given: set[str] = set()  # placeholders the customer said: read back, not read out
    found = []
    for i, sentence in enumerate(ctx.sentences):
        if sentence.speaker == "customer":
            given.update(ADDRESS_READ.findall(sentence.text))
        elif i > after and (
            set((only or ADDRESS_READ).findall(sentence.text)) - given
            or (only is None and any(kind in ("amount", "day") for kind, _, _ in
                                     details(sentence.text)))
        ):  # fmt: skip
            found.append(i)
    return found
