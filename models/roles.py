"""Which diarised speaker is the agent: a cue-phrase heuristic for unlabelled speakers.

Used when a transcript names its speakers only as ``spk_0``/``spk_1`` (diarisation) and no
mapping was given. The agent is the party who greets with the company name or offers help;
when nobody does, the first speaker is taken to be the agent (agents open most calls). The
transcript records ``speaker_method="role-heuristic"`` so users know roles were inferred.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

AGENT_CUES = re.compile(
    r"thank(s| you) for (calling|contacting|holding|waiting)|how (can|may|could) i (help|assist)"
    r"|what can i do for you|my name is|this is \w+ (from|at|with)|you'?ve reached|welcome to"
    r"|speaking[,.]? how|let me (check|look|pull)|i can help",
    re.IGNORECASE,
)


def agent_label(turns: Sequence[tuple[str, str]], opening_turns: int = 3) -> str:
    """The label of the agent among ``(label, text)`` turns, judged by their opening turns."""
    if not turns:
        raise ValueError("no turns to assign roles from")
    scores: dict[str, int] = {}
    seen: dict[str, int] = {}
    for label, text in turns:
        seen[label] = seen.get(label, 0) + 1
        if seen[label] <= opening_turns:
            scores[label] = scores.get(label, 0) + len(AGENT_CUES.findall(text))
    best = max(scores.values())
    if best == 0:
        return turns[0][0]
    return next(label for label, score in scores.items() if score == best)
