"""Empathy: empathy and apology statements, responding to the customer's distress (and how
fast), and the negatives: dismissive or blaming language, empathy only as a closing script."""

from __future__ import annotations

import re

import numpy as np

from callqa.models.emotion import EMOTIONS, sentiment
from callqa.qa_rules.behaviours.active_listening import REFLECTION
from callqa.qa_rules.behaviours.base import (
    Detector,
    is_question,
    matching,
    phrases,
    register,
    similar,
)
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding, Polarity

EMPATHY = phrases(
    "i (completely |totally |really )?understand (how|that|why|your)",
    "i('m| am) (so |really |very |truly )?sorry (to hear|that|about|for|you)",
    "i can (only )?imagine",
    "that must be",
    "i know (how|this|that) (must|can|is)",
    "(that|this) sounds (really |so |very )?(frustrating|difficult|stressful|awful|hard)",
    "i('d| would) (feel|be) the same",
    "thank you for (your )?(patience|bearing with)",
    "i appreciate your patience",
    r"^\W*(oh,? )?i (completely |totally |do )?understand(?=,? \w)",  # not a bare "I understand."
    "(that's|that is|what) (a |an |such a )?(horrible|awful|terrible|worrying|stressful|rotten|"
    "horrid|scary|upsetting) (feeling|thing|position|situation|time|experience)",
    r"^\W*oh no\b",
    "(please )?(don't|do not|try not to) (worry|panic)",
    "no need to (worry|panic)",
)
# What answers a worry or frustration besides empathy and apology: naming it ("I know, that's a
# worry"), or the reassurance it asks for ("No, you won't have to go to court").
ANSWERS_DISTRESS = phrases(
    r"\bi know,? (that's|that is|it's|it is|this is)\b",
    "i hear you",
    "(that's|it's|that is|it is|must be|sounds) "
    "(a |such a |really |so |very |completely |totally |common |natural |normal |understandable "
    "|big |real )*"
    "(worry|worrying|frustrating|pain|shock|miserable|upsetting|stressful|annoying|fair)\\b",
    "(not|isn't) what you (want|need|wanted)",
    "are you (okay|ok|alright|all right)",
    r"^\W*((of course|oh|aw|ah|yeah),? )?i (completely|totally|fully) understand\b",
    "you did (absolutely )?nothing wrong",
    "(it's|that's|it is|that is) (completely |perfectly |only |so )?"
    "(normal|natural|understandable)",
    "(don't|do not) feel bad",
    r"^\W*(no,? )*(no )?you (won't|will not|wouldn't|aren't going to|are not going to|"
    "don't need to|won't need to|won't have to)\\b",
    "(you're|you are) not (in any trouble|fussing|a bother)",
    r"^\W*not at all\b",
    "(we|i) (don't|do not) want you (to be |to )?(stuck|worried|worrying|worry|left|without|"
    "out of pocket|waiting)",  # "we don't want you stuck at lambing"
)
APOLOGY = phrases("sorry", "apologi[sz]e", "my apologies", "apologies")
CLARIFYING_SORRY = phrases(
    r"sorry\s*\?",
    "sorry,? (what|could|can|say|come again|i didn't catch)",
    r"\bor \w+,? (i'm |i am )?sorry\W*$",  # "debit or credit, I'm sorry": which did you mean?
    "(don't|do not|no need to|never) (apologi[sz]e|be sorry)",  # the customer's apology waved off
)
DISMISSIVE = phrases(
    "calm down",
    "(that's|that is|it's|it is) not my (problem|fault|job)",
    # "you should have checked", not "you should have had a call"
    # (not "you really shouldn't have paid that, it was our mistake")
    "you (really |just |probably |definitely )?(should|ought to)( have|'ve| of) (just )?"
    "(read|checked|called|rung|done|renewed|updated|"
    "known|paid|listened|asked|looked|noticed|kept|sent|cancelled|contacted|waited|thought|"
    "picked|chosen|booked|bought)",
    "as i (already )?(said|told you|explained)",
    "like i (said|told you)",
    "i already told you",
    "(that's|that is) (just )?(the|our) policy",
    "obviously",
    "you need to listen",
    r"whatever(?=\s*(?:[.,!?;]|$))",  # "oh whatever.", not "whatever address you like"
    "your (own )?fault",
    "not my fault",
    # blaming the customer for not reading or looking: "people should read these things"
    "(people|customers) (should|need to|have to|are supposed to|ought to) (read|check|look)",
    "most people (read|check) (them|it|these|those|that|the)",  # "most people read them"
    "(their|his|her) (decision|problem|call),? not (ours|mine)",
    "you('re| are) supposed to (read|check|know|look)",
    "(it's|it is) up to you to (read|check|know|look)",
    "most people (don't|do not|just|never) (read|bother|check|look|confirm|realise|realize|press)",
    "if (people|you) (actually|just|only) (read|looked|have a (proper )?look|checked|bothered)",
    # "…if you'd looked", not "can I ask if you'd looked at the photo?"
    "(?<!ask )(?<!wondering )(?<!wonder )(?<!know )if you('d| had) (actually |just |only |simply )?"
    "(read|looked|checked|bothered)",
    "you were supposed to (read|check|know|look)",
    r"that's on you(?=\s*(?:[.,!?;]|$))",
    "(they|people) just (haven't|didn't|don't) (looked|look|read|checked|check|bother)",
    "(it's|it is) not (that |very |exactly )?complicated",
    "people get told all sorts",
    # making light of the problem: "it's only a few drips though isn't it", "they all do that"
    r"(it's|it is|that's|that is) only (a few|a little|a bit|a couple)[^.?!]{0,30}"
    r"\b(though|isn't it|really|surely)\b",
    "(they|these|those) all do (that|it)",
    # brushing the customer off: "Not my department.", "Do you want to cancel or not?"
    "(that's |it's )?not my (department|area)(?!')",  # not "my department's finest hour"
    "do you want to \\w+( it)? or not",
    "(they|she|he)('d| would|'ll| will) (only |just )?(say|tell you) the same",
    # "then that's the outcome.", "well, that's the decision, I'm afraid" (not "so that's the
    # outcome!" after a refund agreed)
    r"^(then|well),? (that's|that is) (the|our) (final )?(outcome|answer|decision)\b",
)
DISTRESS_WORDS = phrases(
    r"frustrat\w*",
    "ridiculous",
    "unacceptable",
    "angry",
    "furious",
    "upset",
    "worried",
    "annoyed",
    "fed up",
    "disappointed",
    "third time",
    "again and again",
    "terrible",
    "awful",
    r"stress(ed|ing|ful)",
    "sick (of|and tired)",
    "unbelievable",
    r"(i'm|i am|we're|we are|been|really) struggl\w*",
    "(can't|cannot|can not) afford",
    "skint",
    "(money's|money is|things are) (a bit |really |so |very )?tight",
    "(nobody|no one|no-one) (can|will|ever) (tell|help)",
    r"i('ve| have)? (already )?(told|given|gave|explained) (you|it|this|that|all)( \w+){0,2} "
    "already",
    "i told the other",
    r"(scared|anxious|panick\w*|desperate|distraught|devastated)",
    r"^\W*ugh\b",
    "(lost|losing) my job",
    "(can't|cannot) (just |afford to )?(lose|waste) (that|this|it|the money|my money)",
    "(the )?last time (i|we)('ll| will)? (use|go with|order from|buy from|deal with|book with) "
    "(you|this)",
    "made redundant",
)
CONCERN = phrases(
    r"\b(that's|that is|this is|which is) (exactly |just )?what i was (worried|concerned) "
    "about",
    # asking whether there is a risk: "is that something to worry about?"
    r"(that|it|this) (something|anything) to (worry|be worried) about",
    r"should i be (worried|concerned)",
    r"do i need to (worry|be worried)",
    # someone else's feelings, told as a reason: "she's already stressing about it"
    r"\b(she|he|they)('s|'re| is| are| gets?| feels?) (already |getting |a bit |so |really |"
    "very )?(stressing|stressed|worried|panicking|anxious|nervous|scared|upset)",
)
# Said laughing, in the same turn: "i'm terrified of what you'll find up there ha no it's just
# paw marks"
JEST = phrases(r"ha(ha)*", "hehe", "lol", "only joking", "just kidding")
# "Brilliant. I was worried I'd have to rush back.": a worry over, said with relief
PAST_WORRY = phrases(r"i was (so |really |a bit |quite )?(worried|nervous|scared|panicking)")
RELIEF = phrases("brilliant", "great", "perfect", "lovely", "thank you", "thanks", "phew",
                 "(that's|what) a relief", "oh good", "thank god", "thank goodness")  # fmt: skip
DISTRESS_EMOTIONS = (
    "anger",
    "annoyance",
    "disappointment",
    "disapproval",
    "disgust",
    "fear",
    "nervousness",
    "sadness",
    "grief",
)


@register
class Empathy(Detector):
    name = "empathy"
    behaviour = "empathy"
    labels = (
        "empathy_statement",
        "apology",
        "dismissive_language",
        "distress_acknowledged",
        "distress_ignored",
        "closing_empathy_only",
        "sentiment_worsened",
        "sentiment_improved",
    )
    prototypes = {
        "empathy": (
            "I'm so sorry you had to deal with that",
            "I completely understand how frustrating this is",
            "That sounds really stressful, I'm sorry",
            "I can imagine how upsetting that must be",
            "I'd be upset too if that happened to me",
        ),
    }
    requires = ("head:emotion", "prototype:empathy", "transcript")
    tunable = {
        "distress_min_words": (1, 50), "distress_probability": (0.0, 1.0), "reply_turns": (1, 20),
        "closing_share": (0.05, 1.0), "sentiment_shift": (0.01, 1.0),
        "empathy_similarity": (0.3, 1.0),
    }  # fmt: skip
    distress_min_words = 5  # a shorter sentence is not distress on the emotion head's word alone
    distress_probability = 0.7  # the emotion head's distress emotions, read alone
    reply_turns = 2  # agent turns within which distress should be acknowledged
    closing_share = 0.2  # the last fifth of the agent's sentences
    sentiment_shift = 0.2  # change in mean negative-emotion probability worth a finding
    empathy_similarity = 0.6  # to the empathy examples, for a sentence no phrase matches

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        empathic = self.empathic(ctx)
        apologies = [
            i
            for i in matching(ctx, APOLOGY, "agent")
            if not CLARIFYING_SORRY.search(ctx.sentences[i].text)
        ]
        findings = self.recurring(
            ctx,
            "empathy_statement",
            "positive",
            [i for i in empathic if i not in apologies],
            "Showed empathy",
        )
        findings += self.recurring(ctx, "apology", "positive", apologies, "Apologised")
        dismissive = matching(ctx, DISMISSIVE, "agent")
        findings += self.recurring(
            ctx,
            "dismissive_language",
            "negative",
            dismissive,
            "Used dismissive or blaming language",
        )
        distress = self.distress(ctx)
        answers = set(empathic) | set(apologies) | set(matching(ctx, ANSWERS_DISTRESS, "agent"))
        findings += self._responses(ctx, distress, answers)
        agent = ctx.by_speaker("agent")
        closing = (
            set(agent[int(len(agent) * (1 - self.closing_share)) :]) if len(agent) >= 5 else set()
        )
        if distress and empathic and set(empathic) <= closing:
            why = "Empathy came only in the closing, after the customer's distress went unanswered"
            findings.append(
                self.finding(
                    ctx, "closing_empathy_only", "negative", [distress[0], empathic[0]], why, 0.7
                )
            )
        findings += self._sentiment_shift(ctx)
        return findings

    def _sentiment_shift(self, ctx: AnalysisContext) -> list[Finding]:
        """The customer's negative emotion in the last third of their sentences against the
        first third, when it moved by at least ``sentiment_shift``."""
        customer = ctx.by_speaker("customer")
        scores = ctx.head_scores.get("emotion")
        if scores is None or len(customer) < 6:
            return []
        negative = sentiment(scores, "negative")
        third = len(customer) // 3
        start, end = customer[:third], customer[-third:]
        before, after = float(negative[start].mean()), float(negative[end].mean())
        if abs(after - before) < self.sentiment_shift:
            return []
        worse = after > before
        quoted = (
            max(end, key=lambda i: negative[i]) if worse else max(start, key=lambda i: negative[i])
        )
        label = "sentiment_worsened" if worse else "sentiment_improved"
        polarity: Polarity = "negative" if worse else "positive"
        why = f"Customer's negative emotion: {before:.2f} at the start, {after:.2f} at the end"
        return [
            self.finding(ctx, label, polarity, [quoted], why, 0.6, value=round(after - before, 3))
        ]

    def empathic(self, ctx: AnalysisContext) -> list[int]:
        """Agent sentences that state empathy, by phrase or by closeness to the examples."""
        close = set(similar(ctx, "empathy", "agent", self.empathy_similarity))
        return [
            i
            for i in ctx.by_speaker("agent")
            if i in close
            or EMPATHY.search(ctx.sentences[i].text)
            or REFLECTION.search(ctx.sentences[i].text)
        ]

    def distress(self, ctx: AnalysisContext) -> list[int]:
        """Customer sentences where the emotion head or the distress lexicon sees distress."""
        scores = ctx.head_scores.get("emotion")
        columns = [EMOTIONS.index(e) for e in DISTRESS_EMOTIONS]
        found = []
        for i in ctx.by_speaker("customer"):
            text = ctx.sentences[i].text
            enough = len(text.split()) >= self.distress_min_words  # "no", "sorry" say too little
            by_head = (
                enough
                and not _plain_answer(ctx, i)  # "Anyone trapped?" - "No, no one's in it."
                and scores is not None
                and float(np.max(scores[i, columns])) >= self.distress_probability
            )
            said = ctx.transcript.turns[ctx.sentences[i].turn].text
            if CONCERN.search(text) or JEST.search(said):
                continue  # "that's what I was worried about": the risk named, not distress, nor
                # a question about a risk, nor someone else's worry, nor a joke
            if PAST_WORRY.search(text) and RELIEF.search(said):
                continue  # relief at a worry over, not distress
            if by_head or DISTRESS_WORDS.search(text):
                found.append(i)
        return found

    def _responses(
        self, ctx: AnalysisContext, distress: list[int], caring: set[int]
    ) -> list[Finding]:
        findings, answered_turn = [], -1
        for i in distress:
            turn = ctx.sentences[i].turn
            if turn <= answered_turn:
                continue  # the same stretch of distress, already judged
            later_turns = sorted(
                {s.turn for s in ctx.sentences if s.speaker == "agent" and s.turn > turn}
            )
            window = set(later_turns[: self.reply_turns])
            reply = next((j for j in sorted(caring) if ctx.sentences[j].turn in window), None)
            if reply is None:
                if later_turns:
                    why = f"Distress not acknowledged in the next {self.reply_turns} agent turns"
                    findings.append(
                        self.finding(ctx, "distress_ignored", "negative", [i], why, 0.7)
                    )
                    answered_turn = max(window)
                continue
            delay = _seconds_between(ctx, i, reply)
            why = "Acknowledged the customer's distress" + (
                f" {delay:.0f} s later" if delay is not None else ""
            )
            findings.append(
                self.finding(
                    ctx, "distress_acknowledged", "positive", [i, reply], why, 0.8, value=delay
                )
            )
            answered_turn = ctx.sentences[reply].turn
        if any(f.label == "distress_acknowledged" for f in findings):
            # the customer's distress was met: a later outburst left unanswered does not make
            # it ignored (the guidelines judge answered_distress once per call)
            findings = [f for f in findings if f.label != "distress_ignored"]
        return findings


# A yes or no, or a plain "I don't think I do" / "not really", to the agent's question
YES_OR_NO = re.compile(
    r"^\W*(?:no|nope|yes|yeah|yep|not really|i don't think (?:i|we|so)|i do|we do|i don't|"
    r"we don't)\b",
    re.IGNORECASE,
)


# A question that ends an unpunctuated turn: "…it does need the receipt do you still have it"
ASKS_AT_THE_END = re.compile(
    r"\b(?:do|did|does|have|has|are|is|can|could|would|will) you\b[^.?!]{0,40}\W*$", re.I
)


def _plain_answer(ctx: AnalysisContext, index: int) -> bool:
    """Customer sentence ``index`` opens with a yes or no to the agent's question just before."""
    before = ctx.sentences[index - 1] if index else None
    return bool(
        before is not None
        and before.speaker == "agent"
        and (is_question(before.text) or ASKS_AT_THE_END.search(before.text))
        and YES_OR_NO.match(ctx.sentences[index].text)
    )


def _seconds_between(ctx: AnalysisContext, first: int, then: int) -> float | None:
    end, start = ctx.sentences[first].end, ctx.sentences[then].start
    return round(max(start - end, 0.0), 1) if end is not None and start is not None else None
