"""From an HTML form post to a completed task: parse, validate against the schema, check files."""
from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from flask import current_app, request
from flask_babel import gettext as _

from ..definitions.form_sets import form_library_for_instance
from ..engine.runtime import WorkflowEngine
from ..evidence.operations import check_citable, link_to_instance, store_upload
from ..forms import FieldError, FormLibrary, merge_errors
from ..models import HumanTask, User
from . import operations


@dataclass
class SubmitOutcome:
    """The parsed data and the errors (empty when the action went through)."""

    data: dict
    errors: list = field(default_factory=list)


def task_context(engine: WorkflowEngine, task: HumanTask, workflow=None) -> dict:
    """The process data the task sees (binds a form's options and limits; read-only use)."""
    workflow = workflow or engine.restore(task.instance)
    spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
    return spiff_task.data if spiff_task is not None else {}


def current_form_data(engine: WorkflowEngine, task: HumanTask, workflow=None, context: dict | None = None) -> dict:
    """The draft if there is one, else the values the process holds for the form's fields."""
    if task.draft_json is not None:
        return task.draft_json
    if not task.form_file or task.secret_handler:
        return {}
    fields = form_library_for_instance(task.instance).property_names(task.form_file)
    if context is None:
        context = task_context(engine, task, workflow)
    return {name: context[name] for name in fields if name in context}


def read_form(form_file: str, user: User, instance, *, previous: dict, context: dict | None,
              draft: bool = False, library: FormLibrary | None = None) -> tuple[dict, list, set[str]]:
    """Parse the posted form, store its uploads, check cited files and validate (a draft may be
    incomplete, but its types, choices, sizes and characters are checked all the same).

    Returns the data, the errors, and the evidence ids the data cites. `instance` (or None for a
    form outside any process) limits which already-stored files may be cited. The form comes from
    `library` if given (a page of a process showing a form of its own, e.g. the school vote's
    objection form drawn with the round's pinned forms), else from the instance's pinned forms.
    """
    if library is None:
        library = current_app.extensions["form_library"] if instance is None else form_library_for_instance(instance)
    data, errors = library.parse_submission(
        form_file, request.form, request.files,
        lambda upload, node: store_upload(user, upload, node), previous=previous, context=context,
    )
    cited = library.evidence_ids(form_file, data)
    try:
        check_citable(user, instance, cited)
    except ValueError as refusal:
        errors.append(FieldError(path=(), label="", message=str(refusal)))
    errors = merge_errors(errors, library.validate(form_file, data, context, draft=draft))
    return data, errors, cited


def submit_task_form(engine: WorkflowEngine, user: User, task: HumanTask, action: str) -> SubmitOutcome:
    """Save a draft (`action == 'save'`) or complete the task with the posted form."""
    library = form_library_for_instance(task.instance)
    if not task.form_file:
        if action != "save":
            operations.complete_task(engine, user, task, {})
        return SubmitOutcome(data={})
    # Restored once per submission: the earlier answers limit which files may be kept, and
    # completing the task continues from the same state.
    workflow = engine.restore(task.instance)
    context = task_context(engine, task, workflow)
    data, errors, cited = read_form(
        task.form_file, user, task.instance,
        previous=current_form_data(engine, task, workflow, context), context=context, draft=action == "save",
    )
    if action == "save" and task.secret_handler:
        errors.append(FieldError(path=(), label="", message=_("A secret ballot cannot be saved as a draft.")))
    if errors:
        return SubmitOutcome(data=data, errors=errors)
    if action == "save":
        operations.save_draft(user, task, data)
    else:
        form_keys = tuple(field.key for field in library.fields(task.form_file))
        operations.complete_task(engine, user, task, data, form_keys, workflow=workflow)
        link_to_instance(task.instance, cited, uploaded_by=user)
    return SubmitOutcome(data=data)


