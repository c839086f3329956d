"""Problem solving: the problem found, probing questions, explanation, solutions, ownership,
resolution confirmed, and the outcome of the call."""

from __future__ import annotations

import re

from callqa.qa_rules.behaviours.base import Detector, is_question, matching, phrases, register
from callqa.qa_rules.context import AnalysisContext
from callqa.qa_rules.findings import Finding

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
    "how (are|is) you", "how can i help", "anything else", "how may i help", "what can i do for"
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
    "is that (ok|okay|alright|all right)",
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
    "that('s| is) (all|everything) i needed",
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


def problem_statement(ctx: AnalysisContext) -> int | None:
    """The customer sentence that best states the problem, from the first half of the call."""
    customer = ctx.by_speaker("customer")
    early = [i for i in customer if i <= max(len(ctx.sentences) // 2, 4)]
    scores = ctx.prototype_scores.get("problem")
    if scores is None or not early:
        return None
    candidates = [
        (scores[i] + 0.15 * bool(PROBLEM_CUES.search(ctx.sentences[i].text)), i)
        for i in early
        if len(ctx.sentences[i].text.split()) >= 4
    ]
    best = max(candidates, default=None)
    return best[1] if best and best[0] >= 0.4 else None


def first_relevant_reply(ctx: AnalysisContext, index: int, threshold: float = 0.45) -> int | None:
    """The first agent sentence after sentence ``index``'s turn that is about what it says."""
    turn = ctx.sentences[index].turn
    similarity = ctx.embeddings @ ctx.embeddings[index]
    for i in ctx.by_speaker("agent"):
        if ctx.sentences[i].turn > turn and similarity[i] >= threshold:
            return i
    return None


OUTCOMES = ("resolved", "unresolved", "transferred", "escalated", "callback")


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
        *OUTCOMES,
    )
    prototypes = {
        "problem": (
            "I was charged twice for my order",
            "my card was declined",
            "I can't log in to my account",
            "my internet keeps dropping",
            "I never received my package",
            "there's a mistake on my bill",
            "I want to cancel my subscription",
            "I need to change the address on my account",
            "the app crashes when I open it",
        ),
    }

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
        for label, polarity, pattern, what in (
            ("explanation", "positive", EXPLANATION, "Explained the cause or how it works"),
            ("solution_offered", "positive", SOLUTION, "Offered or carried out a solution"),
            ("ownership", "positive", OWNERSHIP, "Took ownership of the problem"),
            ("deflection", "negative", DEFLECTION, "Deflected the problem elsewhere"),
        ):
            findings += self.recurring(ctx, label, polarity, matching(ctx, pattern, "agent"), what)
        confirmed = self._confirmed(ctx)
        findings += confirmed
        findings.append(self._outcome(ctx, bool(confirmed)))
        return [f for f in findings if f is not None]

    def _identified(self, ctx: AnalysisContext) -> list[Finding]:
        problem = problem_statement(ctx)
        if problem is None:
            return []
        reply = first_relevant_reply(ctx, problem)
        if reply is None:
            why = "The customer stated a problem, but no agent sentence after it addresses it"
            return [self.finding(ctx, "problem_not_addressed", "negative", [problem], why, 0.6)]
        why = "Customer's problem statement, and the first agent sentence that addresses it"
        similarity = float(ctx.embeddings[problem] @ ctx.embeddings[reply])
        confidence = min(1.0, 0.4 + similarity)  # the reply passed a 0.45 similarity bar
        return [
            self.finding(ctx, "problem_identified", "positive", [problem, reply], why, confidence)
        ]

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

    def _outcome(self, ctx: AnalysisContext, confirmed: bool) -> Finding | None:
        agent = ctx.by_speaker("agent")
        if not agent:
            return None
        solved = matching(ctx, SOLUTION, "agent")
        if confirmed:  # the customer said it is fixed: a promised callback is only a follow-up
            why = "Outcome resolved: the customer confirmed it"
            return self.outcome(ctx, "resolved", "positive", (solved or agent)[-1:], why)
        for outcome, pattern in (
            ("transferred", TRANSFERRED),
            ("escalated", ESCALATED),
            ("callback", CALLBACK),
        ):
            hits = matching(ctx, pattern, "agent")
            if hits:
                why = f"Outcome {outcome}: the agent said so"
                return self.outcome(ctx, outcome, "neutral", hits[-1:], why)
        thanked = [i for i in matching(ctx, THANKS, "customer") if i >= len(ctx.sentences) * 0.6]
        if solved and thanked:
            why = "Outcome resolved: a solution, then the customer's thanks"
            return self.outcome(ctx, "resolved", "positive", solved[-1:] + thanked[-1:], why)
        why = "Outcome unresolved: no solution confirmed, transfer, escalation or callback"
        return self.outcome(ctx, "unresolved", "negative", agent[-1:], why)

    def outcome(self, ctx, outcome: str, polarity, sentences, why: str) -> Finding:
        """The call's outcome, as a finding labelled with it (``details`` name it too)."""
        return self.finding(
            ctx, outcome, polarity, sentences, why, 0.7, details={"outcome": outcome}
        )
