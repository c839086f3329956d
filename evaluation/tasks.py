"""Every evaluation task by name: the trained heads', the behaviour detectors' and the case
index's."""

from __future__ import annotations

from callqa.evaluation.act_tasks import ACT_TASKS
from callqa.evaluation.behaviour_tasks import BEHAVIOUR_TASKS
from callqa.evaluation.call_qa import CALL_QA_TASK
from callqa.evaluation.harness import Task, evaluate
from callqa.evaluation.head_tasks import HEAD_TASKS
from callqa.evaluation.outcome_tasks import OUTCOME_TASK
from callqa.evaluation.similar_issues import SIMILAR_ISSUES

__all__ = ["TASKS", "Task", "evaluate"]

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        *HEAD_TASKS,
        *ACT_TASKS,
        OUTCOME_TASK,
        CALL_QA_TASK,
        *BEHAVIOUR_TASKS,
        SIMILAR_ISSUES,
    )
}
