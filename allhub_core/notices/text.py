"""A site's announcement made safe to show: untrusted HTML and Markdown in, inert text out.

A relay site's announcement is whatever its admin (or whoever took the site over) typed: Markdown
with HTML in it. Nothing of it may run in the dashboard or reach out on its own, so:

- ``safe_markdown`` keeps the Markdown and drops every HTML tag (``html.parser``, the standard
  library's): the text of a tag stays, ``<script>``/``<style>``/``<iframe>``... go with their
  content, block tags become line breaks, a link keeps its text (and its address when it is
  http(s)), an ``<img>`` is dropped. Markdown images are turned into plain links unless the user
  asked for images (then only http(s) ones load); a link to anything but http(s)/mailto keeps only
  its text. Headings become small ones (the page's own stay above them). What is left can hold
  no tag: every ``<`` is escaped. The page renders it with
  ``st.markdown`` and never with ``unsafe_allow_html``.
- ``plain_text`` is the same without Markdown or images (the CLI, notifications, titles).
- ``display_title``: the site's title, else the first line of the text (the extension's
  ``buildAnnouncementTitle``, shortened).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["display_title", "plain_text", "safe_markdown"]

_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
                      "head", "title", "textarea", "select", "frameset", "frame", "applet"}
_BLOCKS = {"address", "article", "aside", "blockquote", "br", "center", "dd", "details", "div", "dl", "dt",
           "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
           "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead",
           "tr", "ul"}
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_REF_IMAGE = re.compile(r"!\[([^\]]*)\]\[([^\]]*)\]")
_MD_TOKENS = re.compile(r"[`*_>#~|]+")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.I)
_WEB = re.compile(r"^https?://", re.I)
_SPACES = re.compile(r"[ \t]+")
_BLANKS = re.compile(r"\n{3,}")
TITLE_LENGTH = 80


class _Stripper(HTMLParser):
    """Every tag out, its text kept (see the module)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self.dropping.append(tag)
        elif tag in _BLOCKS:
            self.out.append("\n")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href.strip() if _WEB.match(href.strip()) else "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.dropping and tag == self.dropping[-1]:
            self.dropping.pop()
        elif tag in _BLOCKS:
            self.out.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)


def _strip_html(text: str) -> str:
    parser = _Stripper()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def safe_markdown(text: str, *, images: bool = False) -> str:
    """The announcement as Markdown that can hold no HTML, no script and (unless ``images``) no
    image: see the module."""
    md = _strip_html(text or "")

    def image(m: re.Match[str]) -> str:
        alt, url = m.group(1).strip() or "image", m.group(2).strip()
        if images and _WEB.match(url):
            return f"![{alt}]({url})"
        return f"[{alt}]({url})" if _WEB.match(url) else alt

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2).strip()
        return m.group(0) if _SAFE_LINK.match(url) else label

    md = _MD_HEADING.sub("#### ", _MD_IMAGE.sub(image, md))  # a site's heading stays below the page's
    md = _MD_REF_IMAGE.sub(lambda m: f"[{m.group(1)}][{m.group(2)}]", md)
    md = _MD_LINK.sub(link, md)
    return _tidy(md.replace("<", "&lt;"))


def plain_text(text: str) -> str:
    """The announcement as plain text: no tag, no Markdown marks, links as their text."""
    plain = _strip_html(text or "")
    plain = _MD_IMAGE.sub("", plain)
    plain = _MD_LINK.sub(lambda m: m.group(1), plain)
    return _tidy(_MD_TOKENS.sub(" ", plain))


def display_title(title: str, text: str) -> str:
    """The site's title, else the first non-empty line of the text; at most 80 characters."""
    for candidate in [plain_text(title), *plain_text(text).split("\n")]:
        line = " ".join(candidate.split())
        if line:
            return line if len(line) <= TITLE_LENGTH else line[:TITLE_LENGTH - 1].rstrip() + "…"
    return "Announcement"
