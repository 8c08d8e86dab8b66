"""HTML and OCDS releases to the plain text the extractor reads (offsets refer to it).

Placeholder implementation; the news-spider work replaces it with a measured extractor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)
_TAG = re.compile(r"</?(p|div|html|body|head|br|span|a|article|section|h[1-6]|li|ul|table|meta|title)\b", re.I)


@dataclass
class Article:
    """Main text and metadata of a web page."""

    text: str
    title: str | None = None
    published: str | None = None  # ISO date
    canonical_url: str | None = None


def looks_like_html(content: str) -> bool:
    """True when ``content`` is an HTML document or fragment rather than plain text."""
    head = content[:2048]
    if _HTML_SNIFF.match(head):
        return True
    return len(_TAG.findall(content[:20000])) >= 5


def html_to_text(html: str, url: str | None = None) -> Article:
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else None
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
        tag.decompose()
    text = "\n\n".join(p for p in (s.strip() for s in soup.get_text("\n").split("\n")) if p)
    return Article(text=text, title=title)
