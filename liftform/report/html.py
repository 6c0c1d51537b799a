"""Template rendering: Jinja2 with autoescape on, so every string from a user (file names, paths, settings,
warnings) shows as text. Pages are self-contained: one inline stylesheet, at most one inline script, images as
data: URIs, and a Content-Security-Policy that allows nothing else (no network, no injected scripts or styles).
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
import urllib.parse
from datetime import datetime, timezone
from typing import Any

import jinja2
import markupsafe

from liftform.core.vocabulary import BackState, Tone, setting_number
from liftform.outputs.overlay import SKELETON_RGB, TAG_TEXT_RGB

_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The shared Jinja2 environment (templates from the ``liftform.report`` package, autoescape always on)."""
    global _ENV
    if _ENV is None:
        env = jinja2.Environment(loader=jinja2.PackageLoader("liftform.report", "templates"),
                                 autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                 lstrip_blocks=True, keep_trailing_newline=True)
        env.filters.update(num=fmt_num, pct=fmt_pct, url_path=url_path, words=words_html, setting=setting_number)
        env.globals["rounded_tag"] = BackState.ROUNDED.tag          # the word on a rounded back, in the legend
        _ENV = env
    return _ENV


_CODE_SPAN = re.compile(r"`([^`]+)`")


def words_html(text: Any) -> markupsafe.Markup:
    """liftform's words (a reason, advice, a note) for the page: escaped, with each `command` in backticks set as
    code, as the terminal shows it (the page had shown the backticks)."""
    escaped = str(markupsafe.escape("" if text is None else text))
    return markupsafe.Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


def fmt_num(value: Any, decimals: int = 0, unit: str = "") -> str:
    """A number for a table cell: rounded, with ``unit``; an em dash when missing."""
    if value is None or isinstance(value, bool):
        return "—"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(value):
        return "—"
    return f"{value:.{decimals}f}{unit}".replace("-", "−") if value < 0 else f"{value:.{decimals}f}{unit}"


def fmt_pct(value: Any) -> str:
    """A 0..1 fraction as a whole percentage."""
    try:
        return fmt_num(100.0 * float(value), 0, "%")
    except (TypeError, ValueError):
        return "—"


def url_path(*parts: str) -> str:
    """A relative URL from path parts, each percent-encoded from its bytes on disk (a folder named ``<b>#1`` stays
    one segment; ``caf\\xe9``, not UTF-8, is ``caf%E9``)."""
    return "/".join(urllib.parse.quote(os.fsencode(str(p)), safe="") for p in parts)


def data_uri(mime: str, payload: bytes) -> str:
    """``payload`` as a base64 data: URI."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str, script: str | None, media: bool) -> str:
    """A CSP allowing only this page's own inline style and script (by hash), data: images and, with ``media``,
    videos from data: URIs or the page's own folder."""
    parts = ["default-src 'none'", "img-src data:", f"style-src {_sha256_source(style)}",
             f"script-src {_sha256_source(script)}" if script else "script-src 'none'",
             "base-uri 'none'", "form-action 'none'"]
    if media:
        parts.append("media-src data: 'self' file:")
    return "; ".join(parts)


def _raw(env: jinja2.Environment, name: str) -> str:
    """A template file's text as is (CSS and JS are not Jinja templates)."""
    return env.loader.get_source(env, name)[0]


def legend_css() -> str:
    """The legend's swatches in the colours the frames are drawn in (`Tone.rgb`, `overlay.SKELETON_RGB`, the tag
    of a rounded back), and the verdicts' colours on the page in the plots' (`Tone.hex`, backgrounds `Tone.tint`),
    so that they are written once, there."""
    swatches = {f"line-{tone.css_class}": tone.rgb for tone in Tone} | {"skeleton": SKELETON_RGB}
    rules = [":root { " + " ".join(f"--{tone.css_class}: {tone.hex}; --{tone.css_class}-bg: {tone.tint};"
                                   for tone in Tone) + " }"]
    rules += [f".sw.{name} {{ color: rgb{rgb}; }}" for name, rgb in swatches.items()]
    rules.append(f".tag {{ background: rgb{Tone.BAD.rgb}; color: rgb{TAG_TEXT_RGB}; }}")
    return "\n".join(rules) + "\n"


def render_page(template: str, *, style_template: str = "style.css", script_template: str | None = None,
                media: bool = False, **context: Any) -> str:
    """Render ``template`` with its inline stylesheet, optional inline script and the matching CSP."""
    env = environment()
    style = _raw(env, style_template) + legend_css()
    script = _raw(env, script_template) if script_template else None
    generated = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return env.get_template(template).render(style=style, script=script, generated=generated,
                                             csp=content_security_policy(style, script, media), **context)
