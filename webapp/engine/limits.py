"""The local limits that keep one diagram from tying up a worker (settings, README "Configuration").

Checked when a diagram loads where the value is written in the file (a constant cardinality or
timer cycle), and again when the engine runs (expressions, data, loops).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

# Seconds spent in the app's own service-task handlers during the current advance. They are the
# project's trusted code doing the work a step asks for (a conferral numbering 400 certificates),
# not a diagram looping, so the wall-clock budget of an advance does not count them: otherwise a
# slow moment of the machine would stop an instance after its handler's work was done.
_handler_seconds: ContextVar[float] = ContextVar("handler_seconds", default=0.0)


@contextmanager
def handler_time():
    """Count the block's wall-clock time as handler time (not charged to ENGINE_MAX_SECONDS)."""
    started = time.monotonic()
    try:
        yield
    finally:
        _handler_seconds.set(_handler_seconds.get() + time.monotonic() - started)


@dataclass(frozen=True)
class EngineLimits:
    """How far one diagram may go; each field has a setting of the same name in upper case."""

    multi_instance_max: int = 500  # instances of one multi-instance task (loopCardinality or input)
    timer_cycle_min_seconds: int = 60  # shortest interval of a cycle timer (R5/PT1H)
    timer_cycle_max_count: int = 100  # most repetitions of a cycle timer; R/... (endless) is refused
    engine_max_steps: int = 2_000  # engine steps (script, gateway, service task, ...) per advance
    engine_max_seconds: float = 5.0  # wall-clock seconds of engine steps per advance, handlers excluded
    script_cpu_seconds: float = 1.0  # CPU time of one script or expression
    script_memory_mb: float = 64.0  # growth of the process while one script or expression runs

    @classmethod
    def from_config(cls, config) -> EngineLimits:
        """The limits set in a Flask config (missing keys keep their defaults)."""
        values = {}
        for name, default in cls().__dict__.items():
            key = name.upper()
            if key in config and config[key] is not None:
                values[name] = type(default)(config[key])
        return cls(**values)

    def check_cycle(self, cycles: int, interval: timedelta) -> str | None:
        """What is wrong with a timer cycle of ``cycles`` repetitions every ``interval``, or None."""
        if cycles < 0:
            return (f"a timer cycle without a count (R/...) repeats forever: give one, at most "
                    f"{self.timer_cycle_max_count} (e.g. R3/P1D; TIMER_CYCLE_MAX_COUNT)")
        if cycles > self.timer_cycle_max_count:
            return (f"a timer cycle may repeat at most {self.timer_cycle_max_count} times, not {cycles} "
                    f"(TIMER_CYCLE_MAX_COUNT)")
        if interval.total_seconds() < self.timer_cycle_min_seconds:
            return (f"a timer cycle's interval must be at least {self.timer_cycle_min_seconds} s, not "
                    f"{interval.total_seconds():g} s (TIMER_CYCLE_MIN_SECONDS)")
        return None

    def check_instances(self, count: int) -> str | None:
        """What is wrong with a multi-instance task of ``count`` instances, or None."""
        if count > self.multi_instance_max:
            return (f"a multi-instance task may create at most {self.multi_instance_max} instances, "
                    f"not {count:,} (MULTI_INSTANCE_MAX)")
        return None


# SpiffWorkflow's task iterators stop 1,000 levels below the root: tasks deeper than that are never
# found again and the workflow silently counts as completed. A loop of engine steps that never
# waits deepens the tree by a level per step, so it is stopped well before that.
MAX_TREE_DEPTH = 900


class EngineBudgetExceeded(Exception):
    """One advance ran more engine steps, or longer, than EngineLimits allow."""


class EngineBudget:
    """Counts the steps of one advance and watches its clock (a do_engine_steps callback)."""

    def __init__(self, limits: EngineLimits) -> None:
        self.limits = limits
        self.steps = 0
        self.started = time.monotonic()
        _handler_seconds.set(0.0)

    def __call__(self, task) -> None:
        """Called after each engine step; raises between steps, leaving the workflow consistent."""
        self.steps += 1
        name = getattr(task.task_spec, "bpmn_name", None) or task.task_spec.name
        if self.steps > self.limits.engine_max_steps:
            raise EngineBudgetExceeded(
                f"stopped after {self.limits.engine_max_steps:,} engine steps in one go (ENGINE_MAX_STEPS); "
                f"the diagram probably loops without waiting for anyone (last step: {name})")
        if task.depth > MAX_TREE_DEPTH:
            raise EngineBudgetExceeded(
                f"stopped: the process has looped {task.depth} levels deep without waiting for anyone "
                f"(SpiffWorkflow loses track of tasks below 1,000 levels; last step: {name})")
        elapsed = time.monotonic() - self.started - _handler_seconds.get()
        if elapsed > self.limits.engine_max_seconds:
            raise EngineBudgetExceeded(
                f"stopped after {elapsed:.1f} s of engine steps in one go (ENGINE_MAX_SECONDS, "
                f"{self.steps:,} steps; last step: {name})")
