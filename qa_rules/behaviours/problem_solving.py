"""Problem solving: the problem found, probing questions, explanation, solutions, ownership,
resolution confirmed, and the outcome of the call."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, is_question, matching, phrases, register
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding, Polarity
from callqa.qa_rules.structure import OUTCOMES, Request, puts_off

PROBLEM_CUES = phrases(
    "problem",
    "issue",
    "(isn't|is not|doesn't|does not|won't|will not) work(ing)?",
    "can't",
    "cannot",
    "couldn't",
    "charged",
    "declined",
    "broken",
    "error",
    "wrong",
    "missing",
    "never (arrived|received|got|came|showed up|turned up)",
    "(need|want|would like|trying) to",
    "(hasn't|has not|haven't)",
)
OPEN_QUESTION = phrases(
    r"^\W*(what|how|why|when|where|which|who)", "tell me", "(can|could) you (describe|walk|explain)"
)
NOT_PROBING = phrases(
    "how (are|is) you",
    "how can i help",
    "anything else",
    "how may i help",
    "what can i do for",
    # asking for a detail to act on is not exploring the problem
    r"\b(number|address|postcode|zip|name|date of birth|registration|reference|email|amount|"
    r"(source|destination|from|to) account)\b",
    "would you like",
    "how many",
    "how much would",
    "which (account|card|day|date|one)",
    "what (day|date|time) (would|suits|works)",
)
EXPLANATION = phrases(
    "because",
    "the reason",
    "(that|which)('s| is) why",
    "what happened (is|was)",
    r"this (means|is because)",
    "due to",
    "caused by",
    "the way it works",
    "(it|that|this) happens when",
)
# Why a request cannot be met: an explanation, or a cause in so many words ("the payment system
# is down", "saver rates are non-refundable"); "we can't change issued bills" is no reason.
REASON = phrases(
    r"(is|are|'s|'re) (down|offline|unavailable|not available|not working)",
    "non-?refundable",
    "(our|the) (policy|terms)",
    "(system|it) (won't|doesn't|does not|will not) (let|allow)",
    "not (allowed|permitted)",
    # "the price is set on the basis that it rolls on", "that's the trade-off for the lower
    # price", "three renewals, which is the maximum", "can't be refunded once the coach has left"
    "on the basis (that|of)",
    "trade-?off",
    "(is|'s) the (maximum|minimum|limit)",
    r"can(not|'t| not) be \w+ed once",
    "(insurance|cover|licence|license) only (covers|allows|lets)",
)
VAGUE = phrases("might|maybe|perhaps|probably|i think|could|should say|depends|not sure")
ACTION = (
    "refund|reset|update|send|process|cancel|credit|change|fix|add|remove|reverse|issue|replace|"
    "unlock|activate|order|schedule|book|apply|waive|set up|arrange|transfer|reship|resend|"
    "switch|upgrade|downgrade|unblock|block|move"
)
# any inflection of an action: the stem (final e or y dropped) and its ending ("applied")
DONE = "(" + "|".join(re.sub(r"[ey]$", "", verb) for verb in ACTION.split("|")) + r")\w*"
SOLUTION = phrases(
    rf"i('ve| have) (just |now )?(gone ahead and )?{DONE}",
    rf"(i|we) (can|could|will|'ll) ({ACTION})",
    "what (i|we) can do",
    rf"(i('m| am)|we('re| are)) (now |just )?{DONE}",
    rf"(has|have) (now |just )?been {DONE}",
    rf"(it's|it is|that's|that is) (now |all )?{DONE}",
    "(one|another|the other) option",
    r"you (can|could) (also )?(try|use|log|visit|click|select|reset|update)",
    "i('d| would) (recommend|suggest)",
    rf"let me ({ACTION}|go ahead)",
)
OWNERSHIP = phrases(
    "i('ll| will) (take care|make sure|personally|handle|look after|sort)",
    "let me take care",
    "i('ve| have) (taken care|sorted)",
    "leave it with me",
    "i('ll| will) see (this|it) through",
)
DEFLECTION = phrases(
    "(that's|that is|it's|it is) not (our|my) department",
    "nothing (i|we) can do",
    "you('ll| will) (have|need) to (call|contact|go to|speak to|ring)",
    "i can('t|not) help (you )?with (that|this)",
    "not (something|anything) (i|we) (can|handle)",
)
CHECK_ASKED = phrases(
    "(does|did|will) (that|this) (help|solve|fix|resolve|answer|work|sort (it|that|things) out)",
    "(is|has) (that|this|everything|the issue|it) (been )?(resolved|fixed|sorted|working|clear)",
    "are you (all )?set",
    "(does|did) that (all )?(make sense|sort it)",
)
CUSTOMER_YES = phrases(
    r"^\W*(yes|yeah|yep|yup|perfect|great|brilliant|that works|that's (it|great|perfect))",
    "(that|it|this) (fixed|solved|worked|did it)",
    "(it's|it is) working",
    "all good",
)
CUSTOMER_SOLVED = phrases(
    "(that|it|this) (fixed|solved|worked|did it|sorted it)",
    "(it's|it is) working( now)?",
)
THANKS = phrases("thank", "thanks", "appreciate", "cheers")
TRANSFERRED = phrases(
    "transfer(ring)? you",
    "put you through",
    "connect(ing)? you (to|with)",
    "pass(ing)? you (over )?to",
)
ESCALATED = phrases(
    r"escalat\w*",
    "supervisor",
    "(my|a) manager",
    "raise (a|this) (ticket|case|complaint)",
    "specialist team",
    "second[- ]line",
    "tier (2|two)",
)
CALLBACK = phrases(
    "call you back", "callback", "get back to you", "reach out to you", "give you a (call|ring)"
)


OUTCOME_REASONS = {
    "resolved": "the request was answered or done and not raised again",
    "partly_resolved": "some requests were resolved, others not",
    "unresolved": "the request failed or was raised again and left without an answer",
    "transferred": "the agent handed the call to another team",
    "escalated": "the agent escalated it",
    "callback": "the agent promised a callback",
    "cut_off": "the call ended before an answer",
}
OUTCOME_POLARITY: dict[str, Polarity] = {
    "resolved": "positive", "partly_resolved": "neutral", "unresolved": "negative",
    "transferred": "neutral", "escalated": "neutral", "callback": "neutral", "cut_off": "neutral",
}  # fmt: skip


@register
class ProblemSolving(Detector):
    name = "problem_solving"
    behaviour = "problem_solving"
    labels = (
        "problem_identified",
        "problem_not_addressed",
        "open_question",
        "closed_question",
        "explanation",
        "solution_offered",
        "ownership",
        "deflection",
        "resolution_confirmed",
        "request_outcome",
        *OUTCOMES,
    )
    requires = ("structure",)

    def detect(self, ctx: AnalysisContext) -> list[Finding]:
        findings = self._identified(ctx)
        questions = [
            i
            for i in ctx.by_speaker("agent")
            if is_question(ctx.sentences[i].text) and not NOT_PROBING.search(ctx.sentences[i].text)
        ]
        opened = [i for i in questions if OPEN_QUESTION.search(ctx.sentences[i].text)]
        closed = [i for i in questions if i not in opened]
        findings += self.recurring(
            ctx, "open_question", "positive", opened, "Asked an open question"
        )
        findings += self.recurring(
            ctx, "closed_question", "neutral", closed, "Asked a closed question"
        )
        phrased: tuple[tuple[str, Polarity, re.Pattern[str], str], ...] = (
            ("explanation", "positive", EXPLANATION, "Explained the cause or how it works"),
            ("solution_offered", "positive", SOLUTION, "Offered or carried out a solution"),
            ("ownership", "positive", OWNERSHIP, "Took ownership of the problem"),
            ("deflection", "negative", DEFLECTION, "Deflected the problem elsewhere"),
        )
        for label, polarity, pattern, what in phrased:
            findings += self.recurring(ctx, label, polarity, matching(ctx, pattern, "agent"), what)
        findings += self._confirmed(ctx)
        findings += self._outcomes(ctx)
        return [f for f in findings if f is not None]

    def _identified(self, ctx: AnalysisContext) -> list[Finding]:
        """Each request with the agent's first response to it; a request the agent never
        responded to, in a call that went on (not cut off), is not addressed."""
        found = []
        for request in ctx.structure.requests:
            if request.first_response is not None:
                why = "The customer's request, and the agent's first response to it"
                sentences = [request.statement, request.first_response]
                found.append(self.finding(ctx, "problem_identified", "positive", sentences, why))
            elif request.outcome != "cut_off":
                why = "The customer's request was never answered, acted on or handed over"
                found.append(self.finding(
                    ctx, "problem_not_addressed", "negative", [request.statement], why, 0.6
                ))  # fmt: skip
        return found

    def _confirmed(self, ctx: AnalysisContext) -> list[Finding]:
        for i in matching(ctx, CUSTOMER_SOLVED, "customer"):
            why = "The customer confirmed the problem is solved"
            return [self.finding(ctx, "resolution_confirmed", "positive", [i], why)]
        customer = ctx.by_speaker("customer")
        for ask in matching(ctx, CHECK_ASKED, "agent"):
            turn = ctx.sentences[ask].turn
            answer = next((i for i in customer if ctx.sentences[i].turn > turn), None)
            if answer is not None and CUSTOMER_YES.search(ctx.sentences[answer].text):
                why = "The agent checked the solution worked and the customer said yes"
                return [self.finding(ctx, "resolution_confirmed", "positive", [ask, answer], why)]
        return []

    def _outcomes(self, ctx: AnalysisContext) -> list[Finding]:
        """The outcome of each request and of the call, from the call's structure."""
        structure, found = ctx.structure, []
        if len(structure.requests) > 1:
            for number, request in enumerate(structure.requests, start=1):
                why = f"Request {number} of {len(structure.requests)}: {request.outcome}"
                quoted = [i for i in (request.statement, request.evidence) if i is not None]
                details = {"outcome": request.outcome, "request": str(number)}
                if _put_off(ctx, request):
                    details["put_off"] = "true"
                    why += ", put off with no time or route"
                found.append(self.finding(ctx, "request_outcome", "neutral", quoted, why, 0.7,
                                          details=details))  # fmt: skip
        if structure.outcome is not None and structure.evidence is not None:
            request = structure.requests[-1]
            sentences = sorted({request.statement, structure.evidence})
            why = f"Outcome {structure.outcome}: " + OUTCOME_REASONS[structure.outcome]
            polarity = OUTCOME_POLARITY[structure.outcome]
            details = {"outcome": structure.outcome}
            if structure.outcome == "unresolved" and _put_off(ctx, request):
                details |= {"reason_given": "false", "put_off": "true"}
                why += "; put off with no time or route"
            elif structure.outcome == "unresolved":
                reasons = self._reasons(ctx, request.statement)
                details["reason_given"] = str(bool(reasons)).lower()
                if reasons:
                    why += f"; the agent said why ({ctx.sentences[reasons[0]].text[:80]})"
            found.append(self.finding(ctx, structure.outcome, polarity, sentences, why, 0.7,
                                      details=details))  # fmt: skip
        return found

    @staticmethod
    def _reasons(ctx: AnalysisContext, statement: int) -> list[int]:
        """Agent sentences after the request that say plainly why it cannot be met."""
        return [i for i in ctx.by_speaker("agent") if i > statement
                and (EXPLANATION.search(ctx.sentences[i].text)
                     or REASON.search(ctx.sentences[i].text))
                and not VAGUE.search(ctx.sentences[i].text)]  # fmt: skip


def _put_off(ctx: AnalysisContext, request: Request) -> bool:
    """The request was left on "I'll have to check that" or "we'll look into it": unresolved,
    with no time, callback or route."""
    evidence = request.evidence
    return (
        request.outcome == "unresolved"
        and evidence is not None
        and puts_off(ctx.sentences[evidence].text)
    )
