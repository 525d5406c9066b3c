"""`tkctl test` end to end: every expectation passing and failing against an account reached by
URL (the emulator as a real server) and on a fresh embedded emulator, the reports (text, JSON,
JUnit read by two parsers), and the errors a user can make.

The config: Anna works Monday to Friday 9-17 in Copenhagen with lunch 12-13; the project books
her for 30 minutes. Slots start every quarter hour, so a day has 11 slots in the morning
(09:00-11:30 starts) and 15 in the afternoon (13:00-16:30 starts): 26 a day, 130 a week.
The window is a Monday 8 to 14 days ahead, written into the file as a date, so the report's
dates are known exactly.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import junitparser
import pytest

from tests.e2e.conftest import write_config

MONDAY = date.today() + timedelta(days=14 - date.today().weekday())


def day(offset: int) -> str:
    """`Mon 2027-01-04`-style text of the window's day `offset` (0 = its Monday)."""
    d = MONDAY + timedelta(days=offset)
    return f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[d.weekday()]} {d.isoformat()}"


RESOURCES = {"anna": {"name": "Anna Jones", "timezone": "Europe/Copenhagen", "availability_constraints": [
    {"block_weekends": {}}, {"allow_hours": {"start": 9, "end": 17}}, {"block_hours": {"start": 12, "end": 13}}]}}
PROJECTS = {"consult": {"name": "Consultation", "resources": ["anna"],
                        "availability": {"mode": "roundrobin_random", "length": "30 minutes"},
                        "booking": {"graph": "instant", "what": "Consultation"}}}
PASSING = f"""
  opening-hours:
    project: consult
    from: {MONDAY}
    days: 7
    timezone: Europe/Copenhagen
    expect:
      min_slots: 130
      max_slots: 130
      only_on: [monday, tuesday, wednesday, thursday, friday]
      within_hours: {{start: "09:00", end: "17:00"}}
      none_between: {{start: "12:00", end: "13:00"}}
      slot_at: ["monday 09:00", "friday 16:30"]
      no_slot_at: ["saturday 10:00", "monday 11:45"]
      bookable: true
"""
FAILING = f"""
  wrong-hours:
    project: consult
    from: {MONDAY}
    timezone: Europe/Copenhagen
    expect:
      min_slots: 131
      max_slots: 100
      only_on: [monday, tuesday, wednesday, thursday]
      within_hours: {{start: "10:00", end: "17:00"}}
      none_between: {{start: "16:00", end: "17:00"}}
      slot_at: ["monday 08:00", "wednesday 12:00"]
      no_slot_at: ["tuesday 09:00"]
      bookable: true
"""
CLOSED = f"""
  closed-at-weekends:
    resource: anna
    from: {MONDAY + timedelta(days=5)}
    days: 2
    expect:
      max_slots: 0
      bookable: true
"""

PASSING_REPORT = f"""PASS opening-hours: project "consult", {day(0)} to {day(6)} (Europe/Copenhagen), 130 slots
  ok    min_slots 130: 130 slots
  ok    max_slots 130: 130 slots
  ok    only_on monday, tuesday, wednesday, thursday, friday: all 130 slots are on these days
  ok    within_hours 09:00-17:00: all 130 slots are inside
  ok    none_between 12:00-13:00: none of 130 slots overlaps it
  ok    slot_at monday 09:00, friday 16:30: offered (2 starts)
  ok    no_slot_at saturday 10:00, monday 11:45: none offered (2 starts)
"""
FAILING_REPORT = f"""FAIL wrong-hours: project "consult", {day(0)} to {day(6)} (Europe/Copenhagen), 130 slots
  FAIL  min_slots 131: 130 slots, fewer than 131
  FAIL  max_slots 100: 130 slots, more than 100
          {day(0)} 09:00-09:30 Anna Jones
          {day(0)} 09:15-09:45 Anna Jones
          {day(0)} 09:30-10:00 Anna Jones
          and 127 more
  FAIL  only_on monday, tuesday, wednesday, thursday: 26 of 130 slots are on other days
          {day(4)} 09:00-09:30 Anna Jones
          {day(4)} 09:15-09:45 Anna Jones
          {day(4)} 09:30-10:00 Anna Jones
          and 23 more
  FAIL  within_hours 10:00-17:00: 20 of 130 slots are outside 10:00-17:00
          {day(0)} 09:00-09:30 Anna Jones
          {day(0)} 09:15-09:45 Anna Jones
          {day(0)} 09:30-10:00 Anna Jones
          and 17 more
  FAIL  none_between 16:00-17:00: 20 of 130 slots overlap 16:00-17:00
          {day(0)} 15:45-16:15 Anna Jones
          {day(0)} 16:00-16:30 Anna Jones
          {day(0)} 16:15-16:45 Anna Jones
          and 17 more
  FAIL  slot_at monday 08:00, wednesday 12:00: 2 of 2 starts not offered
          {day(0)} 08:00
          {day(2)} 12:00
  FAIL  no_slot_at tuesday 09:00: 1 slot offered at these times
          {day(1)} 09:00-09:30 Anna Jones
"""
SKIPPED = ("  skip  bookable: skipped: tkctl books only on a fresh emulator (tkctl test --emulator), never on a real "
           "account, where a booking reaches calendars and customers\n")


def config(tmp_path, *tests: str):
    cfg = write_config(tmp_path / "cfg", RESOURCES, None, PROJECTS)
    (cfg / "tests.yaml").write_text("tests:" + "".join(tests))
    return cfg


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return config(tmp_path, PASSING, FAILING)


def test_against_an_account_reached_by_url_each_expectation_passes_and_fails(tk, cfg):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    tk.emulator.reset_counters()
    result = tk("test", "cfg")
    assert result.code == 1
    assert result.err == ""
    assert result.out == (
        f"Testing cfg against {tk.emulator.base_url}.\n\n" + PASSING_REPORT + SKIPPED + "\n" + FAILING_REPORT + SKIPPED
        + "\nResult: 1 of 2 tests passed, 1 failed.\n")
    # The live ids, read as a plan reads them; one query per test; nothing booked on an account.
    counters = tk.emulator.counters()["by_route"]
    assert counters["POST /v2/availability"] == 2
    assert "POST /v2/bookings" not in counters and tk.api("/bookings") == []


def test_json_names_the_query_and_the_target(tk, cfg):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    result = tk("test", "cfg", "--only", "opening-hours", "--format", "json")
    assert result.code == 0, result.text
    data = json.loads(result.out)
    (test,) = data["tests"]
    zone = ZoneInfo("Europe/Copenhagen")
    assert test["query"] == {
        "from": datetime.combine(MONDAY, time(), zone).isoformat(timespec="seconds"),
        "to": datetime.combine(MONDAY + timedelta(days=7), time(), zone).isoformat(timespec="seconds"),
        "length": None}
    assert test["object"] == "project.consult" and test["source"] == "cfg/tests.yaml:2"
    assert data["target"] == {"api_url": tk.emulator.base_url, "fresh_emulator": False, "applied": None}
    assert data["summary"] == {"tests": 1, "passed": 1, "failed": 0, "errors": 0}


def test_json_report(tk, cfg):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    result = tk("test", "cfg", "--format", "json", "--only", "wrong-*")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["ok"] is False and data["format_version"] == 1 and data["notes"] == []
    (test,) = data["tests"]
    assert {k: test[k] for k in ("name", "status", "timezone", "first_day", "last_day", "slots", "error")} == {
        "name": "wrong-hours", "status": "fail", "timezone": "Europe/Copenhagen", "first_day": MONDAY.isoformat(),
        "last_day": (MONDAY + timedelta(days=6)).isoformat(), "slots": 130, "error": None}
    assert test["expectations"][5] == {
        "expectation": "slot_at", "expected": "monday 08:00, wednesday 12:00", "status": "fail",
        "message": "2 of 2 starts not offered", "offending": [f"{day(0)} 08:00", f"{day(2)} 12:00"],
        "offending_count": 2}
    assert test["expectations"][7]["status"] == "skip"


def test_junit_report_read_by_xml_etree_and_junitparser(tk, cfg, tmp_path):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    result = tk("test", "cfg", "--format", "junit", "--out", "report.xml")
    assert result.code == 1
    assert result.out.startswith("Testing cfg against ")  # the text report still goes to the log
    path = tmp_path / "report.xml"

    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    (suite,) = root
    assert (suite.tag, suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        "testsuite", "tkctl test cfg", "2", "7", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert sorted(cases) == ["opening-hours", "wrong-hours"]
    assert cases["opening-hours"].find("failure") is None
    failures = cases["wrong-hours"].findall("failure")
    assert [f.get("type") for f in failures] == ["min_slots", "max_slots", "only_on", "within_hours", "none_between",
                                                  "slot_at", "no_slot_at"]
    assert failures[2].get("message") == "only_on: 26 of 130 slots are on other days"
    assert failures[2].text.splitlines() == [
        "only_on monday, tuesday, wednesday, thursday: 26 of 130 slots are on other days",
        f"{day(4)} 09:00-09:30 Anna Jones", f"{day(4)} 09:15-09:45 Anna Jones", f"{day(4)} 09:30-10:00 Anna Jones",
        "and 23 more"]
    assert "skip bookable: skipped" in cases["opening-hours"].find("system-out").text

    xml = junitparser.JUnitXml.fromfile(str(path))
    (jsuite,) = list(xml)
    jcases = {c.name: c for c in jsuite}
    assert jcases["opening-hours"].is_passed and not jcases["wrong-hours"].is_passed
    assert jcases["wrong-hours"].classname == "project.consult"
    assert [r.type for r in jcases["wrong-hours"].result] == [f.get("type") for f in failures]
    counted = (jsuite.tests, jsuite.failures, jsuite.errors, jsuite.skipped)
    jsuite.update_statistics()  # recount from the testcases: the attributes must agree
    assert (jsuite.tests, jsuite.failures, jsuite.errors, jsuite.skipped) == counted == (2, 7, 0, 0)


def test_fresh_emulator_applies_then_books_and_cancels(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config(tmp_path, PASSING, CLOSED)
    result = tk("test", "cfg", "--emulator")
    assert result.code == 1, result.text
    assert result.out == (
        "Testing cfg on a fresh emulator (the config applied: 2 created).\n\n" + PASSING_REPORT
        + f"  ok    bookable: booked {day(0)} 09:00-09:30 Anna Jones; its time was no longer offered (booking "
          "cancelled)\n\n"
        + f'FAIL closed-at-weekends: resource "anna", {day(5)} to {day(6)} (Europe/Copenhagen), 0 slots\n'
          "  ok    max_slots 0: 0 slots\n"
          "  FAIL  bookable: no slot to book\n"
          "\nResult: 1 of 2 tests passed, 1 failed.\n")
    # Nothing of it reached the account in TIMEKIT_API_URL, nor the folder's own emulator account.
    assert tk.api("/resources") == [] and tk.api("/bookings") == []
    assert not (tmp_path / "cfg" / ".tkctl").exists()
    # Each run starts from an empty account: the same result again.
    again = tk("test", "cfg", "--emulator")
    assert (again.code, again.out) == (1, result.out)


def test_bookable_confirms_a_tentative_booking_before_checking(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    projects = {"consult": {**PROJECTS["consult"], "booking": {"graph": "confirm_decline", "what": "Consultation"}}}
    cfg = write_config(tmp_path / "cfg", RESOURCES, None, projects)
    (cfg / "tests.yaml").write_text(f"tests:\n  book:\n    project: consult\n    from: {MONDAY}\n"
                                    "    expect: {bookable: true}\n")
    result = tk("test", "cfg", "--emulator")
    assert result.code == 0, result.text
    assert f"  ok    bookable: booked {day(0)} 09:00-09:30 Anna Jones; its time was no longer offered" in result.out


def test_an_object_not_applied_yet_is_an_error_saying_to_apply(tk, cfg):
    result = tk("test", "cfg", "--only", "opening-hours")
    assert result.code == 1
    assert result.out == (
        f"Testing cfg against {tk.emulator.base_url}.\n\n"
        'ERROR opening-hours: project "consult": not in the account yet: apply the config first (tkctl apply), or '
        "test on a fresh emulator with tkctl test --emulator\n"
        "\nResult: 0 of 1 test passed, 1 error.\n")


def test_changes_not_applied_yet_are_noted_and_the_account_is_tested_as_it_is(tk, cfg):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    (cfg / "resources.yaml").write_text((cfg / "resources.yaml").read_text().replace("end: 17", "end: 18"))
    result = tk("test", "cfg", "--only", "opening-hours")
    assert result.code == 0, result.text
    assert result.err == ("note: test opening-hours: resource.anna (update) not applied yet; the test checks the "
                          "account as it is (tkctl plan shows the changes)\n")


def test_an_api_error_fails_that_test_and_the_others_still_run(tk, cfg):
    assert tk("apply", "cfg", "--auto-approve").code == 0
    tk.emulator.add_fault(method="POST", path="/v2/availability", nth=1, status=422)
    result = tk("test", "cfg")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[2].startswith('ERROR opening-hours: project "consult": Timekit API error 422 on POST /availability: ')
    assert lines[4].startswith("FAIL wrong-hours: ")
    assert lines[-1] == "Result: 0 of 2 tests passed, 1 failed, 1 error."


def test_a_window_that_is_over_is_an_error(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config(tmp_path, "\n  old:\n    resource: anna\n    from: 2020-01-06\n    expect: {min_slots: 1}\n")
    result = tk("test", "cfg", "--emulator")
    assert result.code == 1
    assert ('ERROR old: resource "anna": its window (Mon 2020-01-06 to Sun 2020-01-12) is over: nobody can book the '
            "past. Move `from` to a later date, or write next_monday or today\n") in result.out


def test_only_selects_by_name_or_glob_and_refuses_unknown_names(tk, cfg):
    result = tk("test", "cfg", "--emulator", "--only", "nothing-*", "--only", "opening-hours")
    assert result.code == 64
    assert result.err.endswith("\nError: --only nothing-*: no such test. Tests: opening-hours, wrong-hours\n")
    result = tk("test", "cfg", "--emulator", "--only", "open*")
    assert result.code == 0 and "wrong-hours" not in result.out


def test_a_config_without_tests_is_an_error(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path / "cfg", RESOURCES)
    result = tk("test", "cfg", "--emulator")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: no tests in cfg: add a tests: section to an object file (docs/testing.md shows one)\n"


def test_mistakes_in_tests_name_file_line_test_and_field(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config(tmp_path, """
  a:
    project: consul
    expect: {min_slots: 1}
  b:
    resource: anna
    expect:
      only_on: [mon]
      within_hour: {start: "09:00", end: "17:00"}
  c:
    project: consult
    timezone: Europe/Copenhagen
    expect: {bookable: 1}
""")
    for command in (("validate", "cfg"), ("test", "cfg", "--emulator")):
        result = tk(*command)
        assert (result.code, result.out) == (1, "")
        assert result.err == (
            "error: 4 problems in the config:\n"
            '  cfg/tests.yaml, line 3, column 5: test "a": project: project "consul" is not defined; did you mean '
            '"consult"?\n'
            '  cfg/tests.yaml, line 8, column 17: test "b": expect.only_on[0]: must be a weekday, monday to sunday '
            '(got "mon")\n'
            '  cfg/tests.yaml, line 9, column 7: test "b": expect.within_hour: unknown field; did you mean '
            '"within_hours"?\n'
            '  cfg/tests.yaml, line 13, column 14: test "c": expect.bookable: must be true or false (got 1)\n')


def test_test_names_are_unique_across_files_and_a_project_needs_one_timezone(tk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    resources = {**RESOURCES, "ben": {"name": "Ben", "timezone": "Europe/London"}}
    projects = {"both": {"name": "Both", "resources": ["anna", "ben"]},
                "classes": {"name": "Classes", "resources": ["anna"], "booking": {"graph": "group_customer"}}}
    cfg = write_config(tmp_path / "cfg", resources, None, projects)
    (cfg / "a.yaml").write_text("tests:\n  t1:\n    project: both\n    expect: {min_slots: 1}\n")
    (cfg / "b.yaml").write_text("tests:\n  t1:\n    resource: anna\n    expect: {min_slots: 1}\n"
                                "  t2:\n    project: classes\n    expect: {bookable: true}\n")
    result = tk("validate", "cfg")
    assert result.code == 1
    assert result.err == (
        "error: 3 problems in the config:\n"
        '  cfg/a.yaml, line 2, column 3: test "t1": timezone: required field is missing: the resources of project '
        '"both" are in several time zones (Europe/Copenhagen, Europe/London); say which one the expectations read '
        "times in\n"
        '  cfg/b.yaml, line 2, column 3: test "t1": also defined at cfg/a.yaml, line 2, column 3; test names must be '
        "unique\n"
        '  cfg/b.yaml, line 7, column 14: test "t2": expect.bookable: cannot be checked: customers of project "classes" '
        "(group_customer) book seats in classes, not free slots; leave bookable out of this test\n")
