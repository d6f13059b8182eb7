"""Request and response hardening: the session secret, input guards, security headers, private caching."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest, UnprocessableEntity

SECRET_FILE_NAME = "secret_key"
# C0 controls except tab, newline and carriage return, plus DEL and the C1 block: never meaningful in a name.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def ensure_secret_key(app: Flask) -> None:
    """Use SECRET_KEY if configured, else a random one kept in the instance folder (made once, shared by workers)."""
    if app.config.get("SECRET_KEY"):
        return
    folder = Path(app.config.get("INSTANCE_PATH") or app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_FILE_NAME
    try:
        # O_EXCL: of several workers starting at once exactly one writes the file; the others read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = ""
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                break
            import time

            time.sleep(0.01)  # the writer has created but not yet filled it
        if not key:
            raise RuntimeError(f"{path} is empty; delete it or set SECRET_KEY") from None
    else:
        key = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
    app.config["SECRET_KEY"] = key


def _bad_value(value: Any, path: str, depth: int, max_depth: int, max_chars: int) -> tuple[str, str] | None:
    """The first (field path, problem) in a parsed JSON value, or None."""
    if depth > max_depth:
        return (path.split(".")[0] or "body")[:80], "nested too deep"
    if isinstance(value, str):
        if _SURROGATES.search(value):
            return path or "json", "not valid Unicode (lone surrogate)"
        if CONTROL_CHARACTERS.search(value):
            return path or "json", "control characters are not allowed"
        if len(value) > max_chars:
            return path or "json", f"longer than {max_chars} characters"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _SURROGATES.search(key) or CONTROL_CHARACTERS.search(key):
                return where[:80], "field name is not allowed"
            found = _bad_value(item, where, depth + 1, max_depth, max_chars)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_value(item, f"{path}.{index}" if path else str(index), depth + 1, max_depth, max_chars)
            if found:
                return found
    return None


def guard_request_input() -> None:
    """before_request: refuse JSON that is too deep, holds lone surrogates or control characters; same for forms."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        _check_strings(request.args.items(multi=True), where="query")
        return
    config = current_app.config
    if request.is_json:
        raw = request.get_data(cache=True)
        if not raw:
            return
        try:
            value = json.loads(raw)
        except RecursionError:
            raise _refusal("body", "nested too deep", status=400) from None
        except (ValueError, UnicodeDecodeError):
            return  # the schema layer answers malformed JSON with its own 400
        found = _bad_value(value, "", 0, config["JSON_MAX_DEPTH"], config["TEXT_MAX_CHARS"])
        if found:
            raise _refusal(*found)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_strings(request.form.items(multi=True), where="form")
    _check_strings(request.args.items(multi=True), where="query")


def _check_strings(items: Any, *, where: str) -> None:
    for name, value in items:
        if CONTROL_CHARACTERS.search(value) or _SURROGATES.search(value):
            raise _refusal(name[:80], "control characters are not allowed")


def _refusal(field: str, problem: str, *, status: int = 422) -> Exception:
    error: Any = (BadRequest if status == 400 else UnprocessableEntity)(f"{field}: {problem}")
    # The JSON error handler reads the body from `data`, as it does for flask-smorest's own errors.
    error.data = {"message": f"{field}: {problem}", "errors": {field: [problem]}}
    return error


def _csp() -> str:
    """Scripts only from this site; the Swagger UI page needs its inline bootstrap script."""
    tile_url = current_app.config.get("MAP_TILE_URL", "")
    tile_origin = ""
    if tile_url.startswith(("https://", "http://")):
        tile_origin = " " + "/".join(tile_url.split("/", 3)[:3]).replace("{s}", "*")
    script = "'self'"
    if request.path.startswith(current_app.config.get("OPENAPI_URL_PREFIX", "/api/v1") + "/docs"):
        script += " 'unsafe-inline'"
    return (
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{tile_origin}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def add_security_headers(response: Response) -> Response:
    """after_request: CSP, no framing or sniffing, strict referrer, HSTS behind HTTPS, private pages not cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _csp())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Calendar feed URLs carry a token; a strict referrer keeps it (and order ids) off other sites.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Everything but static assets may show names, phones or whereabouts: browsers and proxies must not keep it.
    if not (request.endpoint or "").endswith("static") and not request.path.startswith("/vendor/"):
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response
