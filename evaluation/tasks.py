"""Every evaluation task by name: the trained heads' and the behaviour detectors'."""

from __future__ import annotations

from evaluation.behaviour_tasks import BEHAVIOUR_TASKS
from evaluation.harness import Task, evaluate
from evaluation.head_tasks import HEAD_TASKS

__all__ = ["TASKS", "Task", "evaluate"]

TASKS: dict[str, Task] = {task.name: task for task in (*HEAD_TASKS, *BEHAVIOUR_TASKS)}
