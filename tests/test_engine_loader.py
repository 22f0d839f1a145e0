"""Loading BPMN/DMN files: safe XML parsing, located errors, static script checks, call cycles."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from webapp.engine import loader
from webapp.engine.errors import WorkflowFileError
from webapp.engine.loader import MAX_FILE_BYTES, parse_xml_bytes
from webapp.engine.registry import Handler, Registry
from webapp.engine.sandbox import ScriptEngine
from webapp.processes import declared_handlers, discover

FIXTURES = Path(__file__).parent / "fixtures" / "engine"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"
ECHO_HANDLER = "test_engine.echo"  # the operator named in good/approval.bpmn


def _echo(who, count):
    """Test handler: return its arguments plus a date (not JSON-native)."""
    return {"who": who, "count": count, "when": date(2024, 9, 1)}


REGISTRY = Registry()
REGISTRY.add_handler(Handler(ECHO_HANDLER, _echo, "test handler: echoes its arguments"))
for _handler in declared_handlers(discover()):  # the project's own diagrams are loaded too
    REGISTRY.add_handler(_handler)


def load_library(directory: Path):
    """Load a workflows directory against this module's handlers."""
    return loader.load_library(directory, REGISTRY.handler_names())


def workflows(tmp_path: Path, *files: Path) -> Path:
    """Copy fixture files into a fresh workflows directory and return it."""
    target = tmp_path / "workflows"
    target.mkdir(exist_ok=True)
    for path in files:
        shutil.copy(path, target / path.name)
    return target


def only_error(library, filename: str) -> WorkflowFileError:
    """Return the single error reported for ``filename``."""
    found = [err for err in library.errors if err.filename == filename]
    assert len(found) == 1, library.errors
    return found[0]


def run(library, process_id: str, **data) -> BpmnWorkflow:
    """Start ``process_id`` with ``data`` and run engine steps."""
    spec, subprocess_specs = library.spec(process_id)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=ScriptEngine(REGISTRY))
    workflow.get_tasks()[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def test_good_library_loads_and_runs_to_completion():
    library = load_library(GOOD)
    assert library.errors == []
    assert library.process_ids() == ["approval", "review_sub"]
    assert library.process_name("approval") == "Teacher approval"
    assert library.source_file("approval") == "approval.bpmn"
    workflow = run(library, "approval", birth_year=1984, title_raw=" Senior ", name="张三")
    assert workflow.is_completed()
    data = workflow.last_task.data
    assert data["level"] == "young_senior"  # DMN `< 45` and `"senior"` (UNIQUE: first match)
    assert data["duties"] == ["mentor", "teach"]  # COLLECT, with `?` and `-` cells
    assert data["review_note"] == "checked 张三 (40)"  # from the called process
    assert data["notified"] == {"who": "张三", "count": 2, "when": "2024-09-01"}
    assert data["total"] == data["total"].__class__("3.30")


def test_good_library_other_branches():
    library = load_library(GOOD)
    senior = run(library, "approval", birth_year=1970, title_raw="senior", name="李四")
    assert senior.last_task.data["level"] == "senior"
    junior = run(library, "approval", birth_year=1990, title_raw="teacher", name="王五")
    assert junior.is_completed()
    assert junior.last_task.data["duties"] == ["teach"]
    assert "notified" not in junior.last_task.data


def test_unknown_process_is_a_key_error():
    with pytest.raises(KeyError):
        load_library(GOOD).spec("no_such_process")


@pytest.mark.parametrize("name", ["doctype_external.bpmn", "doctype_internal.bpmn"])
def test_doctype_rejected(name, tmp_path):
    data = (BAD / name).read_bytes()
    with pytest.raises(WorkflowFileError) as caught:
        parse_xml_bytes(data, name)
    assert (caught.value.filename, caught.value.line) == (name, 2)
    assert "DOCTYPE" in caught.value.message
    library = load_library(workflows(tmp_path, BAD / name))
    assert only_error(library, name).line == 2
    assert library.process_ids() == []


def test_doctype_rejected_in_any_case_and_encoding():
    with pytest.raises(WorkflowFileError, match="DOCTYPE"):
        parse_xml_bytes(b'<?xml version="1.0"?>\n<!DocType x>\n<x/>', "mixed.bpmn")
    # UTF-16 hides "<!DOCTYPE" from a byte search: the parsed tree's docinfo must catch it.
    text = (BAD / "doctype_internal.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(WorkflowFileError, match="DOCTYPE"):
        parse_xml_bytes(text.encode("utf-16"), "utf16.bpmn")


def test_gbk_file_with_encoding_declaration_parses(tmp_path):
    library = load_library(workflows(tmp_path, FIXTURES / "encodings" / "gbk.bpmn"))
    assert library.errors == []
    assert library.process_name("gbk_process") == "骨干教师申报"
    assert run(library, "gbk_process").last_task.data["level"] == "市级骨干教师"


def test_malformed_xml_gives_file_and_line(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "malformed.bpmn", GOOD / "review_sub.bpmn"))
    error = only_error(library, "malformed.bpmn")
    assert error.line == 5
    assert "malformed XML" in error.message
    assert library.process_ids() == ["review_sub"]  # one bad file does not hide the others


def test_validation_error_gives_file_line_and_element(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "invalid_gateway.bpmn"))
    error = only_error(library, "invalid_gateway.bpmn")
    assert (error.line, error.element_id) == (14, "Flow_ig_a")
    assert str(error).startswith("invalid_gateway.bpmn:14 [Flow_ig_a]: Non-default exclusive")
    with pytest.raises(WorkflowFileError):
        library.spec("invalid_gateway")


def test_schema_error_gives_line_and_element(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "schema_error.bpmn"))
    error = only_error(library, "schema_error.bpmn")
    assert (error.line, error.element_id) == (6, "Bogus_1")
    assert "bpmn:bogus" in error.message and "not allowed at this place" in error.message


def test_unquoted_timer_flagged_with_line(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "timer_unquoted.bpmn", BAD / "timer_ok.bpmn",
                                     BAD / "timer_invalid.bpmn"))
    unquoted = only_error(library, "timer_unquoted.bpmn")
    assert (unquoted.line, unquoted.element_id) == (13, "Task_timer_unquoted")
    assert '"P5D"' in unquoted.message
    invalid = only_error(library, "timer_invalid.bpmn")
    assert (invalid.line, invalid.element_id) == (11, "Boundary_timer")
    assert library.process_ids() == ["timer_ok"]


def test_self_calling_call_activity_flagged(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "self_call.bpmn"))
    error = only_error(library, "self_call.bpmn")
    assert (error.line, error.element_id) == (9, "Task_self_call")
    assert "cycle" in error.message
    with pytest.raises(WorkflowFileError, match="cycle"):
        library.spec("self_call")


def test_call_cycle_and_missing_and_broken_callee(tmp_path):
    library = load_library(workflows(
        tmp_path, BAD / "cycle_a.bpmn", BAD / "cycle_b.bpmn", BAD / "calls_missing.bpmn",
        BAD / "calls_broken.bpmn", BAD / "timer_unquoted.bpmn"))
    assert library.process_ids() == []
    for process_id in ("cycle_a", "cycle_b"):
        with pytest.raises(WorkflowFileError, match="cycle"):
            library.spec(process_id)
    assert "no_such_process" in only_error(library, "calls_missing.bpmn").message
    with pytest.raises(WorkflowFileError, match="timer_unquoted"):
        library.spec("calls_broken")


def test_unsafe_script_flagged_at_its_line(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "unsafe_script.bpmn"))
    error = only_error(library, "unsafe_script.bpmn")
    assert (error.line, error.element_id) == (13, "Task_unsafe_script")
    assert "import not allowed" in error.message


def test_reserved_ids_flagged(tmp_path):
    library = load_library(workflows(tmp_path, BAD / "reserved_id.bpmn"))
    assert only_error(library, "reserved_id.bpmn").element_id == "End"


def _probe_dir(tmp_path: Path, script="x = 1", condition="x == 1", cell="-") -> Path:
    """Write the probe template with the given snippets into a workflows directory."""
    target = tmp_path / "workflows"
    target.mkdir(exist_ok=True)
    bpmn = (FIXTURES / "probe" / "probe.bpmn").read_text()
    bpmn = bpmn.replace("PROBE_SCRIPT", escape(script)).replace("PROBE_CONDITION", escape(condition))
    (target / "probe.bpmn").write_text(bpmn)
    dmn = (FIXTURES / "probe" / "probe.dmn").read_text().replace("PROBE_CELL", escape(cell))
    (target / "probe.dmn").write_text(dmn)
    return target


STATIC_PROBES = [
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "getattr(x, '__class__')",
    "9**9**9",
    "'a'*100000",
]


@pytest.mark.parametrize("probe", STATIC_PROBES)
@pytest.mark.parametrize("place, filename, element_id", [
    ("script", "probe.bpmn", "Task_script"),
    ("condition", "probe.bpmn", "Flow_cond"),
    ("cell", "probe.dmn", "Entry_probe"),
])
def test_probes_flagged_before_running(probe, place, filename, element_id, tmp_path):
    snippet = f"y = {probe}" if place == "script" else probe
    library = load_library(_probe_dir(tmp_path, **{place: snippet}))
    error = only_error(library, filename)
    assert error.element_id == element_id
    assert library.process_ids() == []  # the process using the file cannot start


def test_probe_template_itself_is_fine(tmp_path):
    library = load_library(_probe_dir(tmp_path, cell="< 45"))
    assert library.errors == []
    assert run(library, "probe").last_task.data["result"] == "hit"


def test_file_too_large(tmp_path):
    with pytest.raises(WorkflowFileError, match="2 MB"):
        parse_xml_bytes(b" " * (MAX_FILE_BYTES + 1), "big.bpmn")
    directory = workflows(tmp_path)
    (directory / "big.bpmn").write_bytes(b" " * (MAX_FILE_BYTES + 1))
    assert "2 MB" in only_error(load_library(directory), "big.bpmn").message


def test_very_long_chain_is_an_error_not_a_crash(tmp_path):
    tasks = 1500
    flows = "".join(
        f'<bpmn:sequenceFlow id="F{i}" sourceRef="T{i}" targetRef="T{i + 1}" />'
        f'<bpmn:manualTask id="T{i + 1}" />' for i in range(tasks))
    text = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"'
        ' targetNamespace="http://x">'
        '<bpmn:process id="chain" isExecutable="true"><bpmn:startEvent id="T0" />'
        f'{flows}<bpmn:sequenceFlow id="Fend" sourceRef="T{tasks}" targetRef="E" />'
        '<bpmn:endEvent id="E" /></bpmn:process></bpmn:definitions>')
    directory = workflows(tmp_path)
    (directory / "chain.bpmn").write_text(text)
    library = load_library(directory)
    assert "RecursionError" in only_error(library, "chain.bpmn").message
    with pytest.raises(WorkflowFileError):
        library.spec("chain")


def test_error_string_format():
    error = WorkflowFileError("self_application.bpmn", 42, "Task_review", "something is wrong")
    assert str(error) == "self_application.bpmn:42 [Task_review]: something is wrong"
    assert str(WorkflowFileError("a.bpmn", None, None, "bad")) == "a.bpmn: bad"


def test_unknown_handler_and_id_clash_are_flagged_with_line(tmp_path):
    source = (Path(__file__).parent.parent / "workflows" / "school_vote.bpmn").read_text(encoding="utf-8")
    target = tmp_path / "workflows"
    target.mkdir()
    broken = source.replace('serviceTaskOperator id="close_round"', 'serviceTaskOperator id="count_votez"', 1)
    (target / "school_vote.bpmn").write_text(broken, encoding="utf-8")
    shutil.copy(Path(__file__).parent.parent / "workflows" / "vote_rules.dmn", target / "vote_rules.dmn")
    error = only_error(load_library(target), "school_vote.bpmn")
    assert "count_votez" in error.message and "names no handler" in error.message
    line = next(n for n, text in enumerate(broken.splitlines(), start=1) if "count_votez" in text)
    assert error.line == line

    clash = source.replace('id="step_close_round"', 'id="close_round"').replace('"step_close_round"', '"close_round"')
    (target / "school_vote.bpmn").write_text(clash, encoding="utf-8")
    error = only_error(load_library(target), "school_vote.bpmn")
    assert "same id as a diagram element" in error.message
