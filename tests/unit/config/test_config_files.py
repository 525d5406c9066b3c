"""Hostile files in a config folder: each gets a short problem naming the file, never a hang,
a crash or a read of something outside the folder (issue 8)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tkctl.config import check_config, load_config_with_warnings
from tkctl.config.safefile import FileRefused, read_text

P = "projects:\n  p: {name: P, ui_file: w.json}\n"
UI_FILE_AT = 'cfg/a.yaml, line 2, column 16: project "p": ui_file: '
OUTSIDE = ("outside the config folder (after following links); tkctl reads only files inside it unless tkctl.yaml sets "
           "allow_files_outside_config: true")


def _bomb(levels: int = 9) -> str:
    """A "billion laughs" file: 10**levels values from a few hundred bytes."""
    lines = ["l0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    lines.append(f"resources: {{r: {{name: R, timezone: UTC, meta: {{b: *a{levels - 1}}}}}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"a.yaml": P, "w.json": '{"a":' * 60 + "1" + "}" * 60},
         [UI_FILE_AT + '"w.json" nests values more than 50 levels deep; tkctl refuses deeper nesting']),
        ({"a.yaml": P, "w.json": "[" * 5000 + "]" * 5000},
         [UI_FILE_AT + '"w.json" nests values more than 50 levels deep; tkctl refuses deeper nesting']),
        ({"a.yaml": P, "w.json": '{"display_name": ' + "9" * 5000 + "}"},
         [UI_FILE_AT + '"w.json" holds a number of thousands of digits, far too large for Timekit']),
        ({"a.yaml": P, "w.json": '{"display_name": "' + "x" * (1024 * 1024) + '"}'},
         [UI_FILE_AT + 'cannot read "w.json": larger than 1 MB, the most tkctl reads from one file']),
        ({"a.yaml": P, "w.json": b'{"display_name": "\xff"}'},
         [UI_FILE_AT + 'cannot read "w.json": not UTF-8 text (invalid start byte at byte 18)']),
        ({"a.yaml": "projects:\n  p: {name: P, ui_file: ../../etc/hostname}\n"},
         ['cfg/a.yaml, line 2, column 16: project "p": ui_file: cannot read "../../etc/hostname": ' + OUTSIDE]),
        ({"a.yaml": 'projects:\n  p: {name: P, ui_file: "w\\0.json"}\n'},
         [UI_FILE_AT + 'must be a file name without NUL bytes (got "w\\u0000.json")']),
        ({"a.yaml": P, "w.json": '{"show_credits": NaN,\n "localization": {"submit_button": -Infinity},\n "display_name": 1e999}'},
         [
             'cfg/w.json, line 1, column 2: project "p": ui.show_credits: holds NaN, not a finite number; JSON and '
             "Timekit take only finite numbers",
             'cfg/w.json, line 2, column 19: project "p": ui.localization.submit_button: holds -Infinity, not a finite '
             "number; JSON and Timekit take only finite numbers",
             'cfg/w.json, line 3, column 2: project "p": ui.display_name: holds Infinity, not a finite number; JSON and '
             "Timekit take only finite numbers",
         ]),
        ({"a.yaml": P, "w.json": '{\n  "display_name": "X",\n  "availability_view": "week",\n  "show_credits": "no"\n}\n'},
         [
             'cfg/w.json, line 3, column 3: project "p": ui.availability_view: must be one of agendaWeek, listing, '
             'timeGridWeek (got "week")',
             'cfg/w.json, line 4, column 3: project "p": ui.show_credits: must be true or false, not the string "no"',
         ]),
        ({"a.yaml": _bomb()},
         ['cfg/a.yaml, line 1, column 5: resource "r": meta.b[9][9][9][9][9][9][9][9]: YAML aliases (*name) expand '
          "this file to far more values than it holds; refusing to expand it further (an alias bomb?). Repeat fewer "
          "nested aliases"]),
    ],
    ids=["deep-json", "very-deep-json", "huge-integer", "too-large", "not-utf8", "outside", "nul-byte", "non-finite",
         "widget-schema", "alias-bomb"],
)
def test_hostile_content(findings_of, files, expected):
    problems, _ = findings_of(files)
    assert problems == expected


def test_ui_file_findings_point_into_the_json_file_and_shared_files_are_read_once(findings_of):
    widget = '{\n  "display_name": "X",\n  "colour": "red"\n}\n'
    problems, warnings = findings_of(
        {"a.yaml": "projects:\n  p: {name: P, ui_file: w.json}\n  q: {name: Q, ui_file: ./w.json}\n", "w.json": widget}
    )
    assert problems == []
    assert warnings == [
        f'cfg/w.json, line 3, column 3: project "{key}": ui.colour: unknown widget setting (the booking widget ignores '
        "it); known widget settings are: availability_view, avatar, booking_date_format, booking_time_format, "
        "display_name, localization, show_credits, show_timezone_helper, time_date_format, timezone"
        for key in ("p", "q")
    ]


def test_aliases_may_repeat_values_within_reason(make_config):
    shared = "resources:\n  r0: {name: R, timezone: UTC, availability_constraints: &h [{block_weekends: {}}]}\n"
    resources = "".join(f"  r{i}: {{name: R, timezone: UTC, availability_constraints: *h}}\n" for i in range(1, 2000))
    report = check_config(make_config({"a.yaml": shared + resources}), environ={})
    assert report.problems == []
    assert len(report.desired) == 2000


def _fifo(path: Path) -> None:
    os.mkfifo(path)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda root: _fifo(root / "w.json"),
         UI_FILE_AT + 'cannot read "w.json": a named pipe (FIFO); tkctl reads only regular files'),
        (lambda root: (root / "w.json").mkdir(),
         UI_FILE_AT + 'cannot read "w.json": a directory; tkctl reads only regular files'),
        (lambda root: (root / "w.json").symlink_to("w.json"),
         UI_FILE_AT + 'cannot read "w.json": a loop of symbolic links'),
        (lambda root: (root / "w.json").symlink_to("/etc/hostname"),
         UI_FILE_AT + 'cannot read "w.json": ' + OUTSIDE),
        (lambda root: (root / "w.json").symlink_to("/dev/zero"),
         UI_FILE_AT + 'cannot read "w.json": ' + OUTSIDE),
        (lambda root: _fifo(root / "b.yaml"),
         "cfg/b.yaml: cannot be read: a named pipe (FIFO); tkctl reads only regular files"),
        (lambda root: (root / "b.yaml").symlink_to("c.yaml") or (root / "c.yaml").symlink_to("b.yaml"),
         "cfg/b.yaml: cannot be read: a loop of symbolic links"),
        (lambda root: (root / "b.yaml").symlink_to("/proc/self/environ"),
         "cfg/b.yaml: cannot be read: " + OUTSIDE),
        (lambda root: _fifo(root / "tkctl.yaml"),
         "cfg/tkctl.yaml: cannot be read: a named pipe (FIFO); tkctl reads only regular files"),
    ],
    ids=["fifo", "directory", "link-loop", "link-outside", "dev-zero", "yaml-fifo", "yaml-link-loop", "yaml-proc-environ",
         "settings-fifo"],
)
def test_special_files_are_refused_without_reading_them(make_config, make, expected):
    root = make_config({"a.yaml": P})
    make(root)
    problems = [str(p) for p in check_config(root, environ={}).problems]
    assert expected in problems
    assert all(p == expected or "c.yaml" in p or "w.json" in p for p in problems), problems


def test_a_yaml_file_over_the_size_cap(make_config):
    root = make_config({"a.yaml": "resources: {}\n"})
    with open(root / "big.yaml", "wb") as f:
        f.write(b"#" * (16 * 1024 * 1024) + b"\n")
    assert [str(p) for p in check_config(root, environ={}).problems] == [
        "cfg/big.yaml: cannot be read: larger than 16 MB, the most tkctl reads from one file"
    ]


def test_files_outside_are_read_when_tkctl_yaml_allows_it(make_config, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "w.json").write_text(json.dumps({"display_name": "Shared"}))
    (shared / "rooms.yaml").write_text("resources:\n  room: {name: Room, timezone: UTC}\n")
    files = {"a.yaml": "projects:\n  p: {name: P, ui_file: ../shared/w.json}\n"}
    root = make_config(files)
    (root / "rooms.yaml").symlink_to(shared / "rooms.yaml")
    assert [str(p) for p in check_config(root, environ={}).problems] == [
        'cfg/a.yaml, line 2, column 16: project "p": ui_file: cannot read "../shared/w.json": ' + OUTSIDE,
        "cfg/rooms.yaml: cannot be read: " + OUTSIDE,
    ]
    (root / "tkctl.yaml").write_text("allow_files_outside_config: true\n")
    settings, desired, warnings = load_config_with_warnings(root, environ={})
    assert settings.allow_files_outside_config is True
    assert desired.get("project", "p").fields["ui"] == {"display_name": "Shared"}
    assert desired.get("resource", "room").fields["name"] == "Room"
    assert warnings == []


def test_links_inside_the_folder_are_fine(make_config):
    root = make_config({"a.yaml": P, "widgets/real.json": '{"display_name": "X"}'})
    (root / "w.json").symlink_to("widgets/real.json")
    _, desired, _ = load_config_with_warnings(root, environ={})
    assert desired.get("project", "p").fields["ui"] == {"display_name": "X"}


def test_a_path_with_a_nul_byte_is_never_opened(tmp_path):
    with pytest.raises(FileRefused) as caught:
        read_text(tmp_path / "w\0.json", limit=10)
    assert caught.value.reason == "the path contains a NUL byte"


def test_the_size_cap_counts_bytes_read_not_the_size_the_file_claims(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 10)
    assert read_text(tmp_path / "f", limit=10) == "x" * 10
    with pytest.raises(FileRefused, match="larger than"):
        read_text(tmp_path / "f", limit=9)
