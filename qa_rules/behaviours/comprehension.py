"""Comprehension gaps: the customer repeating or correcting, requests to clarify, questions left
unanswered, slow time-to-understanding, and stretches where the audio itself was unclear."""

from __future__ import annotations

import bisect
import re
from collections import Counter, deque
from functools import lru_cache

from callqa.models.transcript import Speaker
from callqa.qa_rules.behaviours.base import Detector, is_question, matching, phrases, register
from callqa.qa_rules.behaviours.follow_up import WHEN
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding, Polarity
from callqa.qa_rules.readback import (
    Detail,
    bare_times,
    details,
    digits_for_words,
    misheard,
    mismatches,
    number_of,
    numbers_in,
    with_bare_amounts,
)
from callqa.qa_rules.structure import CALLBACK_PROMISE, action_reported, has_act, sentence_span
from callqa.qa_rules.structure.words import ASKS_WHEN

CORRECTION = phrases(
    "no,? (no,? )?i said",
    "that('s| is) not what i (said|asked|meant|want)",
    "i didn't (say|ask|mean)",
    "you('re| are) not (listening|understanding)",
    "i (already|just) (told|said|explained)",
    "as i (said|mentioned|explained)",
    "like i said",
    "let me (say|explain) (it|this|that) again",
    "i('m| am) not asking (about|for)",
    "no,? that('s| is) (wrong|not right|incorrect)",
    "you misunderstood",
    "i('ve| have) (already )?(said|told you) (this|that|twice)",
    "i gave (it|that|this|them) to you",
    "i('ve| have)? already (gave|given|told)",
    "i told (you|the other agent|someone|your colleague)",
)
CLARIFICATION = phrases(
    r"sorry\s*\?",
    "pardon",
    r"(could|can|would) you (please )?(repeat|say (that|it) again)",
    "say (that|it) again",
    "what do you mean",
    "i don't (understand|follow|get (it|that))",
    "i('m| am) (confused|lost|not sure what you mean)",
    "come again",
    r"what was that\s*\?",
    "didn't (catch|hear) (that|it|you)",
    "you lost me",
    "not following",
)
# Words before the "so" of a read-back: "yeah no problem at all so that's the eight kilo"
LEAD_IN = (r"okay|ok|right|alright|yeah|and|then|lovely|great|perfect|sure|of course|brilliant|"
           r"no (?:problem|worries)(?: at all)?")  # fmt: skip
READ_BACK = phrases(
    # "so" opening the sentence, not "…and I'll pop a note on so it's there"
    rf"^\W*(({LEAD_IN}),? )*so,? "
    "(that's|that is|it's|it is|you want|you'd like|we're|we are)",
    "(just )?to (confirm|check)",
    # unpunctuated speech: "…on the small truck then so that's three bulk bags", "they've got
    # two pairs in so that's the black cloudrun in a nine"
    r"(then,? so,? (that's|that is))|"
    r"so (that's|that is) (the|your|a|an)\b(?! (reason|why|thing|problem|issue|way|point)\b)",
    "let me (read|repeat) (that|it|this) back",
    r"(is that|that's|that is) (right|correct|okay|ok|alright)\s*\??$",
    r"correct\s*\?$",
    "i have (that|it) (down )?as",
    # "I'll put ninety down for the evening", not "I'll put a note down"
    r"i('ll| will|'ve| have) (just )?put (?!(a|an|the|that|it|you|him|her|them|this|some|your) )"
    r"[^.?!]{1,25}? down\b",
)
# "okay so cancelled on the fourth of march", "so quarter past six saturday", "right, the
# sixteenth then": an agent summing up what the customer said
SUMS_UP = re.compile(
    rf"^\W*(?:(?:{LEAD_IN}),?\s+)+so\b|"
    r"^\W*so,?\s+(?!(?:what|how|why|where|when|who|which|is|are|was|were|do|does|did|can|could|"
    r"would|will|should|if|i|we|you|he|she|they|it|there|this|basically|yeah|um|uh)\b)|"
    r"^\W*(?:right|okay|ok|lovely|great|perfect),?\s+(?:the\s+)?[\w' -]{1,30}?\bthen\b",
    re.I,
)
# "How about the 8th at 6 pm?": the agent proposes a value, it does not read one back
PROPOSES = re.compile(r"\b(?:how about|what about|would you like (?:me )?to|"
                      r"(?:i|we) can (?:do|offer|have|get|book|send|arrange|put|fit)|"
                      r"i(?:'d| would) (?:suggest|recommend|come|go|aim|pop|try)|if i were you|"
                      r"there(?:'s| is) (?:a|an)\b[^.?!]{0,60}\b(?:available|free|slot|opening))",
                      re.I)  # fmt: skip
MOVING = re.compile(
    r"\b(?:need|want|have|like|wanted|needed) to (?:move|change|cancel|rebook|reschedule|swap)\b|"
    r"\bcan't make (?:it|that)\b|\bcan't do (?:\w+ ){0,3}?any ?more\b",
    re.I,
)
CHANGED_TO = re.compile(r"\s+(?:(?:it|that|this|them|(?:my|the|our) \w+)\s+)?(?:over\s+)?to\b",
                        re.I)  # fmt: skip
CLAUSES = re.compile(r"[,.;!?]|\b(?:and|but)\b", re.I)
CANCELLED = re.compile(  # not "so cancelled on the fourth of March": when, not what
    r"\b(?:cancell?ed|cancelling|removed|taken off|deleted)\b(?! (?:on|from|at|as of)\b)", re.I
)
BOOKED = re.compile(r"\b(?:booked|booking|appointment|reservation|class|lesson)\b", re.I)
# When the customer cannot do or is out, not what they want: "he can't do Saturdays any more",
# "I'm out from two till four"
NOT_FOR_THEM = re.compile(
    r"\bcan't (?:do|make) (?:\w+ ){0,3}?any ?more\b|"
    r"\b(?:i'm|i am|we're|we are|he's|she's) (?:out|away|busy|at work|working) "
    r"(?:from|between|until|till|on|at|all)\b(?:(?! (?:so|but|could|can|would)\b)[^,.;]){0,30}",
    re.I,
)
ON_RECORD = re.compile(
    r"\b(?:booking(?:'s| is) (?:in the name of|for)|i can see|at the moment (?:i've got|you've got|"
    r"you have|it's|it is)|(?:is|are|it's) currently|"
    # what the system shows happened: "it's showing as dispatched on the third", "it went out
    # tuesday with royal mail"
    r"(?:showing|shows|showed) as|(?:it|they) went out|"
    r"(?:was|were) (?:dispatched|posted|sent out|delivered))\b",
    re.I,
)
SUITS = re.compile(
    r"\b(?:would|will|does|do) (?:that|this|it) (?:work|suit|be (?:ok|okay|alright|"
    r"all right|any good))\b|\bhow does (?:that|this) sound\b",
    re.I,
)
OFFERS = re.compile(
    r"\b(?:there(?:'s| is| are)|i(?:'ve| have) got|available|free|slots?|"
    r"openings?|earliest|(?:i|we) can (?:do|offer|book|send|arrange|put|fit)|how about|"
    r"what about|would|or)\b",
    re.I,
)
GOES_ON = re.compile(r"^\W*(?:and|plus|then)\b", re.I)  # a sentence that carries on the last
# "I'm putting that in now: …", "your direct debit will go out on the fifth": what was done
# "I'll change that to quarter past two now": the change about to be made
ACTED = re.compile(r"\b(?:i'm|i am) (?:just )?(?:putting|booking|changing|moving|logging|"
                   r"setting|adding|entering)\b|\bwill (?:now )?(?:go out|come out|be taken)\b|"
                   r"\bi(?:'ll| will) (?:just |now )?(?:change|move|switch|set|update|amend) "
                   r"(?:that|it|this|them|the \w+|your \w+)(?: over)? to\b",
                   re.I)  # fmt: skip
DENIES = re.compile(r"^\W*(?:(?:um|uh|er|oh|sorry),?\s+)*(?:no|nope|nah|not|actually|wait)\b", re.I)
NO_THEN_VALUE = re.compile(
    r"^\W*(?:no|nope),?\s+(?:\[[A-Z_]+\]|\d|the \d|it's\b|it was\b|make it\b)", re.I
)
WHEN_KINDS = ("day", "weekday", "time", "hours")
COUNTED_KINDS = ("amount", "count", "size", "measure")
MAX_READ_BACK_FINDINGS = 20  # per call: the first ones say what a reviewer needs
CHOOSES = re.compile(
    r"\bplease\b|\bi'd (?:like|prefer)\b|\b(?:can|could) (?:you|we|i)\b|"
    r"\bmake it\b|\b(?:is|'s) (?:fine|good|perfect|great|best|better)\b",
    re.I,
)
# An option named to turn it down: "the twentieth is a bit late", "Monday doesn't suit me"
TURNS_DOWN = phrases(r"(a bit |too |rather |quite )(late|early|soon|far)",
                     r"(doesn't|does not|won't|will not|wouldn't|would not|can't|cannot) "
                     r"(work|suit|do)", "no good")  # fmt: skip
# A day or time asked for or chosen ("could it come out on the fifteenth", "Friday's fine"), not
# told ("it was delivered on Monday")
WANTED = re.compile(
    r"\b(?:can|could|would|will) (?:you|it|we|i|they)\b|\bi'd (?:like|prefer)|"
    r"\b(?:i|we)(?:'d| would)? (?:want|need)\b|\bplease\b|\bmake it\b|\bprefer\b|\bsuits?\b|"
    r"\b(?:is|'s) (?:fine|good|perfect|great|best|better)\b|\bthen\b|"
    r"\b(?:moved|changed|switched|brought forward|put back) to\b",  # "the ceremony's moved to one"
    re.I,
)
# Words that name a day or a time, so a later mention replaces an earlier value
NAMES_WHEN = {
    "weekday": re.compile(r"\b(?:today|tomorrow|tonight|yesterday|(?:mon|tues|wednes|thurs|fri|"
                          r"satur|sun)day|weekend|next week|this week)\b", re.I),
    "day": re.compile(r"\b(?:today|tomorrow|tonight|yesterday|(?:mon|tues|wednes|thurs|fri|satur|"
                      r"sun)day|weekend|next week|this week|\d{1,2}(?:st|nd|rd|th))\b", re.I),
    "time": re.compile(r"\b(?:morning|afternoon|evening|tonight|noon|midday|lunchtime|o'clock|"
                       r"half|quarter|\d{1,2}:\d\d|[ap]\.?m\b)", re.I),
}  # fmt: skip
# An age, not a count asked for: "he's twelve weeks", "she's nine months old"
AGE = re.compile(
    r"\b(?:(?:he|she|it|they)(?:'s| is|'re| are)|aged) (?:only |just |nearly |about )?"
    r"[\w-]+ (?:weeks?|months?|years?)(?: old)?\b|\b[\w-]+ (?:weeks?|months?|years?) old\b",
    re.I,
)
# What a record says, where the customer says it is wrong: "the email says the twentieth and it
# should be the twenty-seventh"
DISPUTED = re.compile(r"\b(?:should(?: have)? be(?:en)?|meant to be|supposed to be|wrong|"
                      r"instead|not right|mistake)\b", re.IGNORECASE)  # fmt: skip
RECORDED = re.compile(
    r"\b(?:it|that|this|the \w+)(?: still)? (?:says|said|shows|showed|is showing|was showing)\b"
    r"[^,.;?]*?(?=\s+(?:and|but|so|when|which)\b|[,.;?]|$)",
    re.IGNORECASE,
)
SLOW_TURNS, SLOW_SECONDS = 3, 90.0

# "… is it twenty three kilos or twenty …": a value asked about, not given
ASKED_ABOUT = re.compile(
    r"\b(?:is|was|will|would|does|did) (?:it|that|there)\b.*|\bhow (?:much|many|long)\b.*",
    re.IGNORECASE,
)
APPROXIMATE = re.compile(
    r"\b(?:about|around|roughly|nearly|almost|approximately|over|under|(?<!'d )(?<!would )like)\s+"
    r"(?:(?:half|quarter)(?: past| to)? )?[$£€]?\d[\d,.:]*"
    r"(?:\s?(?:pounds?|dollars?|quid|euros?|p\b))?",
    re.IGNORECASE,
)
DEADLINE = re.compile(r"\bbefore\s+(?:the\s+)?\w+(?:\s+of\s+\w+)?", re.IGNORECASE)
# When something should arrive or comes next: the agent's estimate ("they'll be with you by
# Wednesday", "in plenty of time for the twelfth"), not a detail the customer gave
ARRIVAL = re.compile(
    r"\b(?:should|will|'ll|would)\s+(?:be with you|arrive|reach you|get to you|turn up)"
    r"(?:\s+(?:on|by|for|before|in))?(?:\s+the)?\s+\w+(?:\s+the\s+\w+)?|"
    r"\bin (?:plenty of |good )?time for (?:the\s+)?\w+(?:\s+of\s+\w+)?|"
    # "the next one you'd get is Thursday the twenty-eighth": worked out, not given
    r"\bnext (?:one|1|delivery|box|order|payment|collection)\b[^,.;?]{0,30}?"
    r"\b(?:is|will be|'ll be|would be)\s+(?:on\s+)?(?:the\s+)?\w+(?:\s+the\s+\w+)?",
    re.IGNORECASE,
)
BOUND = re.compile(r"\b(?:after|before|finish|until|till|from|by|not)\b", re.IGNORECASE)
WINDOW = re.compile(r"\bbetween\b[^.?!]{0,40}\band\b|\b(?:till|until)\b", re.IGNORECASE)
# A request put as a question gives its details: "can you move it to the twenty eighth".
ASKS_FOR = re.compile(
    r"\b(?:can|could|would) (?:you|we|i|it|the \w+)\b|\bany chance\b|\bis it possible\b|"
    r"\bplease\b|\bis that (?:enough|ok|okay|alright|all right|fine|too \w+)\b",
    re.IGNORECASE,
)
# Asking again for a rough time
ROUGHLY = re.compile(r"\b(?:roughly|ballpark|rough idea|any idea|today or tomorrow|"
                     r"is it (?:today|tomorrow|this week))\b", re.IGNORECASE)  # fmt: skip
# Coming back to an earlier question without asking it in full ("and the tracking?")
BACK_TO = re.compile(
    r"^\W*(?:(?:and|but|okay|ok|so|sorry),? )*(?:what about|how about|and the|is that a no|"
    r"did you (?:catch|get|see|hear))\b",
    re.IGNORECASE,
)
# Asked again in speech with no question mark: "right but is there any kind of bursary though"
ASKS_AGAIN = re.compile(
    r"^\W*(?:(?:right|okay|ok|so|but|and|well|um|uh|sorry),?\s+)+(?:is|are|do|does|can|could|"
    r"will|would) (?:there|it|they|you|i|we|that)\b",
    re.IGNORECASE,
)
# A question put to someone, not an outburst ("Leave my house open to the rain?")
ADDRESSED = re.compile(r"\b(?:you|i|we|it|they|there|that|this|he|she)\b", re.IGNORECASE)
# Lemmas too general to be a question's topic
NOT_TOPICS = frozenset(
    """be do have get know want need can go make say ask thing call ring think mean look like
    sure way bit lot time today problem question help one okay thank right let tell see come
    put take sort check other would could will""".split()
)
DIRECT_REPLY = re.compile(
    r"^\W*(?:yes|yeah|yep|no|nope|not|sadly|unfortunately|i'm afraid|afraid not|of course|"
    r"sure|certainly|absolutely|(?:i|we) (?:can|do|will)(?: yeah)?\W*$)\b|"
    r"\b(?:i|we)(?:'m| am|'re| are)? (?:not able|unable|can't|cannot|won't)\b|"
    r"\b(?:i|we) (?:haven't|have not|don't have|do not have)\b",  # "we haven't got one spare"
    re.IGNORECASE,
)


@register
class Comprehension(Detector):
    name = "comprehension"
    behaviour = "comprehension"
    labels = (
        "customer_repeats",
        "customer_correction",
        "customer_confused",
        "agent_asks_to_clarify",
        "unclear_audio_clarification",
        "question_not_addressed",
        "understood",
        "slow_understanding",
        "low_asr_confidence",
        "readback_mismatch",
        "readback_corrected",
    )
    requires = ("acts", "docs", "embeddings", "structure", "transcript")
    tunable = {"read_back_window": (1, 200), "repeat_similarity": (0.5, 1.0),
               "asked_again_similarity": (0.0, 1.0),
               "low_confidence": (0.0, 1.0)}  # fmt: skip
    read_back_window = 16  # sentences before a read-back in which the customer gave the details
    repeat_similarity = 0.8  # a customer sentence this close to an earlier one repeats it
    asked_again_similarity = 0.35  # a customer question this close to an earlier one asks again
    low_confidence = 0.6  # ASR confidence under which a turn's words are unreliable

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        unclear = {
            i for i, t in enumerate(ctx.transcript.turns) if _confidence(t) < self.low_confidence
        }
        findings = self._repeats(ctx)
        findings += self.recurring(
            ctx,
            "customer_correction",
            "negative",
            matching(ctx, CORRECTION, "customer"),
            "The customer corrected the agent or said they were not understood",
        )
        clarifying: tuple[tuple[Speaker, str, Polarity, str], ...] = (
            ("customer", "customer_confused", "negative", "The customer did not follow the agent"),
            (
                "agent",
                "agent_asks_to_clarify",
                "neutral",
                "The agent asked the customer to clarify",
            ),
        )
        for speaker, label, polarity, what in clarifying:
            hits = matching(ctx, CLARIFICATION, speaker)
            clear = [i for i in hits if ctx.sentences[i].turn - 1 not in unclear]
            findings += self.recurring(ctx, label, polarity, clear, what)
            if len(clear) < len(hits):
                findings += self.recurring(
                    ctx,
                    "unclear_audio_clarification",
                    "neutral",
                    [i for i in hits if i not in clear],
                    "Asked to repeat after low-confidence audio",
                )
        findings += self._unanswered(ctx)
        findings += self._time_to_understanding(ctx)
        findings += self._read_backs(ctx)
        low = [i for i, s in enumerate(ctx.sentences) if s.turn in unclear]
        findings += self.recurring(
            ctx,
            "low_asr_confidence",
            "neutral",
            low,
            f"Transcribed with confidence under {self.low_confidence}: "
            "gaps here may be the audio's",
        )
        return findings

    def _repeats(self, ctx: AnalysisContext) -> list[Finding]:
        customer = [
            i for i in ctx.by_speaker("customer") if len(ctx.sentences[i].text.split()) >= 5
        ]
        findings, repeated = [], set()
        for a, i in enumerate(customer):
            for j in customer[a + 1 :]:
                far = ctx.sentences[j].turn - ctx.sentences[i].turn >= 2
                similarity = float(ctx.embeddings[i] @ ctx.embeddings[j])
                if far and similarity >= self.repeat_similarity and i not in repeated:
                    repeated |= {i, j}
                    why = f"The customer said the same thing again (similarity {similarity:.2f})"
                    findings.append(
                        self.finding(ctx, "customer_repeats", "negative", [i, j], why, similarity)
                    )
        return findings[:3]

    def _unanswered(self, ctx: AnalysisContext) -> list[Finding]:
        """A question the customer had to ask again ("sorry, did you catch the bit about home
        visits?", "okay but what about the chicken") and whose second asking the agent's reply
        still skips."""
        findings: list[Finding] = []
        asked: dict[str, int] = {}  # topic word -> the customer sentence that first asked
        questions = {s.turn for s in ctx.sentences if s.speaker == "customer" and _asks(s.text)}
        replies = _next_agent_turns(ctx)
        for i in ctx.by_speaker("customer"):
            s = ctx.sentences[i]
            topic = _topic(ctx, i)
            again = [asked[w] for w in sorted(topic) if w in asked
                     and s.turn - ctx.sentences[asked[w]].turn >= 2]  # fmt: skip
            first = next((j for j in again if float(ctx.embeddings[i] @ ctx.embeddings[j])
                          >= self.asked_again_similarity), None)  # fmt: skip
            asks_again = (BACK_TO.search(s.text) or TAG_QUESTION.search(s.text)
                          or ((is_question(s.text) or ASKS_AGAIN.match(s.text))
                              and ADDRESSED.search(s.text)))  # fmt: skip
            if first is not None and asks_again:
                reply = replies.get(s.turn, [])
                shared = topic & _topic(ctx, first)
                if reply and not _answers(ctx, reply, topic):
                    why = (f"The customer asked again about {', '.join(sorted(shared))} and the "
                           "reply still does not answer it")  # fmt: skip
                    findings.append(self.finding(ctx, "question_not_addressed", "negative",
                                                 [i, reply[0], first], why, 0.8))  # fmt: skip
            if s.turn in questions and len(s.text.split()) >= 4:
                asked |= {w: i for w in topic if w not in asked}
        return (findings + self._when_unanswered(ctx, replies))[:2]

    def _when_unanswered(
        self, ctx: AnalysisContext, replies: dict[int, list[int]]
    ) -> list[Finding]:
        """A customer who asks when ("so when am I going to get it?") and, given no time,
        asks again in their next turn ("yeah but when roughly, is it today, tomorrow?"), and
        whose second reply still gives none ("as soon as he can really")."""
        unanswered: int | None = None  # the customer's "when" the agent's reply gave no time
        for i in ctx.by_speaker("customer"):
            s = ctx.sentences[i]
            reply = replies.get(s.turn, [])
            asks = ASKS_WHEN.search(s.text) or (unanswered is not None and ROUGHLY.search(s.text))
            if not asks or not reply:
                continue
            if any(WHEN.search(ctx.sentences[j].text) for j in reply):
                unanswered = None
            elif unanswered is not None and s.turn - ctx.sentences[unanswered].turn == 2:
                why = "The customer asked when twice and neither reply gave a time"
                return [self.finding(ctx, "question_not_addressed", "negative",
                                     [i, reply[0], unanswered], why, 0.8)]  # fmt: skip
            else:
                unanswered = i
        return []

    def _read_backs(self, ctx: AnalysisContext) -> list[Finding]:
        """A detail the agent reads back (an amount, a time, a day, a weekday, a count, a long
        figure) in a sentence that checks it, sums up or reports what was done, that differs
        from what the customer said: corrected by the customer in the next turn, or left
        wrong."""
        findings: list[Finding] = []
        offers = self._offered(ctx)
        offered = deque((turn, took) for turn, took, _ in offers)
        chosen = {j for _, _, named in offers for j in named}  # the options customers named
        taken: set[Detail] = set()  # what the agent offered in the turns gone by
        settled: set[Detail] = set()  # what the agent read back right in a check
        summing: int | None = None  # the turn of the last sentence that summed up
        for i in ctx.by_speaker("agent"):
            text = ctx.sentences[i].text
            checked = [j for j in (i, i + 1) if j < len(ctx.sentences)
                       and ctx.sentences[j].turn == ctx.sentences[i].turn]  # fmt: skip
            marked = any(READ_BACK.search(ctx.sentences[j].text) for j in checked)
            checks = marked or any(has_act(ctx, j, "confirm_details") for j in checked)
            sums_up = bool(SUMS_UP.search(text)) or (  # "…from the twelfth | and they'll
                summing == ctx.sentences[i].turn and bool(GOES_ON.search(text))  # start on…"
            )
            summing = ctx.sentences[i].turn if sums_up else None
            reports = (  # not a promise: "I'll call you by five on Friday"
                not checks
                and not sums_up
                and bool(ACTED.search(text) or action_reported(ctx, i))
                and not CALLBACK_PROMISE.search(text)
            )
            if not (checks or sums_up or reports):
                continue  # it neither checks, sums up nor reports what was done
            if ON_RECORD.search(text):
                continue  # "so the booking's in the name of …, Friday the eighth": the record
            turn = ctx.transcript.turns[ctx.sentences[i].turn].text
            read = details(_kept(text))  # not "…and your Thursday appointment's cancelled"
            if _proposes(text, read) or SUITS.search(turn):
                continue  # "…on Thursday. Would that work?": a proposal, not a read-back
            while offered and offered[0][0] < ctx.sentences[i].turn:
                taken |= offered.popleft()[1]
            read -= taken
            if WINDOW.search(text):  # "Saturday between 8 am and 1 pm": the slot, not a time
                read = {d for d in read if d[0] != "time"}
            said = self._said_before(ctx, i, chosen)
            counted = {d for d in read if d[0] in COUNTED_KINDS}
            heard_wrong = {d for d in said if any(misheard(r, d) for r in counted)}
            if not checks:  # "I've rebooked that for Tuesday": when, and long figures only, and
                # what sounds like the customer's misheard ("valued at £1,050" after "£1,500")
                near = {r for r in counted if any(misheard(r, d) for d in heard_wrong)}
                read = {d for d in read if d[0] in WHEN_KINDS or d[0] == "figure"} | near
            if reports:  # what was done is set against what the customer asked for or chose
                said = {d: j for d, j in said.items() if d[0] == "figure" or d in heard_wrong
                        or WANTED.search(ctx.sentences[j].text)}  # fmt: skip
            if checks:  # "so that's Tuesday at 5.30, is that right?": checked, offered or not
                settled |= details(text) & set(said)
            if not marked:  # checked right already: said again it is no news, and "right so
                read -= settled  # … due friday" later is of another thing
                said = {d: j for d, j in said.items() if d not in settled}
            if not any(d[0] == "time" for d in read) and any(
                d[0] == "time" and not BOUND.search(ctx.sentences[j].text) for d, j in said.items()
            ):  # "quarter to eleven, please" - "right, eleven fifteen", not "I finish at two"
                read |= bare_times(_kept(text))
            if any(d[0] == "time" for d in read):  # "eight thirty, please": said bare, read right
                read -= {d for j in self._sources(ctx, i, chosen)
                         for d in bare_times(ctx.sentences[j].text)}  # fmt: skip
            sources = [ctx.sentences[j].text for j in self._sources(ctx, i, chosen)]
            was = {d for d, j in said.items() if self._changed_later(ctx, j)}
            for (kind, what, value), theirs in mismatches(read, set(said), details(turn)):
                if theirs <= was:
                    continue  # "I get it every two weeks. I'd like to change it to once a month"
                if kind in COUNTED_KINDS and _said_bare(sources, (kind, what, value)):
                    continue  # "four of us" … "make it five": said bare, read back right
                if len(findings) >= MAX_READ_BACK_FINDINGS:
                    return findings  # a call is not reviewed for its hundredth read-back
                source = max(said[d] for d in theirs)
                values = sorted(_short(d[2]) for d in theirs)
                shown = ", ".join(values[:3]) + (", …" if len(values) > 3 else "")
                value = _short(value)
                thing = f"{kind} ({what})" if what else kind
                answer = self._next_customer(ctx, i)
                if answer is not None and self._corrects(ctx, answer, theirs):
                    why = (f"Read back the {thing} as {value} where the customer said {shown}; "
                           "the customer corrected it")  # fmt: skip
                    findings.append(self.finding(ctx, "readback_corrected", "neutral",
                                                 [source, i, answer], why, 0.8))  # fmt: skip
                else:
                    why = (f"Read back the {thing} as {value} where the customer said {shown}, "
                           "and it was not corrected")  # fmt: skip
                    findings.append(self.finding(ctx, "readback_mismatch", "negative",
                                                 [source, i], why, 0.8))  # fmt: skip
            if checks and self._agreed(ctx, i):  # "…the next one's the 28th, is that right?" -
                settled |= details(text)  # "yeah that's it": the 28th is agreed from then on
        return findings

    def _agreed(self, ctx: AnalysisContext, i: int) -> bool:
        """Whether the customer's next turn after the agent's check at ``i`` says yes to it."""
        answer = self._next_customer(ctx, i)
        return (
            answer is not None
            and has_act(ctx, answer, "affirm")
            and not self._corrects(ctx, answer, details(ctx.sentences[i].text))
        )

    def _sources(self, ctx: AnalysisContext, i: int, chosen: set[int]) -> list[int]:
        """The customer's sentences that may give what the agent reads back at ``i``: those
        in the window before it, the statement of the request it belongs to, and those that
        chose among options offered (``chosen``: "the 08:15, please")."""
        request = max((r.statement for r in ctx.structure.requests if r.statement < i),
                      default=None)  # fmt: skip
        asked = {j for j in ctx.by_speaker("customer") if request is not None
                 and ctx.sentences[j].turn == ctx.sentences[request].turn}  # fmt: skip
        window = set(range(max(0, i - self.read_back_window), i)) | asked
        window |= {j for j in chosen if j < i}
        return [j for j in sorted(window)
                if ctx.sentences[j].speaker == "customer"
                and (not is_question(ctx.sentences[j].text)
                     or ASKS_FOR.search(ctx.sentences[j].text))]  # fmt: skip

    def _said_before(self, ctx: AnalysisContext, i: int, chosen: set[int]) -> dict[Detail, int]:
        """The details the customer gave before ``i``, each with its sentence. Days and times
        stand only as the customer's latest turn that names one gives them: after "the ticket
        says ready Friday … I'd need it Thursday" only Thursday does, and after "the 13th at 11
        am … no, make it later today" neither the 13th nor 11 am does."""
        said: dict[Detail, int] = {}
        for j in self._sources(ctx, i, chosen):
            echoed = set() if j in chosen else self._agent_said_before(ctx, j)
            said_in_turn = ctx.transcript.turns[ctx.sentences[j].turn].text
            then = (
                ctx.sentences[j + 1].text
                if j + 1 < len(ctx.sentences) and ctx.sentences[j + 1].turn == ctx.sentences[j].turn
                else ""
            )
            given = _given(ctx.sentences[j].text, _disputes(said_in_turn), then)
            said |= {d: j for d in given if d not in echoed}
        spoken = range(max(0, i - self.read_back_window), i)
        for kind, names in NAMES_WHEN.items():
            latest = max((j for j in spoken if ctx.sentences[j].speaker == "customer"
                          and (names.search(ctx.sentences[j].text)
                               or any(d[0] == kind and k == j for d, k in said.items()))),
                         default=None)  # fmt: skip
            if latest is None:
                continue
            turn = ctx.sentences[latest].turn  # what it gives replaces what came before
            said = {d: j for d, j in said.items() if d[0] != kind or ctx.sentences[j].turn == turn}
        return said

    @staticmethod
    def _changed_later(ctx: AnalysisContext, j: int) -> bool:
        """Whether a later sentence of the customer's turn holding ``j`` asks to change what
        ``j`` describes ("…every two weeks. I'd like to change it to once a month")."""
        turn = ctx.sentences[j].turn
        for s in ctx.sentences[j + 1 :]:
            if s.turn != turn:
                return False
            moving = MOVING.search(s.text)
            if moving and CHANGED_TO.match(s.text, moving.end()):
                return True
        return False

    @staticmethod
    def _offered(ctx: AnalysisContext) -> list[tuple[int, set[Detail], list[int]]]:
        """What the agent offered and the customer took, by turn, with the customer's
        sentences that named an option. Read back in a later turn, what was taken is no
        misreading ("there's 2 pm on the 1st", "shall I put it up to 2,500?"); of a choice,
        only the option the customer named is taken ("the 08:15 or the 14:45" - "the 08:15,
        please": read back as 14:45, it is a misreading)."""
        by_turn: dict[int, list[int]] = {}
        for j in ctx.by_speaker("customer"):
            by_turn.setdefault(ctx.sentences[j].turn, []).append(j)
        found = []
        for s in (ctx.sentences[j] for j in ctx.by_speaker("agent")):
            if not OFFERS.search(s.text):
                continue
            offer = details(s.text)
            naming = {
                j: details(ctx.sentences[j].text) & offer
                for j in by_turn.get(s.turn + 1, [])
                if not _turns_down(ctx.sentences[j].text)
            }
            named = set().union(*naming.values())
            kinds = {d[0] for d in named}
            took = {d for d in offer if d[0] not in kinds or d in named}
            found.append((s.turn, took, [j for j, ds in naming.items() if ds]))
        return found

    @staticmethod
    def _agent_said_before(ctx: AnalysisContext, j: int) -> set[Detail]:
        """The details of the agent's turn before the customer's sentence ``j``: said back
        ("the twentieth is a bit late"), they are the agent's, not the customer's."""
        before = ctx.in_turn(ctx.sentences[j].turn - 1)
        return {d for k in before if ctx.sentences[k].speaker == "agent"
                for d in details(ctx.sentences[k].text)}  # fmt: skip

    @staticmethod
    def _next_customer(ctx: AnalysisContext, i: int) -> int | None:
        turn = ctx.sentences[i].turn
        return next((j for j in ctx.by_speaker("customer") if ctx.sentences[j].turn > turn), None)

    @staticmethod
    def _corrects(ctx: AnalysisContext, answer: int, theirs: set) -> bool:
        text = ctx.sentences[answer].text
        numbers = numbers_in(text)  # "no, thirty"
        restated = bool(details(text) & theirs) or any(
            number_of(d) in numbers for d in theirs if d[0] in COUNTED_KINDS
        )
        denied = DENIES.match(text) and (  # not "okay brilliant"
            has_act(ctx, answer, "negate") or NO_THEN_VALUE.match(digits_for_words(text))
        )  # "no, [PHONE]": a "no" and the right value, the value redacted
        return restated or bool(denied) or bool(CORRECTION.search(text))

    def _time_to_understanding(self, ctx: AnalysisContext) -> list[Finding]:
        """From the first request to the agent's first relevant response (an answer, an
        action, or a question for a detail needed to act): slow past SLOW_SECONDS or after
        SLOW_TURNS agent turns that respond to nothing."""
        if not ctx.structure.requests:
            return []
        request = ctx.structure.requests[0]
        problem, reply = request.statement, request.first_response
        if reply is None:
            return []
        start, end = ctx.sentences[problem], ctx.sentences[reply]
        agent_turns = len({s.turn for s in ctx.sentences
                           if s.speaker == "agent" and start.turn < s.turn < end.turn})  # fmt: skip
        seconds = request.first_response_s
        slow = agent_turns >= SLOW_TURNS or (seconds is not None and seconds > SLOW_SECONDS)
        took = f"{agent_turns} agent turn(s)" + (
            f", {seconds:.0f} s" if seconds is not None else ""
        )
        label = "slow_understanding" if slow else "understood"
        polarity: Polarity = "negative" if slow else "positive"
        why = f"From the request to the agent's first response to it: {took}"
        value = round(seconds, 1) if seconds is not None else float(agent_turns)
        return [self.finding(ctx, label, polarity, [problem, reply], why, 0.7, value=value)]


def _confidence(turn) -> float:
    if turn.confidence is not None:
        return turn.confidence
    scored = [w.confidence for w in turn.words if w.confidence is not None]
    return sum(scored) / len(scored) if scored else 1.0


def _proposes(text: str, said: set[Detail]) -> bool:
    """The agent proposes rather than reads back (``said``: the sentence's details): "How about
    the 8th?", or a choice of two ("Tuesday at half four, or Wednesday at eight forty")."""
    kinds = Counter(kind for kind, _, _ in said)
    return bool(PROPOSES.search(text)) or (
        bool(re.search(r"\bor\b", text, re.I)) and any(n > 1 for n in kinds.values())
    )


def _turns_down(text: str) -> bool:
    """An option named only to turn it down ("the twentieth is a bit late"), not one turned
    down on the way to another ("I can't do nine, so quarter to eleven please")."""
    return bool(TURNS_DOWN.search(text)) and not CHOOSES.search(text)


def _kept(text: str) -> str:
    """``text`` without its clauses about what was cancelled ("that's booked and your
    Thursday appointment's cancelled": the old value) and its deadlines ("as long as it's
    checked before the twelfth") and when things should arrive: none is a read-back."""
    text = ARRIVAL.sub(" ", DEADLINE.sub(" ", digits_for_words(text)))  # "the 21st", whole
    if not CANCELLED.search(text):
        return text
    return " ".join(c for c in CLAUSES.split(text) if not CANCELLED.search(c))


def _short(value: str) -> str:
    """A value as a finding quotes it: a reference of thousands of digits cut short."""
    return value if len(value) <= 24 else f"{value[:20]}…"


def _said_bare(texts: list[str], detail: Detail) -> bool:
    """Whether one of the customer's ``texts`` says the detail's number bare, with no detail
    of its kind ("four of us … actually, make it five")."""
    return any(
        number_of(detail) in numbers_in(text)
        and not any(d[:2] == detail[:2] for d in details(text))
        for text in texts
    )


@lru_cache(maxsize=256)
def _disputes(turn: str) -> bool:
    """Whether a customer's turn disputes what a record says ("it says the twentieth")."""
    return DISPUTED.search(turn) is not None


@lru_cache(maxsize=4096)  # each read-back looks at the same customer sentences again
def _given(text: str, disputed: bool = False, then: str = "") -> frozenset[Detail]:
    """The details a customer's sentence gives: those in a question they ask, rough figures
    ("about eight pounds higher"), what is to be moved ("I've got one booked for Thursday
    at ten and I need to move it") and when they cannot ("I'm out from two till four") are
    left out, and so are ages ("he's twelve weeks") and what a record says where the
    customer's turn disputes it (``disputed``: "it says the twentieth and it should be…")."""
    moving = MOVING.search(text)
    if moving and (BOOKED.search(text[: moving.start()]) or CHANGED_TO.match(text, moving.end())):
        text = text[moving.start() :]  # "I get it every two weeks, I'd like to change it to…"
    text = AGE.sub(" ", NOT_FOR_THEM.sub(" ", text))
    if disputed:  # not "the meter says oh four eight two one": a reading
        text = RECORDED.sub(" ", text)
    given = APPROXIMATE.sub(" ", digits_for_words(ASKED_ABOUT.sub(" ", text)))
    return frozenset(with_bare_amounts(_self_repaired(given, digits_for_words(then)), given))


# The customer putting right what they just said: "the seventeenth, um, no wait, sorry, the
# eighteenth", "size nine, I mean ten"
REPAIR = re.compile(r"\b(?:no,? wait|wait,? no|no,? sorry|sorry,? no|no,? no|i mean|or rather|"
                    r"sorry|wait)\b[\s,.]*", re.IGNORECASE)  # fmt: skip
GOES_ON_ADDING = re.compile(r"^\W*(?:and|also|plus|as well)\b", re.IGNORECASE)


def _self_repaired(text: str, then: str = "") -> set[Detail]:
    """The details of ``text``, without one the customer put right at once, there or at the
    start of what they say ``then``: a detail just before a repair ("no wait, sorry") whose
    kind the words after it give again (not "the eighteenth, sorry, and the nineteenth")."""
    found = details(text)
    if not found:
        return found
    text = f"{text} {then}"
    for m in REPAIR.finditer(text):
        if m.start() > len(text) - len(then) + 12:
            break  # a repair further on is of something said after this sentence
        after = text[m.end() : m.end() + 80]
        if GOES_ON_ADDING.match(after):
            continue
        just_said = details(" ".join(text[max(0, m.start() - 60) : m.start()].split()[-4:]))
        again = details(after)
        kinds = {kind for kind, _, _ in again}
        found -= {d for d in just_said if d[0] in kinds and d not in again}
    return found


def _next_agent_turns(ctx: AnalysisContext) -> dict[int, list[int]]:
    """Customer turn -> the sentences of the agent's next turn after it."""
    agent: dict[int, list[int]] = {}
    for j, s in enumerate(ctx.sentences):
        if s.speaker == "agent":
            agent.setdefault(s.turn, []).append(j)
    turns = sorted(agent)
    customer = {s.turn for s in ctx.sentences if s.speaker == "customer"}
    return {t: agent[turns[k]] for t in customer
            if (k := bisect.bisect_right(turns, t)) < len(turns)}  # fmt: skip


def _answers(ctx: AnalysisContext, reply: list[int], topic: set[str]) -> bool:
    """Whether the agent's ``reply`` answers a question about ``topic``: a direct "yes", "no"
    or "I can't" first ("that's a fair question…" takes it up) or after an apology ("sorry, I
    missed that. No, …"; not the "yeah" of "oh sorry about that, so yeah, you're all set"), a
    time, day or amount said first ("That's at eleven and half two"), or a word of the
    question's topic ("most partner shops will hold a price")."""
    texts = [ctx.sentences[j].text for j in reply]
    return (
        bool(DIRECT_REPLY.search(texts[0]) or TAKES_THE_QUESTION.match(texts[0]))
        or (not is_question(texts[0]) and bool(details(texts[0])))  # "That's at eleven."
        or any(FIRM_REPLY.search(text) for text in texts[1:])
        or any(topic & _topic(ctx, j) for j in reply)
    )


# "That's a fair question, and I'd like a team leader to look at it": the question taken up
TAKES_THE_QUESTION = re.compile(
    r"^\W*(?:that's|that is|it's|it is) (?:a )?(?:fair|good|great|reasonable|very fair) "
    r"(?:question|ask|point)\b",
    re.IGNORECASE,
)
FIRM_REPLY = re.compile(r"^\W*(?:yes|no|sadly|unfortunately|i'm afraid|afraid not)\b", re.I)


def _asks(text: str) -> bool:
    """A question, or a request put as one ("can I get a refund for that or something")."""
    return is_question(text) or bool(ASKS.search(text))


ASKS = re.compile(
    r"\b(?:can|could|would|will|do|does|is|are) (?:i|you|we|they|it|there|your|the)\b", re.I
)
# A question put as a statement with a tag ("so um sorry about the nuts, is that ok")
TAG_QUESTION = re.compile(
    r"\b(?:is|would) (?:that|it|this) (?:be )?(?:ok|okay|alright|all right|fine|possible)\W*$", re.I
)


def _topic(ctx: AnalysisContext, index: int) -> set[str]:
    """The noun, verb and adjective lemmas of sentence ``index`` that can name what it is
    about ("is it edible")."""
    return {
        t.lemma_.lower()
        for t in sentence_span(ctx, index) or ()
        if t.pos_ in ("NOUN", "VERB", "ADJ")
        and t.lemma_.isalpha()
        and len(t.lemma_) > 2
        and t.lemma_.lower() not in NOT_TOPICS
    }
