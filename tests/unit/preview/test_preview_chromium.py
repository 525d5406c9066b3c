"""Finding the system's Chromium, and the flags it runs with."""

from __future__ import annotations

import stat

import pytest

from tkctl.preview import chromium
from tkctl.preview.chromium import BrowserUnavailable, find_chromium


def program(folder, name):
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_first_candidate_on_path_wins(tmp_path, monkeypatch):
    program(tmp_path, "google-chrome")
    program(tmp_path, "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == str(tmp_path / "chromium-browser")


def test_an_explicit_path_or_name(tmp_path, monkeypatch):
    chrome = program(tmp_path, "my-chrome")
    assert find_chromium(str(chrome)) == str(chrome)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium("my-chrome") == str(chrome)


def test_a_file_that_is_not_executable_is_refused(tmp_path):
    (tmp_path / "chrome").write_text("")
    with pytest.raises(BrowserUnavailable, match="no such executable; install Chromium"):
        find_chromium(str(tmp_path / "chrome"))


def test_none_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrowserUnavailable, match=r"none was found on PATH .*sudo apt-get install chromium"):
        find_chromium()


def test_the_flags_keep_chromium_off_googles_hosts_and_headless():
    assert set(chromium.FLAGS) >= {"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync", "--no-first-run"}


def test_without_playwright_it_says_how_to_get_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_playwright(name, *args, **kwargs):
        if name.startswith("playwright"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_playwright)
    with pytest.raises(BrowserUnavailable, match=r"pip install 'tkctl\[preview\]'.*`playwright install` is not needed"):
        chromium.ready_browser()
