"""One package per BPMN process, each declaring what it adds to the app in one `Process`.

A process package is named exactly like its process id (``workflows/<process_id>.bpmn``,
``handlers/<process_id>.py``); its module ``declaration.py`` exports ``process = Process(...)``
(the package's ``__init__`` stays empty, so that importing its models imports nothing else). `create_app` finds every
package here and registers each declaration in a loop (`register_processes`): no central file
names a process. What a declaration may hold:

- ``blueprint``: its pages (``pages.py``);
- ``panels``: task-page panels by name (property ``panel`` in the diagram);
- ``handler_module``: the module of its service-task functions (``handlers.<process_id>``),
  imported and registered here, so that handlers may import the package without a cycle;
- ``navigation``: entries for the navigation bar, each shown when its ``visible(user)`` says so;
- ``template_globals``: label functions its templates (and others') use;
- ``teacher_stage``: where a teacher's applications stand in this process, for *我的申报* and the
  career record (application id → `TeacherStage`); a later ``stage_order`` wins;
- ``teacher_candidacies``: where a teacher stands in this process without an application of theirs
  (a city review's pool drawn from the title register), each a `Candidacy`, listed on *我的申报*;
- ``outcomes``: what a person is told right after completing a step, when the process knows
  better than the generic message (`webapp.workflow.outcomes`);
- ``jobs``: scheduled jobs of its own (`webapp.scheduler.runner.JobSpec`), run by every scheduler
  beside the common ones (e.g. the annual review's lapse of titles past their end).
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask

from handlers import handlers_in

from ..engine.registry import Handler, PanelRenderer
from ..workflow.outcomes import OutcomeProvider, register_outcome


@dataclass(frozen=True)
class NavEntry:
    """A link in the navigation bar (label: a lazy translated string)."""

    endpoint: str
    label: Any
    visible: Callable[[Any], bool]
    element_id: str | None = None
    order: int = 50


@dataclass(frozen=True)
class StageAction:
    """A button on the teacher's page that posts to `url` (irreversible ones ask to confirm)."""

    url: str
    label: str
    confirm: str | None = None


@dataclass(frozen=True)
class TeacherStage:
    """Where one application stands in a process, as the teacher reads it."""

    label: str
    link_url: str | None = None
    link_label: str | None = None
    action: StageAction | None = None
    css_class: str = ""


TeacherStageProvider = Callable[[Any], dict[int, TeacherStage]]


@dataclass(frozen=True)
class Candidacy:
    """A process a teacher takes part in without an application (e.g. entered from a title held)."""

    title: str        # what it is for, e.g. "2026 · 市级骨干教师"
    through: str      # why the teacher is in it, e.g. the title held
    stage: TeacherStage


CandidacyProvider = Callable[[Any], list[Candidacy]]


@dataclass(frozen=True)
class Process:
    """Everything one process adds to the app besides its BPMN, DMN and form files."""

    process_id: str
    blueprint: Blueprint | None = None
    panels: dict[str, PanelRenderer] = field(default_factory=dict)
    handler_module: str | None = None
    navigation: tuple[NavEntry, ...] = ()
    template_globals: dict[str, Callable[..., Any]] = field(default_factory=dict)
    teacher_stage: TeacherStageProvider | None = None
    teacher_candidacies: CandidacyProvider | None = None
    stage_order: int = 0
    outcomes: tuple[OutcomeProvider, ...] = ()
    jobs: tuple[Any, ...] = ()


def discover() -> list[Process]:
    """Every process package under `webapp/processes/`, in the order of the title's life."""
    found = []
    for module in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if module.ispkg:
            declaration = getattr(importlib.import_module(f"{module.name}.declaration"), "process", None)
            if not isinstance(declaration, Process):
                raise TypeError(f"{module.name}.declaration must export `process = Process(...)`")
            found.append(declaration)
    return sorted(found, key=lambda process: (process.stage_order, process.process_id))


def declared_handlers(processes: Iterable[Process]) -> list[Handler]:
    """The service-task functions of the processes' handler modules."""
    return [handler for process in processes if process.handler_module
            for handler in handlers_in(importlib.import_module(process.handler_module))]


def register_processes(app: Flask, processes: Iterable[Process]) -> None:
    """Mount each process's pages and put its handlers and panels in the engine's registry."""
    registry = app.extensions["workflow_engine"].registry
    processes = list(processes)
    for process in processes:
        if process.blueprint is not None:
            app.register_blueprint(process.blueprint)
        for handler in declared_handlers([process]):
            registry.add_handler(handler)
        for name, renderer in process.panels.items():
            registry.add_panel(name, renderer)
        for provider in process.outcomes:
            register_outcome(app, provider)
        app.jinja_env.globals.update(process.template_globals)
    app.extensions["processes"] = processes
    # The scheduler reads these from the app (it never imports a process).
    app.extensions["process_jobs"] = tuple(job for process in processes for job in process.jobs)


def registered(app: Flask) -> list[Process]:
    """The processes registered on this app."""
    return app.extensions.get("processes", [])


def teacher_stages(app: Flask, user: Any) -> dict[int, TeacherStage]:
    """Application id → its latest stage over every process (later processes override earlier)."""
    stages: dict[int, TeacherStage] = {}
    for process in registered(app):
        if process.teacher_stage is not None:
            stages.update(process.teacher_stage(user))
    return stages


def teacher_candidacies(app: Flask, user: Any) -> list[Candidacy]:
    """What the teacher takes part in without an application, over every process, in process order."""
    return [candidacy for process in registered(app) if process.teacher_candidacies is not None
            for candidacy in process.teacher_candidacies(user)]


def navigation(app: Flask, user: Any) -> list[NavEntry]:
    """The navigation entries the user may see, in order."""
    entries = [entry for process in registered(app) for entry in process.navigation if entry.visible(user)]
    return sorted(entries, key=lambda entry: entry.order)
