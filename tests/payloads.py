"""Hostile strings sent through every path by which user text reaches the page.

Every payload that would run sets ``window.__pwned`` so a browser test can detect it.
"""

from __future__ import annotations

import base64

__all__ = ["DANGEROUS_MARKERS", "HOSTILE", "HOSTILE_IDS"]

_PWN = "window.__pwned=1"
_DATA_HTML = base64.b64encode(f"<script>{_PWN}</script>".encode()).decode()

#: (id, payload): script tags, event handlers, javascript: URLs, template-string and
#: template-engine syntax, string breakouts, odd Unicode and sheer size.
HOSTILE: list[tuple[str, str]] = [
    ("script-tag", f"<script>{_PWN}</script>"),
    ("img-onerror", f'<img src=x onerror="{_PWN}">'),
    ("svg-onload", f"<svg onload={_PWN}>"),
    ("javascript-url", f"javascript:{_PWN}"),
    ("attr-breakout-script", f'"><script>{_PWN}</script>'),
    ("close-script", f"</script><script>{_PWN}</script>"),
    ("js-template-literal", f"`; {_PWN}; `"),
    ("js-template-expr", f"${{{_PWN}}}"),
    ("js-template-nested", f"`${{{_PWN}}}`"),
    ("jinja-expression", "{{ 7*7 }}{% if 1 %}x{% endif %}"),
    ("js-string-breakout", f"'); {_PWN}; ('"),
    ("js-dq-breakout", f'"); {_PWN}; ("'),
    ("line-separators", f"a\u2028{_PWN}\u2029b"),
    ("very-long", "A" * 50_000 + f"<script>{_PWN}</script>" + "B" * 49_950),
    ("rtl-override", f"\u202etxt.exe<script>{_PWN}</script>"),
    ("zero-width", "Ky\u200biv\u200d\u200c\ufeff"),
    ("emoji", "🇺🇦🏳️‍🌈👩‍👩‍👧 Київ"),
    ("nul-byte", f"a\x00<script>{_PWN}</script>"),
    ("crlf-injection", f"x\r\nSet-Cookie: pwned=1\r\n\r\n<script>{_PWN}</script>"),
    ("iframe-javascript", f'<iframe src="javascript:{_PWN}"></iframe>'),
    ("anchor-javascript", f'<a href="javascript:{_PWN}">click</a>'),
    ("style-import", "<style>@import 'http://evil.example/x.css';</style>"),
    ("data-url", f"data:text/html;base64,{_DATA_HTML}"),
    ("entities", f"&lt;script&gt;{_PWN}&lt;/script&gt;"),
    ("html-comment", f"<!--<script>{_PWN}</script>-->"),
    ("cdata", f"<![CDATA[<script>{_PWN}</script>]]>"),
    ("homoglyphs", "Кyiv аpple.com ＜script＞"),
    ("details-ontoggle", f"<details open ontoggle={_PWN}>"),
    ("body-onload", f"<body onload={_PWN}>"),
    ("math-href", f'<math><mi xlink:href="javascript:{_PWN}">x</mi></math>'),
    ("backslash-escape", f"\\`${{{_PWN}}}\\"),
    ("markdown-link", f"[click](javascript:{_PWN})"),
]

HOSTILE_IDS = [name for name, _ in HOSTILE]

#: Substrings that must never appear in a rendered page as markup built from user text.
DANGEROUS_MARKERS = (
    "<script>window.__pwned",
    "<img src=x",
    "<svg onload",
    "<iframe",
    '<a href="javascript',
    "<style>@import",
    "<details",
    "<body onload",
    "<math>",
    "${window.__pwned",
    "`; window.__pwned",
)
