"""Instructions are Markdown with process values filled in; the page shows them formatted and harmless."""

from portal.inbox.markup import render_markdown


def test_markdown_is_formatted():
    html = render_markdown("Call **Li Wei** on [13800000007](tel:13800000007).\n\n- ask about *SUVs*")
    assert "<strong>Li Wei</strong>" in html
    assert '<a href="tel:13800000007" rel="noopener noreferrer">13800000007</a>' in html
    assert "<li>ask about <em>SUVs</em></li>" in html


def test_scripts_handlers_and_javascript_links_are_removed():
    html = render_markdown(
        'Call <script>alert(1)</script>**X** <img src=x onerror="alert(2)"> '
        '[click](javascript:alert(3)) <a href="#" onclick="alert(4)">y</a>'
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html and "<img" not in html
    assert "javascript:" not in html and "onclick" not in html
    assert "<strong>X</strong>" in html


def test_empty_instructions_render_nothing():
    assert render_markdown("  \n") == ""
