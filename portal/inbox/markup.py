"""Instructions are Markdown written by process authors, with process values filled in.

The values come from customers and staff, so the HTML Markdown produces is
sanitised with nh3 before it reaches a page: only text formatting, lists,
tables and links (http, https, mailto, tel) survive; scripts, styles, event
handlers and images do not.
"""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


# A list item: "1. ", "2) ", "- ", "* ", "+ " at the start of a line (indented up to three spaces).
_LIST_ITEM = re.compile(r"^ {0,3}(?:\d{1,9}[.)]|[-*+])\s")


def as_written(text: str) -> str:
    """Authors write a checklist right under its heading line ("Before you deliver:\n1. ...");
    Markdown would read that as one paragraph, so a blank line goes before a list that starts
    straight after text. Everything else is left as written."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        # An indented line before the item continues a list item: it stays with it.
        after_text = bool(out) and out[-1].strip() and not out[-1].startswith((" ", "\t"))
        if _LIST_ITEM.match(line) and after_text and not _LIST_ITEM.match(out[-1]):
            out.append("")
        out.append(line)
    return "\n".join(out)


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML that is safe to put in a page as is."""
    if not text.strip():
        return mark_safe("")
    html = markdown.markdown(as_written(text), extensions=["tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES)
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just removed everything unsafe
