"""What the booking widget (booking.js) would trip over or silently ignore in `ui` and
`customer_fields`, beyond what the JSON Schema says about their keys and types.

Timekit stores both objects as sent (timekit-api.md §3, §10.4, §10.5); only the widget, in the
customer's browser, reads them. Read from booking.js 3.1.1 (`src/booking/configs.js`,
`helpers/config.js`, `helpers/template.js`, `pages/booking.js`):

* `ui.timezone` goes to `setCustomerTimezone`, which throws on an unknown zone: the widget
  shows an error instead of a calendar. An error here.
* `ui.availability_view` picks a preset by name from {agendaWeek, listing}; "timeGridWeek"
  (the widget's own default when it runs without a project) has no preset, so no initial view
  is set and the calendar opens in FullCalendar's default month grid. A warning.
* `ui.avatar` is put into an <img> on a page served over https: an http:// image is blocked
  or flagged as mixed content. A warning.
* A customer field's `enum` is read only for `select` and `checkbox` formats, a `select`
  without `enum` has no options, `split_name` is read only on the `name` field, and the
  `email` field is always of format email. Warnings.
"""

from __future__ import annotations

from typing import Any

from tkctl.config.constraints import timezone_issues
from tkctl.config.fieldpath import FieldPath
from tkctl.config.schema import SchemaIssue, describe_value

_ENUM_FORMATS = ("select", "checkbox")


def widget_issues(ui: Any, path: FieldPath) -> tuple[list[SchemaIssue], list[SchemaIssue]]:
    """(errors, warnings) of a widget `ui` object found at `path`."""
    errors: list[SchemaIssue] = []
    warnings: list[SchemaIssue] = []
    if not isinstance(ui, dict):
        return errors, warnings
    errors += timezone_issues(ui.get("timezone"), (*path, "timezone"))
    if ui.get("availability_view") == "timeGridWeek":
        warnings.append(
            (
                (*path, "availability_view"),
                'booking.js has no preset for "timeGridWeek", so the calendar opens in its default month grid '
                'instead of a week of times; use "agendaWeek" (a week of times) or "listing"',
            )
        )
    avatar = ui.get("avatar")
    if isinstance(avatar, str) and avatar and not avatar.startswith(("https://", "data:")):
        warnings.append(
            (
                (*path, "avatar"),
                f"{describe_value(avatar)} is not an https:// URL; the booking page is served over https, and browsers "
                "block or flag images loaded over plain http",
            )
        )
    return errors, warnings


def customer_field_warnings(fields: Any, path: FieldPath) -> list[SchemaIssue]:
    """Attributes of booking-form fields that the widget ignores where they are set."""
    out: list[SchemaIssue] = []
    if not isinstance(fields, dict):
        return out
    for name, spec in fields.items():
        if not isinstance(spec, dict):
            continue
        where = (*path, name)
        fmt = spec.get("format", "text")
        if "enum" in spec and fmt not in _ENUM_FORMATS:
            out.append(
                ((*where, "enum"), f'is used only with format select or checkbox (this field is "{fmt}"); the widget ignores it here')
            )
        if fmt == "select" and "enum" not in spec:
            out.append(((*where, "format"), "a select needs enum: the list of options (without it the list is empty)"))
        if "split_name" in spec and name != "name":
            out.append(((*where, "split_name"), 'is read only on the "name" field; the widget ignores it here'))
        if name == "email" and "format" in spec and fmt != "email":
            out.append(((*where, "format"), 'the widget always uses format email for the "email" field and ignores this'))
    return out
