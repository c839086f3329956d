"""Print the README's evaluation table: every task on its data set, ours beside the published.

python -m callqa.evaluation.table --datasets ../shared/datasets      # all tasks (about 45 min)
python -m callqa.evaluation.table --datasets ../shared/datasets emotion politeness
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from callqa.evaluation.tasks import TASKS, evaluate


def markdown(results: list[dict[str, Any]]) -> str:
    """One row per published or target metric, then the primary metric, for each task."""
    lines = [
        "| task | metric | ours | published / target | gap | n | data |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        shown = []
        for base in result["baselines"]:
            ours = result["metrics"].get(base["metric"])
            gap = f"{ours - base['value']:+.3f}" if ours is not None else ""
            shown.append((base["metric"], ours, f"{base['value']:.3f}", gap))
        if result["primary"] not in {b["metric"] for b in result["baselines"]}:
            shown.append((result["primary"], result["metrics"][result["primary"]], "", ""))
        for metric, ours, published, gap in shown:
            value = "" if ours is None else f"{ours:.3f}"
            lines.append(
                f"| {result['task']} | {metric} | {value} | {published} | {gap} | "
                f"{result['n']:,} | `{Path(result['data']).name or result['data']}` |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, required=True, help="folder of the data sets")
    parser.add_argument("tasks", nargs="*", default=list(TASKS), help="tasks (default: all)")
    args = parser.parse_args()
    results = [
        evaluate(TASKS[name], args.datasets / data)
        for name in args.tasks
        for data in (TASKS[name].data_hint, *TASKS[name].also_on)
    ]
    print(markdown(results))


if __name__ == "__main__":
    main()
