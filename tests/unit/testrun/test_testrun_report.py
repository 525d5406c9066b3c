"""The reports of `tkctl test` built from hand-made runs, and the reading of availability answers."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from tkctl.core.expect import AvailabilityTest, resolve_window
from tkctl.core.verdict import FAIL, PASS, SKIP, Outcome, Slot
from tkctl.errors import ApiError
from tkctl.testrun.report import render_junit, render_text, run_data, verdict
from tkctl.testrun.runner import Run, TestResult, _read_slots

NOW = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)


def result(name: str, outcomes=(), error=None) -> TestResult:
    test = AvailabilityTest(name, "resource", "anna", "2027-01-04", 7, "Europe/Copenhagen", None, (("min_slots", 1),))
    if error is not None:
        return TestResult(test, error=error)
    return TestResult(test, resolve_window(test, NOW), 3, list(outcomes))


def run(*results: TestResult) -> Run:
    return Run("cfg", "https://api.timekit.io/v2", False, list(results))


def test_an_error_is_shown_with_its_reason_and_counted_apart():
    data = run_data(run(result("a", [Outcome("min_slots", "1", PASS, "3 slots")]),
                        result("b", error="Timekit API error 422 on POST /availability: bad")))
    out = io.StringIO()
    render_text(data, out)
    assert out.getvalue() == (
        "Testing cfg against https://api.timekit.io/v2.\n\n"
        'PASS a: resource "anna", Mon 2027-01-04 to Sun 2027-01-10 (Europe/Copenhagen), 3 slots\n'
        "  ok    min_slots 1: 3 slots\n\n"
        'ERROR b: resource "anna": Timekit API error 422 on POST /availability: bad\n\n'
        "Result: 1 of 2 tests passed, 1 error.\n")
    junit = io.StringIO()
    render_junit(data, junit)
    suite = ET.fromstring(junit.getvalue())[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "1")
    error = suite.find("testcase[@name='b']/error")
    assert error.get("message") == "Timekit API error 422 on POST /availability: bad"


def test_colour_marks_the_words_only_when_asked():
    data = run_data(run(result("a", [Outcome("min_slots", "1", FAIL, "0 slots, fewer than 1"),
                                     Outcome("bookable", "true", SKIP, "skipped: not here")])))
    plain, coloured = io.StringIO(), io.StringIO()
    render_text(data, plain)
    render_text(data, coloured, color=True)
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[31m\x1b[1mFAIL\x1b[0m a:" in coloured.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == plain.getvalue()
    assert "  skip  bookable: skipped: not here\n" in plain.getvalue()


@pytest.mark.parametrize("passed, failed, errors, line", [
    (3, 0, 0, "Result: 3 of 3 tests passed."),
    (1, 1, 0, "Result: 1 of 2 tests passed, 1 failed."),
    (0, 2, 1, "Result: 0 of 3 tests passed, 2 failed, 1 error."),
    (1, 0, 0, "Result: 1 of 1 test passed."),
])
def test_the_last_line_never_reads_like_a_test_runners_closing_line(passed, failed, errors, line):
    summary = {"tests": passed + failed + errors, "passed": passed, "failed": failed, "errors": errors}
    assert verdict({"summary": summary}) == line
    assert not re.fullmatch(r"(\w+: )?\d+ passed, \d+ failed.*", line)


SLOT = {"start": "2027-01-04T09:00:00+01:00", "end": "2027-01-04T10:00:00+01:00",
        "resources": [{"id": "r1", "name": "Anna", "timezone": "Europe/Copenhagen"}]}


def test_slots_are_read_from_the_documented_answer():
    utc = {"start": "2027-01-04T08:00:00Z", "end": "2027-01-04T09:00:00Z", "resources": ["r2"]}
    assert _read_slots({"data": [SLOT, utc, {**SLOT, "resources": None}]}) == [
        Slot(datetime(2027, 1, 4, 8, tzinfo=timezone.utc), datetime(2027, 1, 4, 9, tzinfo=timezone.utc), ("Anna",), ("r1",)),
        Slot(datetime(2027, 1, 4, 8, tzinfo=timezone.utc), datetime(2027, 1, 4, 9, tzinfo=timezone.utc), ("r2",), ("r2",)),
        Slot(datetime(2027, 1, 4, 8, tzinfo=timezone.utc), datetime(2027, 1, 4, 9, tzinfo=timezone.utc)),
    ]


@pytest.mark.parametrize("answer, message", [
    ({"data": {"start": "x"}}, "data is not a list of slots"),
    ([], "data is not a list of slots"),
    ({"data": ["2027-01-04"]}, "data[0] is not an object"),
    ({"data": [SLOT, {**SLOT, "start": "2027-01-04T09:00:00"}]}, "data[1] has no start and end timestamps (start before end)"),
    ({"data": [{**SLOT, "end": SLOT["start"]}]}, "data[0] has no start and end timestamps (start before end)"),
    ({"data": [{**SLOT, "end": 5}]}, "data[0] has no start and end timestamps (start before end)"),
])
def test_an_answer_of_another_shape_is_an_api_error_not_data(answer, message):
    with pytest.raises(ApiError) as caught:
        _read_slots(answer)
    assert str(caught.value) == f"Timekit API error 200 on POST /availability: malformed answer: {message}"
