"""An office's process about a call (training, conferral): its title in both languages and the call's
labels its steps show, written in one place."""
from __future__ import annotations

from ..engine.runtime import WorkflowEngine
from ..models import Organisation, ProcessInstance, User
from ..titles import call_title
from ..workflow.operations import start_instance


def start_call_instance(engine: WorkflowEngine, process_id: str, office: Organisation, actor: User, cycle,
                        stage: str, stage_en: str, data: dict) -> ProcessInstance:
    """Start `process_id` in the office, titled "office · call · stage", with the office's name and the
    call's title (`title_label`, `title_label_en`) added to `data`."""
    return start_instance(
        engine, process_id, org=office, actor=actor,
        title=f"{office.name} · {call_title(cycle, english=False)} · {stage}",
        title_en=f"{office.name} · {call_title(cycle, english=True)} · {stage_en}",
        data={**data, "office_name": office.name, "title_label": call_title(cycle, english=False),
              "title_label_en": call_title(cycle, english=True)},
    )
