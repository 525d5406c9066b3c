"""workspace.warning_lines: warnings many objects share are counted, not repeated."""

from __future__ import annotations

from tkctl.errors import Location, Problem
from tkctl.workspace import warning_lines


def _warning(n: int, field: str = "ui.title", message: str = "is ignored") -> Problem:
    return Problem(message, Location("objects.yaml", n, 3), obj=f'project "p{n}"', field=field)


def test_a_warning_shared_by_more_than_the_limit_is_counted_after_the_first_ones():
    warnings = [_warning(1), _warning(2, field="name", message="is long"), *(_warning(n) for n in range(3, 9))]
    lines = warning_lines(warnings, shown=2)
    assert lines == [
        str(warnings[0]),
        str(warnings[1]),
        str(warnings[2]),
        "... and 5 more of this warning (ui.title: is ignored); tkctl validate lists them all",
    ]


def test_warnings_up_to_the_limit_are_all_shown():
    warnings = [_warning(n) for n in range(1, 4)]
    assert warning_lines(warnings, shown=3) == [str(w) for w in warnings]


def test_a_long_message_is_shortened_in_the_count_line():
    warnings = [_warning(n, message="x" * 100) for n in range(1, 3)]
    last = warning_lines(warnings, shown=1)[-1]
    assert last.startswith("... and 1 more of this warning (ui.title: xxx")
    shortened = last.split(" (", 1)[1].split("); ", 1)[0]
    assert shortened == "ui.title: " + "x" * 47 + "..."  # 60 characters in all
