"""Where the booking widget's script (and stylesheet) come from: one documented choice.

`--widget-js PATH|URL` wins; its stylesheet is the `.css` file of the same name beside it (the
way the npm package and Timekit's CDN lay out `booking.min.js` and `booking.min.css`), when
there is one. Otherwise tkctl uses the pinned release of Timekit's widget from the npm registry
(`timekit-booking`, MIT): downloaded on first use, checked against the integrity hash the
registry publishes for it, and kept in the user's cache folder, where every later use checks
it again. The repository carries no copy of the widget.

`npm_config_registry` (npm's own setting) points at another registry or a mirror; the
integrity check still applies, so a mirror cannot change what runs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import httpx

from tkctl.errors import TkctlError

PACKAGE = "timekit-booking"
VERSION = "3.3.1"
# The registry's `dist.integrity` of timekit-booking 3.3.1: sha512 of the .tgz, base64.
INTEGRITY = "sha512-YSlVWTyhVGhVleXnr5HmT8bQif5IQxMtD8jGMJOOIFgSXrsQIs9aW7YLfOT2jrcMVBOOgjodhCjMOGpJx4rjag=="
DEFAULT_REGISTRY = "https://registry.npmjs.org"
SCRIPT_MEMBER = "package/public/build/booking.min.js"
STYLESHEET_MEMBER = "package/public/build/booking.min.css"
MAX_BYTES = 20_000_000  # the 3.3.1 package is 1.2 MB; its script 1.7 MB
DOWNLOAD_TIMEOUT = 60.0


class WidgetUnavailable(TkctlError):
    """The widget's script could not be had: nothing cached, no download, a bad --widget-js."""


@dataclass(frozen=True)
class WidgetBundle:
    script: bytes
    stylesheet: bytes | None
    source: str  # for people: where it came from


def cache_dir(environ: Mapping[str, str]) -> Path:
    """tkctl's cache folder: $XDG_CACHE_HOME/tkctl, else ~/.cache/tkctl."""
    base = environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base else Path(environ.get("HOME") or Path.home()) / ".cache"
    return root / "tkctl"


def registry_url(environ: Mapping[str, str]) -> str:
    url = (environ.get("npm_config_registry") or environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY).strip()
    return url.rstrip("/")


def tarball_url(registry: str) -> str:
    return f"{registry}/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"


def integrity_of(data: bytes) -> str:
    """The Subresource Integrity string npm publishes (`sha512-<base64>`)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def load_bundle(widget_js: str | None, environ: Mapping[str, str]) -> WidgetBundle:
    """The widget to serve: `--widget-js`, else the pinned package (cached, or downloaded now)."""
    if widget_js:
        if widget_js.startswith(("http://", "https://")):
            return _from_url(widget_js)
        return _from_path(Path(widget_js))
    return pinned_bundle(environ)


# ---------------------------------------------------------------- the pinned npm package


def pinned_bundle(environ: Mapping[str, str]) -> WidgetBundle:
    cached = cache_dir(environ) / f"{PACKAGE}-{VERSION}.tgz"
    data = _read_cache(cached)
    if data is None:
        url = tarball_url(registry_url(environ))
        data = _download(url, cached)
        if integrity_of(data) != INTEGRITY:
            raise WidgetUnavailable(
                f"the download of {PACKAGE} {VERSION} from {url} does not match the integrity hash the npm registry "
                f"publishes for it ({INTEGRITY[:20]}...), so tkctl will not run it. If you use a registry mirror "
                "(npm_config_registry), check it; or pass a widget you trust with --widget-js PATH")
        _write_cache(cached, data)
    script, stylesheet = _unpack(data, cached)
    return WidgetBundle(script, stylesheet, f"{PACKAGE} {VERSION} (npm, cached in {cached.parent})")


def _read_cache(path: Path) -> bytes | None:
    """The cached package if it is there and intact; a damaged copy is dropped and fetched again."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if integrity_of(data) == INTEGRITY:
        return data
    try:
        path.unlink()
    except OSError:
        pass
    return None


def _download(url: str, cached: Path) -> bytes:
    try:
        with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True) as response:
            if response.status_code != 200:
                raise _not_downloaded(url, cached, f"the registry answered {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise _not_downloaded(url, cached, f"it is larger than {MAX_BYTES:,} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise _not_downloaded(url, cached, str(exc) or type(exc).__name__) from None


def _not_downloaded(url: str, cached: Path, reason: str) -> WidgetUnavailable:
    return WidgetUnavailable(
        f"Timekit's booking widget ({PACKAGE} {VERSION}) is not in the cache ({cached.parent}) and could not be "
        f"downloaded from {url}: {reason}.\n"
        "  Either run this once where the npm registry can be reached (tkctl keeps the package in the cache "
        "folder and checks it against its published hash),\n"
        f"  or download {PACKAGE}-{VERSION}.tgz yourself (`npm pack {PACKAGE}@{VERSION}`), unpack it and pass "
        "--widget-js package/public/build/booking.min.js")


def _write_cache(path: Path, data: bytes) -> None:
    """Atomically (temp file and rename): two previews starting at once never see half a file.
    A cache that cannot be written only costs a download next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def _unpack(data: bytes, source: Path) -> tuple[bytes, bytes | None]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            script = _member(archive, SCRIPT_MEMBER)
            stylesheet = _member(archive, STYLESHEET_MEMBER)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise WidgetUnavailable(f"{source} is not a readable npm package ({exc}); delete it and run again") from None
    if script is None:
        raise WidgetUnavailable(f"{source} has no {SCRIPT_MEMBER}; delete it and run again")
    return script, stylesheet


def _member(archive: tarfile.TarFile, name: str) -> bytes | None:
    try:
        member = archive.getmember(name)
    except KeyError:
        return None
    if not member.isfile():
        return None
    handle = archive.extractfile(member)
    return handle.read() if handle is not None else None


# ---------------------------------------------------------------- --widget-js


def _stylesheet_name(name: str) -> str | None:
    return name[: -len(".js")] + ".css" if name.endswith(".js") else None


def _from_path(path: Path) -> WidgetBundle:
    try:
        script = _read_file(path)
    except OSError as exc:
        raise WidgetUnavailable(f"--widget-js {path}: cannot read it ({exc.strerror or exc})") from None
    stylesheet = None
    css_name = _stylesheet_name(path.name)
    if css_name and (path.parent / css_name).is_file():
        try:
            stylesheet = _read_file(path.parent / css_name)
        except OSError:
            stylesheet = None
    return WidgetBundle(script, stylesheet, str(path))


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(2, "no such file")
    if path.stat().st_size > MAX_BYTES:
        raise OSError(27, f"larger than {MAX_BYTES:,} bytes")
    return path.read_bytes()


def _from_url(url: str) -> WidgetBundle:
    def get(address: str) -> httpx.Response:
        return httpx.get(address, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True)

    try:
        answer = get(url)
    except httpx.HTTPError as exc:
        raise WidgetUnavailable(f"--widget-js {url}: cannot download it ({exc or type(exc).__name__})") from None
    if answer.status_code != 200:
        raise WidgetUnavailable(f"--widget-js {url}: the server answered {answer.status_code}")
    stylesheet = None
    path = httpx.URL(url).path
    css_path = _stylesheet_name(path)
    if css_path:
        try:
            css = get(str(httpx.URL(url).copy_with(path=css_path, query=None)))
            stylesheet = css.content if css.status_code == 200 else None
        except httpx.HTTPError:
            stylesheet = None
    return WidgetBundle(answer.content, stylesheet, url)
