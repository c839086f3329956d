"""How far two annotators of the gold set agree: outcomes, "deserves review" and the 24
criteria of the calls a second annotator labelled on their own (``second-annotator.jsonl``),
as raw agreement and Cohen's kappa. It is the ceiling for callqa's agreement with the gold.

    python -m callqa.evaluation.annotator_agreement
"""

from __future__ import annotations

import json
from pathlib import Path

from callqa.evaluation.call_qa import GOLD, GOLD_SETS, cohen_kappa

SECOND = GOLD / "second-annotator.jsonl"


def agreement(first: dict[str, dict], second: dict[str, dict]) -> dict[str, tuple[float, float]]:
    """Per field (outcome, deserves_review, each criterion, and all criteria together): the
    share of calls both annotators answered alike, and Cohen's kappa."""
    ids = sorted(second)
    pairs: dict[str, list[tuple[str, str]]] = {
        "outcome": [(first[i]["outcome"], second[i]["outcome"]) for i in ids],
        "deserves_review": [
            (str(first[i]["deserves_review"]), str(second[i]["deserves_review"])) for i in ids
        ],  # fmt: skip
    }
    for i in ids:
        for criterion, theirs in second[i]["criteria"].items():
            ours = first[i]["criteria"][criterion]
            answer = ours["answer"] if isinstance(ours, dict) else ours
            pairs.setdefault(criterion, []).append((answer, theirs))
    criteria = [p for name, found in pairs.items() if name not in ("outcome", "deserves_review")
                for p in found]  # fmt: skip
    pairs["all criteria"] = criteria
    return {name: (sum(a == b for a, b in found) / len(found), cohen_kappa(found))
            for name, found in pairs.items()}  # fmt: skip


def main() -> None:
    first = {}
    for _, labels, _ in GOLD_SETS:
        path = GOLD / labels
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if "call_id" in item:
                first[item["call_id"]] = item
    second = {item["call_id"]: item for item in map(json.loads, _lines(SECOND))}
    print(f"{len(second)} calls labelled by both annotators")
    for name, (share, kappa) in agreement(first, second).items():
        print(f"{name:22} agreement {share:.3f}  kappa {kappa:.2f}")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    main()
