"""The report of a `tkctl test` run: text for people, JSON for machines, JUnit XML for CI.

All three come from `run_data`, the one serialisable form of a run, so they never disagree;
each renderer writes to the stream it is given. A failed expectation shows at most a few
offending slots and then how many more there are (`core/verdict.py` keeps the sample).
The JUnit XML is one testsuite with a testcase per test and a failure per failed
expectation, the shape GitHub, GitLab and Jenkins read (docs/testing.md).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any, TextIO

from tkctl.core.expect import day_text
from tkctl.core.verdict import FAIL, PASS, SKIP, Outcome, plural, slot_text, time_text
from tkctl.render.color import style
from tkctl.testrun.runner import ERROR, Run, TestResult

FORMAT_VERSION = 1  # of the JSON report; docs/testing.md says when it changes
FORMATS = ("text", "json", "junit")
_COLORS = {PASS: "green", FAIL: "red", ERROR: "red", SKIP: "yellow"}
_TEST_WORD = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR"}
_EXPECTATION_WORD = {PASS: "ok", FAIL: "FAIL", SKIP: "skip"}


def _outcome_data(outcome: Outcome, result: TestResult) -> dict[str, Any]:
    window = result.window
    assert window is not None  # outcomes exist only once the window is known
    shown = [slot_text(s, window) for s in outcome.slots] + [time_text(t, window) for t in outcome.missing]
    return {
        "expectation": outcome.name,
        "expected": outcome.expected,
        "status": outcome.status,
        "message": outcome.message,
        "offending": shown,
        "offending_count": outcome.count,
    }


def _test_data(result: TestResult) -> dict[str, Any]:
    test, window = result.test, result.window
    location = test.location
    return {
        "name": test.name,
        "status": result.status,
        "object": test.address,
        "source": f"{location.file}:{location.line}" if location else None,
        "timezone": test.timezone,
        "first_day": window.first_day.isoformat() if window else None,
        "last_day": window.last_day.isoformat() if window else None,
        "query": ({"from": window.query_start.astimezone(window.zone).isoformat(timespec="seconds"),
                   "to": window.end.astimezone(window.zone).isoformat(timespec="seconds"),
                   "length": test.length} if window else None),
        "slots": result.slots if window else None,
        "error": result.error,
        "expectations": [_outcome_data(o, result) for o in result.outcomes],
    }


def run_data(run: Run) -> dict[str, Any]:
    """The one serialisable form of a run: the JSON report, and what text and JUnit show."""
    return {
        "format_version": FORMAT_VERSION,
        "ok": run.ok,
        "config_dir": run.config_dir,
        "target": {"api_url": None if run.fresh_emulator else run.api_url, "fresh_emulator": run.fresh_emulator,
                   "applied": run.applied},
        "summary": {"tests": len(run.results), "passed": run.count(PASS), "failed": run.count(FAIL),
                    "errors": run.count(ERROR)},
        "notes": list(run.notes),
        "tests": [_test_data(r) for r in run.results],
    }


def render_json(data: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def verdict(data: dict[str, Any]) -> str:
    """The last line of the text report. Worded so that no CI log reader mistakes it for the
    closing line of a test runner ("N passed, N failed")."""
    s = data["summary"]
    line = f"Result: {s['passed']} of {plural(s['tests'], 'test')} passed"
    if s["failed"]:
        line += f", {s['failed']} failed"
    if s["errors"]:
        line += f", {plural(s['errors'], 'error')}"
    return line + "."


def render_text(data: dict[str, Any], out: TextIO, *, color: bool = False) -> None:
    target = data["target"]
    if target["fresh_emulator"]:
        out.write(f"Testing {data['config_dir']} on a fresh emulator (the config applied: {target['applied']}).\n")
    else:
        out.write(f"Testing {data['config_dir']} against {target['api_url']}.\n")
    for test in data["tests"]:
        out.write("\n")
        word = style(_TEST_WORD[test["status"]], color, fg=_COLORS[test["status"]], bold=True)
        kind, key = test["object"].split(".", 1)
        if test["error"] is not None:
            out.write(f"{word} {test['name']}: {kind} \"{key}\": {test['error']}\n")
            continue
        first, last = (day_text(date.fromisoformat(test[k])) for k in ("first_day", "last_day"))
        out.write(f"{word} {test['name']}: {kind} \"{key}\", {first} to {last} ({test['timezone']}), "
                  f"{plural(test['slots'], 'slot')}\n")
        for item in test["expectations"]:
            mark = style(f"{_EXPECTATION_WORD[item['status']]:<5}", color, fg=_COLORS[item["status"]])
            what = item["expectation"] if item["expectation"] == "bookable" else f"{item['expectation']} {item['expected']}"
            out.write(f"  {mark} {what}: {item['message']}\n")
            for line in item["offending"]:
                out.write(f"          {line}\n")
            more = item["offending_count"] - len(item["offending"])
            if more > 0:
                out.write(f"          and {more} more\n")
    out.write(f"\n{verdict(data)}\n")


def _failure_text(item: dict[str, Any]) -> str:
    lines = [f"{item['expectation']} {item['expected']}: {item['message']}", *item["offending"]]
    more = item["offending_count"] - len(item["offending"])
    if more > 0:
        lines.append(f"and {more} more")
    return "\n".join(lines)


def render_junit(data: dict[str, Any], out: TextIO) -> None:
    """JUnit XML: <testsuites> holding one <testsuite>, a <testcase> per test (classname: the
    tested object), a <failure> per failed expectation, an <error> for a test that could not
    run; every expectation's line in <system-out>."""
    s = data["summary"]
    # As JUnit readers recount them: one per <failure> element, one per <error> element.
    failures = sum(1 for t in data["tests"] for i in t["expectations"] if i["status"] == FAIL)
    counts = {"tests": str(s["tests"]), "failures": str(failures), "errors": str(s["errors"]), "skipped": "0"}
    root = ET.Element("testsuites", {"name": "tkctl test", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": f"tkctl test {data['config_dir']}", **counts})
    for test in data["tests"]:
        case = ET.SubElement(suite, "testcase", {"name": test["name"], "classname": test["object"]})
        if test["error"] is not None:
            ET.SubElement(case, "error", {"message": test["error"], "type": "error"}).text = test["error"]
            continue
        for item in test["expectations"]:
            if item["status"] == FAIL:
                failure = ET.SubElement(case, "failure", {"message": f"{item['expectation']}: {item['message']}",
                                                          "type": item["expectation"]})
                failure.text = _failure_text(item)
        lines = [f"{test['object']}, {test['first_day']} to {test['last_day']} ({test['timezone']}), "
                 f"{plural(test['slots'], 'slot')}"]
        lines += [f"{_EXPECTATION_WORD[i['status']]} {i['expectation']}: {i['message']}" for i in test["expectations"]]
        ET.SubElement(case, "system-out").text = "\n".join(lines)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def render(fmt: str, data: dict[str, Any], out: TextIO, *, color: bool = False) -> None:
    if fmt == "json":
        render_json(data, out)
    elif fmt == "junit":
        render_junit(data, out)
    else:
        render_text(data, out, color=color)
