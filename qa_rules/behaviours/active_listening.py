"""Active listening: acknowledgements, restating the problem, reflecting feelings, reusing the
customer's details, understanding checks; and re-asking for what the customer already gave.
Interruptions come from the conversation metrics (``agent_interruption``)."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, matching, phrases, register, words
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding
from callqa.qa_rules.structure import has_act, problem_statement, resolves

ACKNOWLEDGEMENT = phrases(
    r"^\W*(i see|got it|i understand|understood|m+-?hm+|uh-?huh|hm+|mm+|right|okay|ok|sure|"
    r"absolutely|of course|i hear you|that makes sense|makes sense|alright|all right|yeah|yep|"
    r"oh really|oh i see|exactly|that's right|i know|gotcha)"
)
UNDERSTANDING_CHECK = phrases(
    "so what you('re| are) saying",
    "if i (understand|heard) (you )?(correctly|right)",
    "just to (confirm|clarify|make sure)",
    "let me make sure i",
    "so you('re| are) saying",
    "do you mean",
    "am i right",
    "(is that|have i got that) (right|correct)",
    "did i get that right",
    "to make sure i understand",
    "so if i('ve| have) got this right",
)
REFLECTION = phrases(
    "(sounds|seems) (really |very |so |quite )?(frustrating|stressful|annoying|upsetting|"
    "difficult|confusing|worrying|inconvenient)",
    "(i can|i could) (hear|tell|imagine|see) (how|that|why)",
    "you (must|might) (be|feel)",
    "that must (be|have been)",
    "you('re| are) (clearly )?(frustrated|upset|worried|annoyed)",
)
RESTATE_OPENER = phrases(
    r"^\W*(so|okay,? so|right,? so|it sounds like|sounds like|if i understand|you('re| are) saying|"
    r"you mean|what i('m| am) hearing)"
)
VERIFY = phrases("confirm", "verify", "security", "for verification")
ASK = r"(what('s| is)|can i (have|get|take)|could (i|you) (have|get|give|provide|tell)|may i (have|get)|(give|tell) me)"  # noqa: E501
INFO = {
    "account number": (
        phrases(rf"{ASK}\b.*\b(account|card|policy|member|customer) (number|id)"),
        re.compile(r"\b(account|card|policy|member)\b.*\d{4,}|\d[\d -]{7,}\d", re.I),
    ),
    "name": (
        phrases(rf"{ASK}\b.*\b(your|the) (full )?name", "who am i speaking (with|to)"),
        re.compile(r"\b(my name is|my name's|this is|it's) [A-Z][a-z]+", re.I),
    ),
    "email": (
        phrases(rf"{ASK}\b.*\be-?mail"),
        # one try per word: "\S+@\S+" took hours over 30,000 characters of "?_-.@/"
        re.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.\w+|\bmy e-?mail (address )?is\b", re.I),
    ),
    "phone number": (
        phrases(rf"{ASK}\b.*\b(phone|telephone|mobile|contact) number"),
        re.compile(r"\bmy (phone|mobile|number)\b.*\d{3}|\b\d{3}[\s.-]?\d{3}[\s.-]?\d{4}\b", re.I),
    ),
    "order number": (
        phrases(rf"{ASK}\b.*\b(order|tracking|reference|confirmation) (number|id)"),
        re.compile(r"\b(order|tracking|reference)\b.*\b[A-Z]{0,3}\d{4,}\b|\b[A-Z]{2,3}\d{4,}\b"),
    ),
    "problem": (
        phrases(
            "what seems to be the (problem|issue)",
            "what('s| is) the (problem|issue)",
            "what can i (help|do) (you )?with",
            "how can i help",
        ),
        None,
    ),
}
ALREADY_GAVE = phrases(
    "i gave (it|that|this|them) to you",
    "i('ve| have)? already (gave|given|told|said)",
    "i (already|just) (told|said|gave)",
    "i told (you|the other agent|someone|your colleague)",
)
GENERIC_DETAILS = {"today", "now", "tomorrow", "yesterday", "one", "two", "first", "this morning"}


@register
class ActiveListening(Detector):
    name = "active_listening"
    behaviour = "active_listening"
    labels = (
        "acknowledgement",
        "understanding_check",
        "reflects_feeling",
        "restatement",
        "reuses_detail",
        "reasks_information",
    )
    requires = ("acts", "docs", "embeddings", "structure")

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        findings: list[Finding] = []
        for label, pattern, what in (
            ("acknowledgement", ACKNOWLEDGEMENT, "Acknowledged the customer"),
            ("understanding_check", UNDERSTANDING_CHECK, "Checked their understanding"),
            ("reflects_feeling", REFLECTION, "Reflected the customer's feelings"),
        ):
            found = matching(ctx, pattern, "agent")
            if label == "acknowledgement":  # "okay thank you for calling": a goodbye
                found = [i for i in found if not has_act(ctx, i, "closing")]
            findings += self.recurring(ctx, label, "positive", found, what)
        findings += self._restatement(ctx)
        findings += self._reused_details(ctx)
        findings += self._reasked(ctx)
        return findings

    def _restatement(self, ctx: AnalysisContext) -> list[Finding]:
        problem = problem_statement(ctx)
        if problem is None:
            return []
        said = words(ctx.sentences[problem].text)
        for i in ctx.by_speaker("agent"):
            s = ctx.sentences[i]
            similarity = float(ctx.embeddings[problem] @ ctx.embeddings[i])
            restated = words(s.text)
            overlap = len(said & restated) / max(len(said | restated), 1)
            if (
                s.turn > ctx.sentences[problem].turn
                and not resolves(ctx, i)  # a solution, not a restatement
                and not has_act(ctx, i, "ask_detail")  # "what would you like to pay it with?"
                and len(restated) >= 4
                and overlap <= 0.7  # more would be parroting
                and (similarity >= 0.6 or (similarity >= 0.4 and RESTATE_OPENER.search(s.text)))
            ):
                why = (
                    f"Restated the customer's problem in other words (similarity {similarity:.2f})"
                )
                # similarity is not a probability: restatements found this way were right in
                # 0.95 of gold calls, so the confidence starts above the scorecard's 0.5
                confidence = min(0.95, 0.55 + similarity / 2)
                return [self.finding(ctx, "restatement", "positive", [problem, i], why, confidence)]
        return []

    def _reused_details(self, ctx: AnalysisContext) -> list[Finding]:
        given: dict[str, int] = {}  # detail -> the customer sentence that gave it
        for i in ctx.by_speaker("customer"):
            for detail in details_in(ctx, i):
                given.setdefault(detail, i)
        for i in ctx.by_speaker("agent"):
            text = ctx.sentences[i].text.lower()
            for detail, source in given.items():
                if (
                    source < i
                    and ctx.sentences[source].turn < ctx.sentences[i].turn
                    and detail in text
                ):
                    why = f"Reused a detail the customer gave: {detail!r}"
                    return [self.finding(ctx, "reuses_detail", "positive", [source, i], why)]
        return []

    def _reasked(self, ctx: AnalysisContext) -> list[Finding]:
        findings = []
        problem = problem_statement(ctx)
        for info, (asked, provided) in INFO.items():
            given = (
                [problem]
                if provided is None and problem is not None
                else [
                    i
                    for i in ctx.by_speaker("customer")
                    if provided is not None and provided.search(ctx.sentences[i].text)
                ]
            )
            if not given:
                continue
            for i in matching(ctx, asked, "agent"):
                text = ctx.sentences[i].text
                if ctx.sentences[i].turn > ctx.sentences[given[0]].turn + 1 and not VERIFY.search(
                    text
                ):
                    why = f"Asked again for the {info}, which the customer had already given"
                    findings.append(
                        self.finding(
                            ctx, "reasks_information", "negative", [i, given[0]], why, 0.75
                        )
                    )
                    break
        if not findings:
            findings += self._customer_says_already_given(ctx)
        return findings

    def _customer_says_already_given(self, ctx: AnalysisContext) -> list[Finding]:
        """An agent question answered with "I already gave you that"."""
        for i in matching(ctx, ALREADY_GAVE, "customer"):
            turn = ctx.sentences[i].turn
            asked = [j for j in ctx.by_speaker("agent") if ctx.sentences[j].turn < turn]
            question = next(
                (
                    j
                    for j in reversed(asked)
                    if any(pattern.search(ctx.sentences[j].text) for pattern, _ in INFO.values())
                ),
                None,
            )
            if question is not None:
                why = "The customer said they had already given what the agent asked for"
                return [
                    self.finding(ctx, "reasks_information", "negative", [question, i], why, 0.7)
                ]
        return []


def details_in(ctx: AnalysisContext, index: int) -> set[str]:
    """Lower-cased entities and long numbers inside sentence ``index`` (from its turn's doc)."""
    s = ctx.sentences[index]
    doc = ctx.docs[s.turn]
    found = {
        e.text.lower()
        for e in doc.ents
        if s.char_start <= e.start_char < s.char_end
        and e.label_ in {"ORDER_ID", "MONEY", "DATE", "PERSON", "PRODUCT", "ORG", "GPE", "CARDINAL"}
    }
    found |= set(re.findall(r"\b\d{3,}\b", s.text))
    return {d for d in found if len(d) >= 3 and d not in GENERIC_DETAILS}
