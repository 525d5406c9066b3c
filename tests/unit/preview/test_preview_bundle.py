"""Where the widget comes from: the pinned npm package checked against its integrity hash and
cached, or --widget-js. A local HTTP server stands in for the registry (unit tests stay offline)."""

from __future__ import annotations

import io
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tkctl.preview import bundle
from tkctl.preview.bundle import WidgetUnavailable, integrity_of, load_bundle


def package(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return raw.getvalue()


FAKE = package({bundle.SCRIPT_MEMBER: b"window.TimekitBooking = 1;", bundle.STYLESHEET_MEMBER: b".bookingjs{}",
                "package/README.md": b"# readme"})


class Registry:
    """Serves one body at any path and remembers the paths asked for."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status, self.paths = body, status, []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                registry.paths.append(self.path)
                self.send_response(registry.status)
                self.send_header("Content-Length", str(len(registry.body)))
                self.end_headers()
                self.wfile.write(registry.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    servers = []

    def make(body: bytes = FAKE, status: int = 200) -> Registry:
        servers.append(Registry(body, status))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def env(tmp_path: Path, registry_url: str) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "npm_config_registry": registry_url, "HOME": str(tmp_path)}


def test_the_pinned_integrity_is_npms_sha512_form():
    assert bundle.INTEGRITY.startswith("sha512-") and len(bundle.INTEGRITY) == len("sha512-") + 88
    assert integrity_of(b"") == ("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6"
                                 "+SfaPg==")


@pytest.mark.parametrize("environ, expected", [
    ({"XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"}, "/x/cache/tkctl"),
    ({"XDG_CACHE_HOME": "  ", "HOME": "/home/u"}, "/home/u/.cache/tkctl"),
    ({"HOME": "/home/u"}, "/home/u/.cache/tkctl"),
])
def test_the_cache_folder(environ, expected):
    assert str(bundle.cache_dir(environ)) == expected


def test_downloaded_once_checked_and_then_served_from_the_cache(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(bundle, "INTEGRITY", integrity_of(FAKE))
    server = registry()
    first = load_bundle(None, env(tmp_path, server.url))
    assert (first.script, first.stylesheet) == (b"window.TimekitBooking = 1;", b".bookingjs{}")
    assert server.paths == [f"/{bundle.PACKAGE}/-/{bundle.PACKAGE}-{bundle.VERSION}.tgz"]
    cached = tmp_path / "cache" / "tkctl" / f"{bundle.PACKAGE}-{bundle.VERSION}.tgz"
    assert cached.read_bytes() == FAKE
    again = load_bundle(None, env(tmp_path, "http://127.0.0.1:9"))  # offline now: the cache serves
    assert again == first and len(server.paths) == 1
    assert first.source == f"{bundle.PACKAGE} {bundle.VERSION} (npm, cached in {cached.parent})"


def test_a_download_that_does_not_match_the_integrity_is_refused_and_not_cached(tmp_path, registry):
    server = registry(package({bundle.SCRIPT_MEMBER: b"alert('evil')"}))
    with pytest.raises(WidgetUnavailable) as caught:
        load_bundle(None, env(tmp_path, server.url))
    assert str(caught.value).startswith(f"the download of {bundle.PACKAGE} {bundle.VERSION} from {server.url}"
                                        f"{bundle.PACKAGE}/-/{bundle.PACKAGE}-{bundle.VERSION}.tgz does not match "
                                        "the integrity hash the npm registry publishes for it")
    assert not (tmp_path / "cache" / "tkctl").exists()


def test_a_damaged_cache_is_fetched_again(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(bundle, "INTEGRITY", integrity_of(FAKE))
    cached = tmp_path / "cache" / "tkctl" / f"{bundle.PACKAGE}-{bundle.VERSION}.tgz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(FAKE[:100])
    server = registry()
    assert load_bundle(None, env(tmp_path, server.url)).script == b"window.TimekitBooking = 1;"
    assert len(server.paths) == 1 and cached.read_bytes() == FAKE


def test_a_registry_error_names_the_status_and_the_way_out(tmp_path, registry):
    server = registry(b"not found", status=404)
    with pytest.raises(WidgetUnavailable, match=r"could not be downloaded from .*: the registry answered 404\.\n"
                                                r"  Either run this once"):
        load_bundle(None, env(tmp_path, server.url))


def test_widget_js_path_takes_the_css_of_the_same_name_beside_it(tmp_path):
    (tmp_path / "booking.min.js").write_bytes(b"js")
    (tmp_path / "booking.min.css").write_bytes(b"css")
    (tmp_path / "alone.js").write_bytes(b"alone")
    assert load_bundle(str(tmp_path / "booking.min.js"), {}) == bundle.WidgetBundle(
        b"js", b"css", str(tmp_path / "booking.min.js"))
    assert load_bundle(str(tmp_path / "alone.js"), {}).stylesheet is None


def test_widget_js_url_is_fetched_with_its_css(registry):
    server = registry(b"served")
    got = load_bundle(server.url + "v3/booking.min.js?x=1", {})
    assert (got.script, got.stylesheet, got.source) == (b"served", b"served", server.url + "v3/booking.min.js?x=1")
    assert server.paths == ["/v3/booking.min.js?x=1", "/v3/booking.min.css"]


def test_widget_js_url_that_fails(registry):
    server = registry(b"gone", status=410)
    with pytest.raises(WidgetUnavailable, match=r"^--widget-js .*booking\.min\.js: the server answered 410$"):
        load_bundle(server.url + "booking.min.js", {})
