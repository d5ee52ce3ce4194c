"""A saved web page to its main text, without navigation, cookie banners and footers."""

from __future__ import annotations

import re
from typing import Any

from matcher.read.limits import unreadable_error
from matcher.read.text import decode_text

# --------------------------------------------------------------------------- HTML

# Page furniture that is never part of a posting.
_HTML_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "aside",
    "form",
    "button",
    "dialog",
)
# Site-wide header and footer; an <article>'s own header holds the job title.
_HTML_SITE_TAGS = ("header", "footer")
_HTML_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "dialog", "alertdialog"})
_HTML_DROP_WORDS = frozenset(
    {
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "navbar",
        "nav",
        "menu",
        "footer",
        "breadcrumb",
        "breadcrumbs",
        "newsletter",
        "social",
        "share",
        "modal",
        "popup",
        "sidebar",
    }
)
_HTML_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
_HTML_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer",
        "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t]+")


def read_html(data: bytes, name: str, limit: int) -> str:
    """The main text of a saved web page: the posting, not navigation, banners or footers."""
    import lxml.html

    # lxml refuses control characters that XML forbids; they carry no text anyway.
    text = _XML_INVALID.sub("", decode_text(data, name=name))
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except Exception as exc:  # lxml raises ParserError on documents with no elements
        raise unreadable_error(name, "HTML page", "save the page again or paste its text") from exc
    _drop_page_furniture(root)
    main = _trafilatura_text(root)
    if main is None:
        main = _html_block_text(root)
    return main


def _drop_page_furniture(root: Any) -> None:
    doomed = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _HTML_KEEP_TAGS:
            continue
        if tag in _HTML_DROP_TAGS or (
            tag in _HTML_SITE_TAGS and not _inside(element, {"article", "main"})
        ):
            doomed.append(element)
            continue
        role = (element.get("role") or "").lower()
        words = set(
            _WORD_SPLIT.split(f"{element.get('id', '')} {element.get('class', '')}".lower())
        )
        if role in _HTML_DROP_ROLES or words & _HTML_DROP_WORDS:
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _inside(element: Any, tags: set[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _trafilatura_text(root: Any) -> str | None:
    """trafilatura's main-content text, list items as "• " lines; None if it finds none."""
    import trafilatura

    try:
        text = trafilatura.extract(
            root,
            include_tables=True,
            include_comments=False,
            include_links=False,
            include_images=False,
            favor_recall=True,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # trafilatura gives up on odd trees; the plain fallback still works
        return None
    if not text or not text.strip():
        return None
    return re.sub(r"(?m)^- ", "• ", text)


def _html_block_text(root: Any) -> str:
    """All text left in the (already cleaned) page, one line per block element."""
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "li":
            element.text = "• " + (element.text or "").lstrip()
        if tag in {"td", "th"}:
            element.tail = " | " + (element.tail or "")
        elif tag in _HTML_BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    body = root.find("body")
    text = (body if body is not None else root).text_content()
    lines = (_SPACES.sub(" ", line).strip(" |") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
