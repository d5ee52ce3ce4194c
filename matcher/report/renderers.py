"""Every report format by name: the registry the CLI's ``--format`` choices come from."""

from __future__ import annotations

from matcher.report.html import render_html
from matcher.report.text import render_json, render_markdown, render_text

RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}
