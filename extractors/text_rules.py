"""A small rule-based main-text extractor (selectolax): the measured alternative to trafilatura.

``html_to_text`` uses trafilatura first (it scored better on our pages, see
``benchmarks/article_quality.py``) and falls back to these rules when trafilatura returns
nothing, as it does for short pages and index pages (a case-study list, a regional page).

The rules: drop elements that never hold the story (scripts, navigation, headers, footers,
forms) and elements whose ``class``/``id``/``role`` name a kind of boilerplate (cookie banners,
share bars, "related stories"); then read headings, paragraphs, list items and table cells
from the page's ``<article>``/``<main>`` if it has one, else from the body.

Example::

    >>> rules_text('<body><nav>Home</nav><main><p>HMP Leeds healthcare moves.</p></main>'
    ...            '<div class="cookie-banner"><p>We use cookies</p></div></body>')
    'HMP Leeds healthcare moves.'
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser, LexborNode as Node

# Elements that never carry article text.
DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select",
    "nav", "header", "footer", "aside", "dialog", "head",
)
# class/id/role fragments of the usual boilerplate containers (matched as substrings, so
# "cookie" also catches "cookie-banner", "nhsuk-cookie-banner", "cookieConsent").
BOILERPLATE = re.compile(
    r"cookie|consent|gdpr|banner|related|share|sharing|social|newsletter|subscribe|signup|"
    r"breadcrumb|skip-?link|menu|navbar|masthead|site-?header|site-?footer|footer|sidebar|"
    r"widget|comment|promo|advert|\bads?\b|sponsor|popular|most-?read|trending|tags|"
    r"pagination|author-?bio|feedback|back-?to-?top",
    re.I,
)
# Main content containers, best first.
MAIN_SELECTORS = ("article", "main", "[role=main]", "#content", ".content", "#main")
BLOCK_TAGS = "h1, h2, h3, h4, p, li, blockquote, td, th, dd, dt, figcaption, pre"
_WS = re.compile(r"\s+")


def _is_boilerplate(node: Node) -> bool:
    attrs = node.attributes
    names = " ".join(v for k, v in attrs.items() if k in ("class", "id", "role") and v)
    # <main>, <article> and <body> may carry generic layout classes; never drop them.
    return bool(names) and node.tag not in ("main", "article", "body", "html") and bool(BOILERPLATE.search(names))


def _blocks(root: Node) -> list[str]:
    out: list[str] = []
    for node in root.css(BLOCK_TAGS):
        # Nested blocks (p inside li, li inside td) would repeat text: keep the innermost only.
        if node.css_first(BLOCK_TAGS) is not None and node.tag in ("li", "td", "th", "dd", "blockquote"):
            continue
        text = _WS.sub(" ", node.text(separator=" ")).strip()
        if text and (not out or out[-1] != text):
            out.append(text)
    return out


def rules_text(html: str) -> str:
    """Main text of ``html`` by the rules above: one block per line."""
    tree = HTMLParser(html)
    tree.strip_tags(list(DROP_TAGS))
    for node in list(tree.css("[class], [id], [role]")):
        if _is_boilerplate(node):
            node.decompose()
    root = None
    for selector in MAIN_SELECTORS:
        candidates = tree.css(selector)
        if candidates:
            # The candidate holding the most paragraph text, not merely the first one.
            root = max(candidates, key=lambda n: sum(len(p.text()) for p in n.css("p")))
            if root.css_first("p") is not None:
                break
            root = None
    root = root or tree.body or tree.root
    if root is None:
        return ""
    return "\n".join(_blocks(root))
