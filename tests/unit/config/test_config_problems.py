"""Every kind of config problem, each with the exact line a user would read."""

from __future__ import annotations

import pytest

from tkctl.config import load_config
from tkctl.errors import ConfigError

R = "resources:\n  dr-jones: {name: Dr Jones, timezone: Europe/Copenhagen}\n"

CASES = [
    (
        "yaml syntax",
        {"a.yaml": "resources:\n  dr-jones: {name: x\n  dr-smith: {}\n"},
        ["cfg/a.yaml, line 3, column 11: invalid YAML: did not find expected ',' or '}' "
         "(while parsing a flow mapping at line 2, column 13)"],
    ),
    (
        "yaml bad indentation",
        {"a.yaml": "resources:\n  dr-jones:\n    name: x\n   timezone: UTC\n"},
        ["cfg/a.yaml, line 4, column 4: invalid YAML: did not find expected key "
         "(while parsing a block mapping at line 2, column 3)"],
    ),
    (
        "two documents",
        {"a.yaml": R + "---\n" + R},
        ["cfg/a.yaml, line 3, column 1: invalid YAML: expected a single document in the stream, "
         "but found another document"],
    ),
    (
        "duplicate field",
        {"a.yaml": "resources:\n  dr-jones:\n    name: A\n    timezone: UTC\n    name: B\n"},
        ['cfg/a.yaml, line 5, column 5: resource "dr-jones": name: duplicate key "name"; first defined at line 3, column 5'],
    ),
    (
        "duplicate object key in one file",
        {"a.yaml": R + "  dr-jones: {name: Again, timezone: UTC}\n"},
        ['cfg/a.yaml, line 3, column 3: resource "dr-jones": duplicate key "dr-jones"; first defined at line 2, column 3'],
    ),
    (
        "duplicate key across files",
        {"a.yaml": R, "sub/b.yml": R},
        ['cfg/sub/b.yml, line 2, column 3: resource "dr-jones": also defined at cfg/a.yaml, line 2, column 3; '
         "keys must be unique per kind"],
    ),
    (
        "unknown field with did-you-mean",
        {"a.yaml": "resources:\n  dr-jones: {nmae: Dr Jones, timezone: UTC}\n"},
        [
            'cfg/a.yaml, line 2, column 3: resource "dr-jones": name: required field is missing',
            'cfg/a.yaml, line 2, column 14: resource "dr-jones": nmae: unknown field; did you mean "name"?',
        ],
    ),
    (
        "unknown field without a close match lists the allowed ones",
        {"a.yaml": "calendars:\n  c1: {resource: dr-jones, name: n, description: d, zzz: 1}\n" + R},
        ['cfg/a.yaml, line 2, column 53: calendar "c1": zzz: unknown field; allowed fields are: '
         "backgroundcolor, description, environments, foregroundcolor, lifecycle, name, primary, resource"],
    ),
    (
        "unknown nested field",
        {"a.yaml": R + "projects:\n  p:\n    name: P\n    availability: {mode: mutual, lenght: 1 hour}\n"},
        ['cfg/a.yaml, line 6, column 34: project "p": availability.lenght: unknown field; did you mean "length"?'],
    ),
    (
        "unknown section",
        {"a.yaml": R + "resorces: {}\n"},
        ['cfg/a.yaml, line 3, column 1: resorces: unknown section; did you mean "resources"?'],
    ),
    (
        "file that is not a mapping",
        {"a.yaml": "- dr-jones\n"},
        ["cfg/a.yaml, line 1, column 1: must be a mapping of sections (resources, calendars, projects), not a list"],
    ),
    (
        "wrong types",
        {"a.yaml": "resources:\n  dr-jones:\n    name: 42\n    timezone: UTC\n    tags: gp\n    meta: [a]\n"},
        [
            'cfg/a.yaml, line 3, column 5: resource "dr-jones": name: must be a string, not the integer 42',
            'cfg/a.yaml, line 5, column 5: resource "dr-jones": tags: must be a list, not the string "gp"',
            'cfg/a.yaml, line 6, column 5: resource "dr-jones": meta: must be a mapping, not a list',
        ],
    ),
    (
        "object that is not a mapping",
        {"a.yaml": "resources:\n  dr-jones: Dr Jones\n"},
        ['cfg/a.yaml, line 2, column 3: resource "dr-jones": must be a mapping, not the string "Dr Jones"'],
    ),
    (
        "missing required fields",
        {"a.yaml": R + "calendars:\n  c1: {resource: dr-jones}\n"},
        [
            'cfg/a.yaml, line 4, column 3: calendar "c1": description: required field is missing',
            'cfg/a.yaml, line 4, column 3: calendar "c1": name: required field is missing',
        ],
    ),
    (
        # Timekit refuses a calendar without one, and "" is none (found by
        # tests/e2e/test_roundtrip_properties.py: validate passed it, apply failed with a 422)
        "empty calendar description",
        {"a.yaml": R + "calendars:\n  c1: {resource: dr-jones, name: n, description: ''}\n"},
        ['cfg/a.yaml, line 4, column 37: calendar "c1": description: must not be empty'],
    ),
    (
        "invalid key",
        {"a.yaml": "resources:\n  Dr Jones: {name: 1}\n"},
        ['cfg/a.yaml, line 2, column 3: resource "Dr Jones": invalid key: keys must start with a lowercase letter '
         'or digit and hold only a-z, 0-9, "_" and "-" (at most 63 characters)'],
    ),
    (
        "dangling calendar resource",
        {"a.yaml": R + "calendars:\n  c1: {resource: dr-who, name: n, description: d}\n"},
        ['cfg/a.yaml, line 4, column 8: calendar "c1": resource: refers to resource "dr-who", which is not defined. '
         "Defined resources: dr-jones."],
    ),
    (
        "dangling and repeated project resources",
        {
            "a.yaml": R + "  room-1: {name: Room, timezone: UTC}\n",
            "p.yaml": "projects:\n  consult:\n    name: C\n    resources:\n      - dr-jones\n      - dr-who\n      - dr-jones\n",
        },
        [
            'cfg/p.yaml, line 6, column 9: project "consult": resources[1]: refers to resource "dr-who", which is not '
            "defined. Defined resources: dr-jones, room-1.",
            'cfg/p.yaml, line 7, column 9: project "consult": resources[2]: lists resource "dr-jones" again '
            "(already resources[0])",
        ],
    ),
    (
        "bad timezones",
        {"a.yaml": "resources:\n  dr-jones: {name: A, timezone: Europe/Copenhagn}\n"
                   "projects:\n  p: {name: P, availability: {output_timezone: Mars/Base}}\n"},
        [
            'cfg/a.yaml, line 2, column 23: resource "dr-jones": timezone: "Europe/Copenhagn" is not an IANA time zone '
            '(such as Europe/Copenhagen); did you mean "Europe/Copenhagen"?',
            'cfg/a.yaml, line 4, column 31: project "p": availability.output_timezone: "Mars/Base" is not an IANA '
            "time zone (such as Europe/Copenhagen)",
        ],
    ),
    (
        "constraint shapes",
        {"a.yaml": """\
            resources:
              dr-jones:
                name: A
                timezone: UTC
                availability_constraints:
                  - alow_hours: {start: 9, end: 17}
                  - allow_hours: {start: 9}
                  - {allow_hours: {start: 9, end: 17}, block_weekends: {}}
                  - {}
                  - block_weekends: {x: 1}
                  - allow_day: {day: Mondy}
                  - allow_hours: {start: 9:30, end: 25}
                  - allow_hours: {start: nine, end: 17}
                  - allow_period: {start: 2024-05-01, end: 01/06/2024}
                  - allow_day_and_time: {day: monday, start: 9, end: 17, extra: 1}
                  - allow_weekdays
            """},
        [
            'cfg/a.yaml, line 6, column 9: resource "dr-jones": availability_constraints[0].alow_hours: unknown field; '
            'did you mean "allow_hours"?',
            'cfg/a.yaml, line 7, column 9: resource "dr-jones": availability_constraints[1].allow_hours.end: '
            "required field is missing",
            'cfg/a.yaml, line 8, column 9: resource "dr-jones": availability_constraints[2]: a constraint has exactly '
            "one type key, e.g. {allow_hours: {start: 9, end: 17}}",
            'cfg/a.yaml, line 9, column 9: resource "dr-jones": availability_constraints[3]: a constraint has exactly '
            "one type key, e.g. {allow_hours: {start: 9, end: 17}}",
            'cfg/a.yaml, line 10, column 9: resource "dr-jones": availability_constraints[4].block_weekends: '
            "takes no parameters: write {}",
            'cfg/a.yaml, line 11, column 21: resource "dr-jones": availability_constraints[5].allow_day.day: '
            'must be a day name, Monday to Sunday (any case) (got "Mondy")',
            'cfg/a.yaml, line 12, column 23: resource "dr-jones": availability_constraints[6].allow_hours.start: '
            'must be an hour from 0 to 24 or a "HH:MM" string such as "09:30" (got "9:30")',
            'cfg/a.yaml, line 12, column 36: resource "dr-jones": availability_constraints[6].allow_hours.end: '
            'must be an hour from 0 to 24 or a "HH:MM" string such as "09:30" (got 25)',
            'cfg/a.yaml, line 13, column 23: resource "dr-jones": availability_constraints[7].allow_hours.start: '
            'must be an hour from 0 to 24 or a "HH:MM" string such as "09:30" (got "nine")',
            'cfg/a.yaml, line 14, column 43: resource "dr-jones": availability_constraints[8].allow_period.end: '
            'must be a date "YYYY-MM-DD" or an RFC 3339 timestamp such as "2024-05-01T09:00:00+02:00" (got "01/06/2024")',
            'cfg/a.yaml, line 15, column 62: resource "dr-jones": availability_constraints[9].allow_day_and_time.extra: '
            "unknown field; allowed fields are: day, end, start",
            'cfg/a.yaml, line 16, column 9: resource "dr-jones": availability_constraints[10]: must be a mapping, '
            'not the string "allow_weekdays"',
        ],
    ),
    (
        "constraint windows must start before they end",
        {"a.yaml": """\
            resources:
              dr-jones:
                name: A
                timezone: UTC
                availability_constraints:
                  - allow_hours: {start: 17, end: "09:00"}
                  - block_day_and_time: {day: Friday, start: "12:00", end: 12}
                  - block_period: {start: 2024-05-06, end: 2024-05-01}
                  - block_period: {start: "2024-05-01T10:00:00+02:00", end: "2024-05-01T09:00:00+01:00"}
                  - block_period: {start: 2024-02-30, end: 2024-03-01}
                  - allow_hours: {start: 0, end: 24}
                  - block_period: {start: 2024-05-01, end: "2024-05-01T00:00:01Z"}
            """},
        [
            'cfg/a.yaml, line 6, column 34: resource "dr-jones": availability_constraints[0].allow_hours.end: must be '
            'later than start (17 to "09:00"); a window cannot cross midnight, split it in two',
            'cfg/a.yaml, line 7, column 59: resource "dr-jones": availability_constraints[1].block_day_and_time.end: '
            'must be later than start ("12:00" to 12); a window cannot cross midnight, split it in two',
            'cfg/a.yaml, line 8, column 43: resource "dr-jones": availability_constraints[2].block_period.end: must be '
            'later than start ("2024-05-06" to "2024-05-01"); a date as end means midnight at the start of that day',
            'cfg/a.yaml, line 9, column 60: resource "dr-jones": availability_constraints[3].block_period.end: must be '
            'later than start ("2024-05-01T10:00:00+02:00" to "2024-05-01T09:00:00+01:00"); a date as end means '
            "midnight at the start of that day",
            'cfg/a.yaml, line 10, column 24: resource "dr-jones": availability_constraints[4].block_period.start: '
            '"2024-02-30" is not a real date or time',
        ],
    ),
    (
        "password is a secret",
        {"a.yaml": "resources:\n  dr-jones: {name: A, timezone: UTC, password: hunter22}\n"},
        ['cfg/a.yaml, line 2, column 38: resource "dr-jones": password: a password is a secret and must not live in '
         "git; set it in the Timekit admin, or leave it out (Timekit picks a random one)"],
    ),
    (
        "email format and duplicates (case-insensitive)",
        {"a.yaml": "resources:\n"
                   "  a: {name: A, timezone: UTC, email: anna@clinic.example}\n"
                   "  b: {name: B, timezone: UTC, email: Anna@Clinic.example}\n"
                   "  c: {name: C, timezone: UTC, email: not-an-email}\n"},
        [
            'cfg/a.yaml, line 3, column 31: resource "b": email: "Anna@Clinic.example" is also used by resource "a" '
            "(cfg/a.yaml, line 2, column 31); Timekit allows one resource per e-mail address",
            'cfg/a.yaml, line 4, column 31: resource "c": email: must be an e-mail address such as jane@example.com '
            '(got "not-an-email")',
        ],
    ),
    (
        "slug format and duplicates",
        {"a.yaml": "projects:\n  p1: {name: A, slug: consult}\n  p2: {name: B, slug: consult}\n  p3: {name: C, slug: Consult Now}\n"},
        [
            'cfg/a.yaml, line 3, column 17: project "p2": slug: "consult" is also used by project "p1" '
            "(cfg/a.yaml, line 2, column 17); slugs name hosted booking pages and must be unique",
            'cfg/a.yaml, line 4, column 17: project "p3": slug: must hold only lowercase letters, digits and "-" '
            '(got "Consult Now")',
        ],
    ),
    (
        "two primary calendars for one resource",
        {"a.yaml": R + "calendars:\n  c1: {resource: dr-jones, name: A, description: a, primary: true}\n"
                       "  c2: {resource: dr-jones, name: B, description: b, primary: true}\n"
                       "  c3: {resource: dr-jones, name: C, description: c, primary: false}\n"},
        ['cfg/a.yaml, line 5, column 53: calendar "c2": primary: calendar "c1" (cfg/a.yaml, line 4, column 53) is '
         'already the primary calendar of resource "dr-jones"; a resource has one primary calendar'],
    ),
    (
        "reserved meta key",
        {"a.yaml": "resources:\n  dr-jones:\n    name: A\n    timezone: UTC\n    meta:\n      tkctl_key: other\n"},
        ['cfg/a.yaml, line 6, column 7: resource "dr-jones": meta.tkctl_key: is reserved: tkctl writes it to '
         "recognise the objects it manages; remove it"],
    ),
    (
        "enums with did-you-mean",
        {"a.yaml": "projects:\n  p:\n    name: P\n    availability: {mode: mutal}\n    booking: {graph: instnt}\n"
                   "    customer_fields: {phone: {format: phone}}\n"},
        [
            'cfg/a.yaml, line 4, column 20: project "p": availability.mode: must be one of roundrobin_random, '
            'roundrobin_prioritized, exclusive, mutual (got "mutal"); did you mean "mutual"?',
            'cfg/a.yaml, line 5, column 15: project "p": booking.graph: must be one of instant, instant_payment, '
            'confirm_decline, group_owner, group_customer, group_customer_payment, reservation (got "instnt"); '
            'did you mean "instant"?',
            'cfg/a.yaml, line 6, column 31: project "p": customer_fields.phone.format: must be one of text, email, '
            "tel, textarea, select, checkbox, label (got \"phone\")",
        ],
    ),
    (
        "customer field attributes and reminders",
        {"a.yaml": """\
            projects:
              p:
                name: P
                customer_fields:
                  name: {title: Name, prefilled: true, split: true}
                reminders:
                  - type: sms
                    when: {type: before, unit: minutes, time: "15"}
                  - settings: {}
            """},
        [
            'cfg/a.yaml, line 5, column 27: project "p": customer_fields.name.prefilled: must be a string or false '
            "(got true)",
            'cfg/a.yaml, line 7, column 9: project "p": reminders[0].type: must be one of email, webhook (got "sms")',
            'cfg/a.yaml, line 8, column 30: project "p": reminders[0].when.unit: must be one of secs, mins, hours '
            '(got "minutes"); did you mean "mins"?',
            'cfg/a.yaml, line 8, column 45: project "p": reminders[0].when.time: must be an integer, not the string "15"',
            'cfg/a.yaml, line 9, column 9: project "p": reminders[1].type: required field is missing',
            'cfg/a.yaml, line 9, column 9: project "p": reminders[1].when: required field is missing',
        ],
    ),
    (
        "calendar colours",
        {"a.yaml": R + "calendars:\n  c1:\n    resource: dr-jones\n    name: n\n    description: d\n"
                       "    foregroundcolor: #ff8800\n    backgroundcolor: orange\n"},
        [
            'cfg/a.yaml, line 8, column 5: calendar "c1": foregroundcolor: #ff8800 is read as a YAML comment, so the '
            'value is empty; quote it: foregroundcolor: "#ff8800"',
            'cfg/a.yaml, line 9, column 5: calendar "c1": backgroundcolor: must be a quoted hex colour such as '
            '"#ff8800", or null (got "orange")',
        ],
    ),
    (
        "ui and ui_file together",
        {"a.yaml": "projects:\n  p: {name: P, ui: {}, ui_file: w.json}\n", "w.json": "{}"},
        ['cfg/a.yaml, line 2, column 24: project "p": ui_file: cannot be used together with "ui": keep the widget '
         "config inline (ui) or in a file (ui_file)"],
    ),
    (
        "ui_file missing",
        {"a.yaml": "projects:\n  p: {name: P, ui_file: widgets/w.json}\n"},
        ['cfg/a.yaml, line 2, column 16: project "p": ui_file: cannot read "widgets/w.json": no such file '
         "(cfg/widgets/w.json)"],
    ),
    (
        "ui_file with invalid JSON",
        {"sub/a.yaml": "projects:\n  p: {name: P, ui_file: ../w.json}\n", "w.json": '{\n  "display_name": "x",\n}\n'},
        ['cfg/sub/a.yaml, line 2, column 16: project "p": ui_file: "../w.json" is not valid JSON: Expecting property '
         "name enclosed in double quotes at line 3, column 1"],
    ),
    (
        "ui_file that is not an object",
        {"a.yaml": "projects:\n  p: {name: P, ui_file: w.json}\n", "w.json": "[1, 2]"},
        ['cfg/a.yaml, line 2, column 16: project "p": ui_file: "w.json" must hold a JSON object (the widget "ui" '
         "settings), not a list"],
    ),
    (
        "unsupported tag and non-UTF-8 file",
        {"a.yaml": "resources:\n  dr-jones: {name: !!binary aGk=, timezone: UTC}\n", "b.yaml": b"resources: {\xff}\n"},
        [
            'cfg/a.yaml, line 2, column 14: resource "dr-jones": name: must be a string, not null',
            "cfg/a.yaml, line 2, column 20: unsupported YAML tag tag:yaml.org,2002:binary",
            "cfg/b.yaml: cannot be read: not UTF-8 text (invalid start byte at byte 12)",
        ],
    ),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_problem_messages(problems_of, files, expected):
    assert problems_of(files) == expected


def test_every_problem_is_reported_at_once_sorted_by_file_and_line(problems_of):
    problems = problems_of(
        {
            "b.yaml": "calendars:\n  c1: {resource: dr-who, name: n, description: d}\n",
            "a.yaml": "resources:\n  dr-jones: {name: A, timezone: Nowhere}\n  dr-x: {name: B, timezone: UTC, tagz: []}\n",
            "c.yaml": "projects: [\n",
        }
    )
    assert problems == [
        'cfg/a.yaml, line 2, column 23: resource "dr-jones": timezone: "Nowhere" is not an IANA time zone (such as '
        "Europe/Copenhagen)",
        'cfg/a.yaml, line 3, column 34: resource "dr-x": tagz: unknown field; did you mean "tags"?',
        'cfg/b.yaml, line 2, column 8: calendar "c1": resource: refers to resource "dr-who", which is not defined. '
        "Defined resources: dr-jones, dr-x.",
        "cfg/c.yaml, line 2, column 1: invalid YAML: did not find expected node content "
        "(while parsing a flow node)",
    ]


def test_the_error_text_counts_and_indents_the_problems(make_config):
    root = make_config({"a.yaml": "resorces: {}\nprojects: {p: {}}\n"})
    with pytest.raises(ConfigError) as caught:
        load_config(root, environ={})
    assert str(caught.value) == (
        "2 problems in the config:\n"
        '  cfg/a.yaml, line 1, column 1: resorces: unknown section; did you mean "resources"?\n'
        '  cfg/a.yaml, line 2, column 12: project "p": name: required field is missing'
    )


def test_a_long_list_of_defined_resources_becomes_a_hint(problems_of):
    resources = "".join(f"  r-{i:02d}: {{name: R, timezone: UTC}}\n" for i in range(25))
    problems = problems_of({"a.yaml": "resources:\n" + resources + "calendars:\n  c: {resource: r-1, name: n, description: d}\n"})
    assert problems == [
        'cfg/a.yaml, line 28, column 7: calendar "c": resource: refers to resource "r-1", which is not defined. '
        '25 resources are defined; did you mean "r-21"?'
    ]
