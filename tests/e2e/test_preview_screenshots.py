"""`tkctl preview --screenshot OUTDIR [--plan plan.json]`: real PNGs of Timekit's widget, taken by the
real CLI in the system's headless Chromium, checked as images (size, not blank, the display
name drawn where the page put it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.e2e.test_preview import CLINIC, ROOT, widget_cache
from tkctl.cli import main
from tkctl.preview.pages import STAGE_WIDTH
from tkctl.workspace import open_workspace

WIDGET_MIN_HEIGHT = 385  # booking.js never draws its calendar lower than this
# README's commands (tests/e2e/test_preview_docs.py checks they are these), OUTDIR replaced.
README_SCREENSHOT = ["examples/clinic", "--screenshot", "previews/"]
README_PLAN_SCREENSHOT = ["--plan", "plan.json", "--screenshot", "previews/"]


def with_outdir(args: list[str], out: Path) -> list[str]:
    return [str(out) if a == "previews/" else a for a in args]


def preview(*args: str, cache: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "tkctl", "preview", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)


def ink(image: Image.Image, box: dict) -> int:
    """How many pixels in `box` are dark, like text on the widget's white."""
    crop = image.convert("L").crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
    return sum(crop.histogram()[:128])


def check_image(path: Path, entry: dict) -> Image.Image:
    image = Image.open(path)
    assert image.format == "PNG"
    assert image.size == (entry["width"], entry["height"])
    assert image.width == STAGE_WIDTH
    assert image.height > WIDGET_MIN_HEIGHT
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, "a blank or flat image"
    return image


@pytest.fixture(scope="module")
def clinic_shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots")
    result = preview(*with_outdir(README_SCREENSHOT, out), cache=widget_cache(tmp_path_factory))
    return result, out


def test_one_png_per_project_and_exit_0(clinic_shots):
    result, out = clinic_shots
    assert result.returncode == 0, result.stdout + result.stderr
    keys = [o.key for o in open_workspace(CLINIC).desired.of_kind("project")]
    assert sorted(p.name for p in out.glob("*.png")) == sorted(f"{k}.png" for k in keys)
    for key in keys:
        assert f"  {key}: {out / (key + '.png')} ({STAGE_WIDTH}x" in result.stdout
    assert f"Wrote {len(keys)} screenshot(s) and {out / 'previews.json'}." in result.stdout


@pytest.mark.parametrize("key", ["consultation", "minor-procedure", "physio"])
def test_each_png_is_the_widget_with_its_display_name_and_slots(clinic_shots, key):
    _, out = clinic_shots
    entry = next(e for e in json.loads((out / "previews.json").read_text()) if e["project"] == key)
    display_name = open_workspace(CLINIC).desired.get("project", key).fields["ui"]["display_name"]
    assert (entry["file"], entry["variant"], entry["error"]) == (f"{key}.png", "after", None)
    assert entry["slots"] >= 1
    assert entry["display_name"] == display_name
    image = check_image(out / entry["file"], entry)
    box = entry["display_name_box"]
    assert 0 <= box["x"] and box["x"] + box["width"] <= image.width and box["y"] + box["height"] <= image.height
    assert ink(image, box) > 10 * len(display_name), "no text where the display name is"


def test_with_a_saved_plan_only_changed_projects_before_and_after(tmp_path, tmp_path_factory, monkeypatch, capsys):
    config = tmp_path / "clinic"
    shutil.copytree(CLINIC, config, ignore=shutil.ignore_patterns(".tkctl"))
    monkeypatch.chdir(tmp_path)
    assert main(["apply", "--emulator", "clinic", "--auto-approve"]) == 0
    projects = yaml.safe_load((config / "projects.yaml").read_text())
    projects["projects"]["physio"]["ui"]["display_name"] = "Physio, now with evening hours"
    projects["projects"]["walk-in"] = {"name": "Walk-in", "resources": ["dr-smith"],
                                       "ui": {"display_name": "Walk-in clinic"}}
    (config / "projects.yaml").write_text(yaml.safe_dump(projects, sort_keys=False))
    assert main(["plan", "--emulator", "clinic", "--out", "plan.json"]) == 0
    capsys.readouterr()

    out = tmp_path / "shots"
    result = preview(*with_outdir(README_PLAN_SCREENSHOT, out), cache=widget_cache(tmp_path_factory), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((out / "previews.json").read_text())
    assert [(e["file"], e["display_name"]) for e in manifest] == [
        ("physio.before.png", "Physiotherapy at Northside"),
        ("physio.after.png", "Physio, now with evening hours"),
        ("walk-in.after.png", "Walk-in clinic"),
    ]
    assert sorted(p.name for p in out.glob("*.png")) == ["physio.after.png", "physio.before.png", "walk-in.after.png"]
    for entry in manifest:
        check_image(out / entry["file"], entry)
        assert entry["slots"] >= 1


def test_a_page_that_does_not_render_is_named_and_exits_1(tmp_path, tmp_path_factory):
    broken = tmp_path / "broken.min.js"  # a widget that shows its error box, as booking.js does
    broken.write_text("window.TimekitBooking = function () { this.init = function () {\n"
                      "  document.getElementById('bookingjs').innerHTML = '<div class=\"bookingjs-error\">"
                      "<span class=\"bookingjs-error-text\">The project could not be found</span></div>'; }; };\n")
    out = tmp_path / "shots"
    result = preview("examples/clinic", "--project", "physio", "--widget-js", str(broken), "--screenshot",
                     str(out), cache=widget_cache(tmp_path_factory))
    assert result.returncode == 1
    assert "physio: " in result.stdout and "did not render: the widget showed an error: The project could not be " \
        "found" in result.stdout
    assert result.stderr.splitlines()[-1] == "error: 1 of 1 page(s) did not render: physio"
    assert (out / "physio.png").is_file()  # the error, pictured for the reviewer
