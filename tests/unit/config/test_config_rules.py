"""What Timekit or its booking widget would reject (problems) or silently ignore (warnings):
durations, widget settings, booking-form fields, reminders, graphs, and constraint lists whose
meaning is likely not what was meant. Each case lists the exact lines a user reads."""

from __future__ import annotations

import textwrap

import pytest

from tkctl.config import check_config, load_config, load_config_with_warnings
from tkctl.errors import ConfigError

UNITS = "seconds, minutes, hours, days, weeks or months"
IGNORED = "(the booking widget ignores it)"

CASES = [
    (
        "durations",
        """\
        projects:
          p:
            name: P
            availability:
              length: 20 minutez
              buffer: 15 mins
              from: tomorrow
              to: 7 months
          q:
            name: Q
            availability: {length: 0 minutes, buffer: 1.5 hours, from: 2024-02-30, to: "30"}
          r:
            name: R
            availability: {length: 60 minutes, from: 2 weeks, to: 1 week}
          s:
            name: S
            availability: {length: null, from: now, to: 26 weeks, buffer: 0 minutes}
          t:
            name: T
            availability: {from: 2026-05-01, to: "2026-04-01T00:00:00Z", length: 30}
        """,
        [
            'cfg/a.yaml, line 5, column 7: project "p": availability.length: "20 minutez" is not a duration: unknown unit '
            '"minutez"; did you mean "20 minutes"?',
            'cfg/a.yaml, line 6, column 7: project "p": availability.buffer: "15 mins" is not a duration: write the unit '
            'in full, not "mins"; did you mean "15 minutes"?',
            'cfg/a.yaml, line 7, column 7: project "p": availability.from: "tomorrow" is not "now", a duration from now '
            f'or a date: unknown unit "tomorrow" (units: {UNITS})',
            'cfg/a.yaml, line 8, column 7: project "p": availability.to: "7 months" is longer than 6 months: Timekit '
            "searches for free times at most 6 months ahead",
            'cfg/a.yaml, line 11, column 20: project "q": availability.length: "0 minutes" is no time at all; a slot '
            "must last longer than 0",
            'cfg/a.yaml, line 11, column 39: project "q": availability.buffer: "1.5 hours" is not a duration: use whole '
            'numbers; did you mean "90 minutes"?',
            'cfg/a.yaml, line 11, column 58: project "q": availability.from: "2024-02-30" is not a real date or time',
            'cfg/a.yaml, line 11, column 76: project "q": availability.to: "30" is not a duration from now or a date: '
            f"a number needs a unit ({UNITS})",
            'cfg/a.yaml, line 20, column 66: project "t": availability.length: must be a string or null, not the '
            "integer 30",
        ],
        [
            'cfg/a.yaml, line 14, column 40: project "r": availability.from: "2 weeks" is not before to ("1 week"): '
            "the search window is empty, so the widget offers no times",
            'cfg/a.yaml, line 20, column 20: project "t": availability.from: "2026-05-01" is not before to '
            '("2026-04-01T00:00:00Z"): the search window is empty, so the widget offers no times',
        ],
    ),
    (
        "widget settings: types and enums are problems, unknown keys warnings",
        """\
        projects:
          p:
            name: P
            ui:
              display_name: 5
              avatar: http://user:secret@clinic.example/a.png
              availability_view: agendaweek
              show_credits: "false"
              time_date_format: 24h-dmy-sun
              timezone: Europe/Copenhagn
              avalability_view: listing
              submit_button: Book
              localization: {submit_buton: Go, success_message: [x]}
          q:
            name: Q
            ui: {availability_view: timeGridWeek, avatar: "https://clinic.example/a.png", time_date_format: false, timezone: null}
          r:
            name: R
            ui: {availability_view: listing, avatar: "", show_timezone_helper: true, booking_date_format: "D. MMMM YYYY",
                 booking_time_format: "HH:mm", localization: {reschedule_submit_button: Move, allocated_resource_prefix: med}}
        """,
        [
            'cfg/a.yaml, line 5, column 7: project "p": ui.display_name: must be a string, not the integer 5',
            'cfg/a.yaml, line 7, column 7: project "p": ui.availability_view: must be one of agendaWeek, listing, '
            'timeGridWeek (got "agendaweek"); did you mean "agendaWeek"?',
            'cfg/a.yaml, line 8, column 7: project "p": ui.show_credits: must be true or false, not the string "false"',
            'cfg/a.yaml, line 9, column 7: project "p": ui.time_date_format: must be one of 12h-mdy-sun, 24h-dmy-mon, '
            'false (got "24h-dmy-sun"); did you mean "24h-dmy-mon"?',
            'cfg/a.yaml, line 10, column 7: project "p": ui.timezone: "Europe/Copenhagn" is not an IANA time zone (such '
            'as Europe/Copenhagen); did you mean "Europe/Copenhagen"?',
            'cfg/a.yaml, line 13, column 40: project "p": ui.localization.success_message: must be a string, not a list',
        ],
        [
            'cfg/a.yaml, line 6, column 7: project "p": ui.avatar: "http://***@clinic.example/a.png" is not an https:// '
            "URL; the booking page is served over https, and browsers block or flag images loaded over plain http",
            f'cfg/a.yaml, line 11, column 7: project "p": ui.avalability_view: unknown widget setting {IGNORED}; did you '
            'mean "availability_view"?',
            f'cfg/a.yaml, line 12, column 7: project "p": ui.submit_button: unknown widget setting {IGNORED}; did you '
            'mean "localization.submit_button"?',
            f'cfg/a.yaml, line 13, column 22: project "p": ui.localization.submit_buton: unknown widget text {IGNORED}; '
            'did you mean "submit_button"?',
            'cfg/a.yaml, line 16, column 10: project "q": ui.availability_view: booking.js has no preset for '
            '"timeGridWeek", so the calendar opens in its default month grid instead of a week of times; use '
            '"agendaWeek" (a week of times) or "listing"',
        ],
    ),
    (
        "unknown widget setting with no close match lists the known ones",
        "projects:\n  p: {name: P, ui: {colour: red}}\n",
        [],
        [
            f'cfg/a.yaml, line 2, column 21: project "p": ui.colour: unknown widget setting {IGNORED}; known widget '
            "settings are: availability_view, avatar, booking_date_format, booking_time_format, display_name, "
            "localization, show_credits, show_timezone_helper, time_date_format, timezone"
        ],
    ),
    (
        "a project field that belongs inside availability or booking",
        "projects:\n  p: {name: P, mode: mutual}\n",
        ['cfg/a.yaml, line 2, column 16: project "p": mode: unknown field; did you mean "availability.mode"?'],
        [],
    ),
    (
        "customer fields",
        """\
        projects:
          p:
            name: P
            customer_fields:
              name: {title: Name, split: true}
              email: {format: text}
              phone: {title: Phone, enum: [a, b], split_name: true}
              dept: {title: Department, format: select}
              terms: {title: Terms, format: checkbox, required: "yes"}
              topics: {title: Topics, format: checkbox, enum: [a, b]}
              site: {title: Site, format: select, enum: [North, South], prefilled: North}
        """,
        ['cfg/a.yaml, line 9, column 47: project "p": customer_fields.terms.required: must be true or false, not the '
         'string "yes"'],
        [
            f'cfg/a.yaml, line 5, column 27: project "p": customer_fields.name.split: unknown field attribute {IGNORED}; '
            'did you mean "split_name"?',
            'cfg/a.yaml, line 6, column 15: project "p": customer_fields.email.format: the widget always uses format '
            'email for the "email" field and ignores this',
            'cfg/a.yaml, line 7, column 29: project "p": customer_fields.phone.enum: is used only with format select or '
            'checkbox (this field is "text"); the widget ignores it here',
            'cfg/a.yaml, line 7, column 43: project "p": customer_fields.phone.split_name: is read only on the "name" '
            "field; the widget ignores it here",
            'cfg/a.yaml, line 8, column 33: project "p": customer_fields.dept.format: a select needs enum: the list of '
            "options (without it the list is empty)",
        ],
    ),
    (
        "reminders: e-mail and webhook settings, when.type after, every graph",
        """\
        projects:
          p:
            name: P
            booking: {graph: group_customer_payment}
            reminders:
              - type: webhook
                settings: {url: "https://hooks.example/x", method: POST, expected_response_code: 2001}
                when: {type: after, unit: mins, time: 5}
              - type: webhook
                when: {type: before, unit: hours, time: 1}
              - type: webhook
                settings: {method: get, retries: 3}
                when: {type: before, unit: hours, time: 1}
              - type: email
                settings: {recipient: patient, subjekt: Hi}
                when: {type: before, unit: hours, time: 24}
              - type: webhook
                settings: {url: "ftp://x"}
                when: {type: after, unit: secs, time: 0}
              - type: webhook
                settings: {url: "https://hooks.example/ok", method: get, expected_response_code: 201}
                when: {type: after, unit: hours, time: 2}
          q: {name: Q, booking: {graph: reservation}}
          r: {name: R, booking: {graph: instant_payment}}
          s: {name: S, booking: {graph: group_owner}}
        """,
        [
            'cfg/a.yaml, line 7, column 52: project "p": reminders[0].settings.method: must be one of post, get (got '
            '"POST"); did you mean "post"?',
            'cfg/a.yaml, line 7, column 66: project "p": reminders[0].settings.expected_response_code: must be at most '
            "599 (got 2001)",
            'cfg/a.yaml, line 9, column 9: project "p": reminders[1].settings: required field is missing',
            'cfg/a.yaml, line 12, column 9: project "p": reminders[2].settings.url: required field is missing',
            'cfg/a.yaml, line 15, column 20: project "p": reminders[3].settings.recipient: must be one of owner, customer '
            '(got "patient")',
            'cfg/a.yaml, line 18, column 20: project "p": reminders[4].settings.url: must be an http:// or https:// URL '
            '(got "ftp://x")',
        ],
        [
            'cfg/a.yaml, line 12, column 33: project "p": reminders[2].settings.retries: unknown webhook setting (Timekit '
            "ignores it); known webhook settings are: expected_response_code, method, url",
            'cfg/a.yaml, line 15, column 40: project "p": reminders[3].settings.subjekt: unknown e-mail reminder setting '
            '(Timekit ignores it); did you mean "subject"?',
        ],
    ),
    (
        "day rules next to allow_hours add up",
        """\
        resources:
          a:
            name: A
            timezone: UTC
            availability_constraints:
              - allow_weekdays: {}
              - allow_hours: {start: 9, end: 17}
          b:
            name: B
            timezone: UTC
            availability_constraints:
              - block_weekends: {}
              - allow_hours: {start: 9, end: 17}
          c:
            name: C
            timezone: UTC
            availability_constraints:
              - allow_hours: {start: "08:30", end: 12}
              - allow_day: {day: saturday}
              - block_period: {start: 2025-01-01, end: 2025-01-02}
          d:
            name: D
            timezone: UTC
            availability_constraints:
              - allow_weekends: {}
              - allow_hours: {start: 10, end: 14}
              - allow_hours: {start: 15, end: 16}
          e:
            name: E
            timezone: UTC
            availability_constraints:
              - allow_day_and_time: {day: Monday, start: 9, end: 17}
              - allow_hours: {start: 9, end: 17}
        projects:
          p:
            name: P
            availability_constraints:
              - allow_weekdays: {}
              - allow_day: {day: Sunday}
              - allow_hours: {start: 9, end: 12}
        """,
        [],
        [
            'cfg/a.yaml, line 6, column 9: resource "a": availability_constraints[0]: allow_weekdays and allow_hours add '
            "up: Timekit opens every time that any allow_* rule allows, so this list opens Monday to Friday around the "
            "clock and 09:00-17:00 on every other day. To open only 09:00-17:00 on Monday to Friday, replace "
            "allow_weekdays with block_weekends, or write one allow_day_and_time per day",
            'cfg/a.yaml, line 19, column 9: resource "c": availability_constraints[1]: allow_day and allow_hours add up: '
            "Timekit opens every time that any allow_* rule allows, so this list opens Saturday around the clock and "
            "08:30-12:00 on every other day (before its block_* rules). To open only 08:30-12:00 on Saturday, write one "
            "allow_day_and_time per day instead of allow_day and allow_hours, e.g. {allow_day_and_time: {day: Saturday, "
            'start: "08:30", end: "12:00"}}',
            'cfg/a.yaml, line 25, column 9: resource "d": availability_constraints[0]: allow_weekends and allow_hours add '
            "up: Timekit opens every time that any allow_* rule allows, so this list opens Saturday and Sunday around the "
            "clock and 10:00-14:00 and 15:00-16:00 on every other day. To open only 10:00-14:00 and 15:00-16:00 on "
            "Saturday and Sunday, replace allow_weekends with block_weekdays, or write one allow_day_and_time per day",
            'cfg/a.yaml, line 38, column 9: project "p": availability_constraints[0]: allow_weekdays and allow_day and '
            "allow_hours add up: Timekit opens every time that any allow_* rule allows, so this list opens Monday, "
            "Tuesday, Wednesday, Thursday, Friday and Sunday around the clock and 09:00-12:00 on every other day. To open "
            "only 09:00-12:00 on Monday, Tuesday, Wednesday, Thursday, Friday and Sunday, write one allow_day_and_time "
            'per day instead of allow_weekdays and allow_day and allow_hours, e.g. {allow_day_and_time: {day: Monday, '
            'start: "09:00", end: "12:00"}}',
        ],
    ),
    (
        "numbers JSON cannot carry",
        "resources:\n  r:\n    name: R\n    timezone: UTC\n    meta: {a: .nan, b: [-.inf, 1e999], c: .Inf}\n"
        "projects:\n  p:\n    name: P\n    ui: {show_credits: .nan}\n"
        "    availability: {closest_time_interval: " + "9" * 5000 + "}\n",
        [
            'cfg/a.yaml, line 5, column 15: resource "r": meta.a: .nan is not a finite number; JSON and Timekit take '
            "only finite numbers",
            'cfg/a.yaml, line 5, column 25: resource "r": meta.b[0]: -.inf is not a finite number; JSON and Timekit take '
            "only finite numbers",
            'cfg/a.yaml, line 5, column 43: resource "r": meta.c: .Inf is not a finite number; JSON and Timekit take only '
            "finite numbers",
            'cfg/a.yaml, line 9, column 24: project "p": ui.show_credits: .nan is not a finite number; JSON and Timekit '
            "take only finite numbers",
            'cfg/a.yaml, line 10, column 43: project "p": availability.closest_time_interval: a number of 5,000 digits is '
            "far too large for Timekit",
        ],
        [],
    ),
    (
        "values nested too deep",
        "resources:\n  r: {name: R, timezone: UTC, meta: " + "{a: " * 60 + "1" + "}" * 60 + "}\n",
        [
            'cfg/a.yaml, line 2, column 225: resource "r": meta' + ".a" * 47 + ": values are nested more than 50 levels "
            "deep; tkctl refuses deeper nesting"
        ],
        [],
    ),
]


@pytest.mark.parametrize("text, problems, warnings", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(findings_of, text, problems, warnings):
    assert findings_of({"a.yaml": textwrap.dedent(text)}) == (problems, warnings)


VALID_PROJECT = """\
projects:
  p:
    name: P
    availability: {mode: mutual, length: 1 hour 30 minutes, buffer: 10 minutes, from: now, to: 6 months}
    booking: {graph: confirm_decline}
    customer_fields:
      name: {title: Name, required: true, split_name: true}
      email: {title: E-mail, format: email, required: true}
      topic: {title: Topic, format: select, enum: [A, B]}
    reminders:
      - {type: email, settings: {recipient: owner, subject: Soon}, when: {type: before, unit: mins, time: 15}}
      - {type: webhook, settings: {url: "https://h.example/r", method: post, expected_response_code: 201},
         when: {type: after, unit: secs, time: 0}}
    ui:
      display_name: Clinic
      avatar: https://clinic.example/logo.png
      availability_view: agendaWeek
      show_credits: false
      show_timezone_helper: true
      time_date_format: 24h-dmy-mon
      timezone: Europe/Copenhagen
      booking_date_format: D. MMMM YYYY
      booking_time_format: HH:mm
      localization:
        submit_button: Book
        success_message: Sent to %s
        allocated_resource_prefix: with
        reschedule_submit_button: Move
        reschedule_success_message: Moved
"""


def test_every_known_setting_is_accepted_without_a_warning(findings_of):
    assert findings_of({"a.yaml": VALID_PROJECT}) == ([], [])


def test_warnings_do_not_stop_loading(make_config):
    root = make_config({"a.yaml": "projects:\n  p: {name: P, ui: {colour: red}}\n"})
    settings, desired, warnings = load_config_with_warnings(root, environ={})
    assert desired.get("project", "p").fields["ui"] == {"colour": "red"}  # sent as written: Timekit stores it
    assert [w.field for w in warnings] == ["ui.colour"]
    assert load_config(root, environ={}) == (settings, desired)  # the old call shape, warnings dropped


def test_problems_raise_and_the_report_keeps_the_warnings(make_config):
    root = make_config({"a.yaml": "projects:\n  p: {name: P, ui: {colour: red, show_credits: 1}}\n"})
    with pytest.raises(ConfigError) as caught:
        load_config_with_warnings(root, environ={})
    assert [p.field for p in caught.value.problems] == ["ui.show_credits"]
    report = check_config(root, environ={})
    assert (report.ok, report.desired) == (False, None)
    assert [p.field for p in report.problems] == ["ui.show_credits"]
    assert [w.field for w in report.warnings] == ["ui.colour"]
