"""Multi-instance tasks that refuse to expand past MULTI_INSTANCE_MAX, and the parser that makes them.

A parallel multi-instance task creates all its instances inside one `task.run()` (10 ** 7 of them
ran for minutes and took hundreds of MB), where no per-step budget can intervene. SpiffWorkflow
has no hook before that expansion, so these subclasses check the count first and put the task in
ERROR with a clear message. They keep the library's class names: serialised specs and states are
unchanged (same content hash, so no new process versions), and every restored instance — also
of older versions — gets the checked classes.
"""
from __future__ import annotations

from collections.abc import Sized

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs import defaults
from SpiffWorkflow.util.task import TaskState

from .limits import EngineLimits

_DEFAULT_LIMITS = EngineLimits()


def _check_instance_count(spec, my_task) -> None:
    """Raise (task in ERROR) if the multi-instance task would create too many instances."""
    limits = getattr(my_task.workflow.script_engine, "limits", None) or _DEFAULT_LIMITS
    try:
        if spec.data_input is not None:
            collection = spec.data_input.get(my_task)
            count = len(collection) if isinstance(collection, Sized) else None
        else:
            count = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
    except Exception:  # noqa: BLE001 - the library raises its own, clearer error next
        return
    problem = limits.check_instances(count) if isinstance(count, int) else None
    if problem:
        my_task._set_state(TaskState.ERROR)
        raise WorkflowTaskException(problem, task=my_task)


class ParallelMultiInstanceTask(defaults.ParallelMultiInstanceTask):
    """Spiff's parallel multi-instance task, checking the number of instances before creating them."""

    def create_children(self, my_task):
        """Create the instances if there are not too many."""
        _check_instance_count(self, my_task)
        super().create_children(my_task)


class SequentialMultiInstanceTask(defaults.SequentialMultiInstanceTask):
    """Spiff's sequential multi-instance task, checking the number of instances before the first."""

    def _update_hook(self, my_task):
        """Start the loop if there are not too many instances."""
        my_task._inherit_data()  # as the base class does first: the count may come from the data
        _check_instance_count(self, my_task)
        return super()._update_hook(my_task)


def _bounded(parser_class, cache: dict = {}):  # noqa: B006 - one subclass per parser class
    """A subclass of a task parser that builds the checked multi-instance tasks."""
    if not (isinstance(parser_class, type) and issubclass(parser_class, TaskParser)):
        return parser_class
    if parser_class not in cache:
        cache[parser_class] = type(parser_class.__name__, (parser_class,), {
            "PARALLEL_MI_CLASS": ParallelMultiInstanceTask,
            "SEQUENTIAL_MI_CLASS": SequentialMultiInstanceTask,
        })
    return cache[parser_class]


class BoundedBpmnParser(SpiffBpmnParser):
    """SpiffBpmnParser whose multi-instance tasks check their size."""

    OVERRIDE_PARSER_CLASSES = {
        tag: (_bounded(parser_class), spec_class)
        for tag, (parser_class, spec_class) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()
    }


def bounded_serializer_config() -> dict:
    """SPIFF_CONFIG with the checked multi-instance classes in place of the library's."""
    config = dict(SPIFF_CONFIG)
    for ours in (ParallelMultiInstanceTask, SequentialMultiInstanceTask):
        (library_class,) = [cls for cls in config if cls.__name__ == ours.__name__]
        config[ours] = config.pop(library_class)
    return config
