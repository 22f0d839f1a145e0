"""What one sandboxed evaluation costs: the hot path of gateway conditions, DMN cells and scripts.

Every gateway condition, DMN cell, service-task parameter, due date and assignee is one
evaluation, so the sandbox's own overhead per evaluation must stay small. Measured per snippet:
(raw) CPython's `eval` of the same code with a prepared globals dict, the floor; (env) our
`SandboxedEnvironment.evaluate`/`execute` with task data; (engine) the script engine as
SpiffWorkflow calls it, `ScriptEngine.evaluate(task, expression)`. Medians of several rounds, in
microseconds per evaluation. No database is needed.

    .venv/bin/python bench/bench_sandbox.py [--quick]
"""
from __future__ import annotations

import statistics
import time
from xml.sax.saxutils import escape

from common import ROOT, arguments, save_result  # noqa: F401  (puts the project on sys.path)

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402

from webapp.engine.loader import parse_xml_bytes  # noqa: E402
from webapp.engine.sandbox import SandboxedEnvironment, ScriptEngine  # noqa: E402

DATA = {
    "age": 44, "teaching_years": 12, "level": "county", "category": "backbone",
    "review_decision": "accept", "eligibility": [], "tally": {"quorum_met": True, "tie": False},
    "extension": {"deadline": "2026-12-01T00:00:00+08:00", "ok": True},
    "members": [{"id": n, "name": f"委员{n}"} for n in range(12)],
}
# (label, code, mode): what the shipped diagrams and tables evaluate, plus arithmetic and a loop.
SNIPPETS = [
    ("DMN cell", "(age) < (45)", "eval"),
    ("condition", 'review_decision == "return"', "eval"),
    ("condition with call", "len(eligibility) > 0", "eval"),
    ("subscript", 'tally["quorum_met"]', "eval"),
    ("arithmetic", "teaching_years * 2 + age - 1", "eval"),
    ("comprehension", "[m['id'] for m in members if m['id'] % 2]", "eval"),
    ("script", 'ballot_deadline = extension["deadline"]', "exec"),
]
PROBE = ROOT / "tests" / "fixtures" / "engine" / "probe"


def per_call_us(function, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean time of one call, in microseconds."""
    results = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        results.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(results)


def probe_task():
    """A READY task of a parsed probe workflow, for calls through the script engine."""
    bpmn = (PROBE / "probe.bpmn").read_text().replace("PROBE_SCRIPT", "x = 1").replace("PROBE_CONDITION", escape("x == 1"))
    dmn = (PROBE / "probe.dmn").read_text().replace("PROBE_CELL", "-")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(parse_xml_bytes(bpmn.encode(), "probe.bpmn"), filename="probe.bpmn")
    parser.add_dmn_xml(parse_xml_bytes(dmn.encode(), "probe.dmn").getroot(), filename="probe.dmn")
    engine = ScriptEngine()
    workflow = BpmnWorkflow(parser.get_spec("probe"), parser.get_subprocess_specs("probe"), script_engine=engine)
    task = workflow.get_next_task()
    task.data.update(DATA)
    return engine, task


def main() -> None:
    """Measure each snippet three ways and print a table."""
    args = arguments(__doc__.split("\n")[0])
    calls, rounds = (2_000, 3) if args.quick else (20_000, 7)
    env = SandboxedEnvironment()
    engine, task = probe_task()
    rows = []
    print(f"{'snippet':<22}{'raw eval':>10}{'env':>10}{'engine':>10}  µs per evaluation ({calls} calls × {rounds})")
    for label, code, mode in SNIPPETS:
        compiled = compile(code, "<string>", mode)
        scope = dict(DATA, __builtins__=__builtins__)
        run = eval if mode == "eval" else exec
        raw = per_call_us(lambda: run(compiled, dict(scope)), calls, rounds)
        if mode == "eval":
            sandboxed = per_call_us(lambda: env.evaluate(code, DATA), calls, rounds)
            through_engine = per_call_us(lambda: engine.evaluate(task, code), calls, rounds)
        else:
            sandboxed = per_call_us(lambda: env.execute(code, dict(DATA)), calls, rounds)
            through_engine = per_call_us(lambda: engine.execute(task, code), calls, rounds)
        rows.append({"snippet": label, "code": code, "raw_us": round(raw, 2), "env_us": round(sandboxed, 2),
                     "engine_us": round(through_engine, 2)})
        print(f"{label:<22}{raw:>10.2f}{sandboxed:>10.2f}{through_engine:>10.2f}")
    save_result("bench_sandbox", {"calls": calls, "rounds": rounds, "rows": rows})


if __name__ == "__main__":
    main()
