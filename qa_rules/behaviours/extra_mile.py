"""Extra mile: help beyond the request (a related fix, a benefit, a tip) and personalisation."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, matching, phrases, register, similar
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding

PROACTIVE = phrases(
    "while i have you",
    "i (also )?noticed",
    "i('ve| have) also",
    "i went ahead and (also )?",
    "you (might|may) (also )?(want|like|be interested|find)",
    "(a|one) (quick )?tip",
    "to save you",
    "in (the )?future,? you can",
    "just so you know",
    "for (future|next) time",
    "as a (courtesy|goodwill)",
    "(i|we)('ll| will| have|'ve) waived?",
    "no extra (charge|cost)",
    "i('ve| have) (added|applied) a (credit|discount)",
)
NAME_GIVEN = re.compile(r"\b(?:my name is|my name's|this is|it's|i'm)\s+([A-Z][a-z]{2,})")
NOT_NAMES = {"The", "Just", "About", "Calling", "Really", "Not", "Still", "Very", "So", "Sorry"}


@register
class ExtraMile(Detector):
    name = "extra_mile"
    behaviour = "extra_mile"
    labels = (
        "proactive_help",
        "uses_customer_name",
    )
    prototypes = {
        "proactive": (
            "While I have you, I noticed your plan could save you money",
            "As a courtesy I've added a credit to your account",
            "Just so you know, you can do this yourself in the app next time",
            "I've also updated your other card so this won't happen again",
        ),
    }
    requires = ("prototype:proactive",)
    tunable = {"proactive_similarity": (0.3, 1.0)}
    proactive_similarity = 0.6  # to the proactive examples, for a sentence no phrase matches

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        proactive = sorted(
            set(matching(ctx, PROACTIVE, "agent"))
            | set(similar(ctx, "proactive", "agent", self.proactive_similarity))
        )
        findings = self.recurring(
            ctx, "proactive_help", "positive", proactive, "Offered help beyond the request"
        )
        findings += self._name_used(ctx)
        return findings

    def _name_used(self, ctx: AnalysisContext) -> list[Finding]:
        for i in ctx.by_speaker("customer"):
            match = NAME_GIVEN.search(ctx.sentences[i].text)
            if not match or match[1] in NOT_NAMES:
                continue
            name = re.compile(rf"\b{match[1]}\b")
            used = [
                j
                for j in ctx.by_speaker("agent")
                if ctx.sentences[j].turn > ctx.sentences[i].turn
                and name.search(ctx.sentences[j].text)
            ]
            if used:
                why = f"Addressed the customer by name ({match[1]}) {len(used)} time(s)"
                return [
                    self.finding(
                        ctx, "uses_customer_name", "positive", [i, *used], why, value=len(used)
                    )
                ]
        return []
