"""`--format html` on plan, show and drift against the emulator: the same page from a live plan
and from its saved file, a drift report, and the exit codes of each."""

from __future__ import annotations

from tests.e2e.conftest import write_config
from tests.unit.render.test_render_html import Page

RESOURCES = {"room-1": {"name": "Room <1>", "timezone": "UTC"}, "room-2": {"name": "Room 2", "timezone": "UTC"}}


def test_plan_show_and_drift_as_html(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", RESOURCES)
    planned = tk("plan", cfg, "--format", "html", "--out", tmp_path / "plan.json", "--detailed-exitcode")
    assert planned.code == 2 and planned.err == ""
    page = Page(planned.out)
    assert [d.find("summary")[0].text() for d in page.root.find("details")] == \
        ["create resource room-1", "create resource room-2"]
    assert '"Room <1>"' in page.root.find("details")[0].text()
    assert "Room &lt;1&gt;" in planned.out
    shown = tk("show", tmp_path / "plan.json", "--format", "html")
    assert shown.code == 0 and shown.out == planned.out  # one data form, one page

    assert tk("apply", tmp_path / "plan.json").code == 0
    calm = tk("drift", cfg, "--format", "html")
    assert calm.code == 0
    assert "No drift. The live account matches what tkctl last applied." in Page(calm.out).root.text()
    room = next(r for r in tk.api("/resources") if r["name"] == "Room 2")
    tk.request("PUT", f"/resources/{room['id']}", json={"name": "Renamed <b>in</b> admin"})
    drifted = tk("drift", cfg, "--format", "html")
    assert drifted.code == 2
    page = Page(drifted.out)
    assert page.root.find("h1")[0].text().startswith("tkctl drift for http://127.0.0.1:")
    (detail,) = page.root.find("details")
    assert detail.find("summary")[0].text() == "update resource room-2 (changed outside tkctl)"
    assert '"Renamed <b>in</b> admin"' in detail.text()
    assert "<b>" not in drifted.out
