"""Branca compiles the text each folium element renders as a Jinja template; keep it as text.

``branca.element.MacroElement.render`` wraps the header, html and script an element renders
in ``Element(text)``, and ``Element.__init__`` compiles that text as a Jinja template, to be
rendered again later. For a band layer the text is its GeoJSON, so every distance change lexed
and compiled about 70 kB of JSON as a template (about 18 ms of CPU of a change's 100 or so,
``bench/profile_change.py``), and text that happened to hold ``{{ }}`` would be evaluated.
:func:`install` makes those wrappers plain text: the rendered page is the same, byte for byte,
for any text without Jinja syntax but folium's element references (resolved here as the
second pass did), and other text with Jinja syntax is kept as it was written.
"""

from __future__ import annotations

import functools
import re
import threading

import branca.element
import folium.features
import folium.template
import jinja2

__all__ = ["RenderedText", "install", "installed"]

_LOCK = threading.Lock()
#: folium writes a reference to another element in a style function as ``{{'name'}}`` and
#: counts on that second pass to turn it into ``name`` (streamlit-folium resolves it alike).
_ELEMENT_REF = re.compile(r"\{\{\s*'([A-Za-z_$][A-Za-z0-9_$]*)'\s*\}\}")
_STOCK_RENDER = branca.element.MacroElement.render


class RenderedText(branca.element.Element):
    """Text an element has rendered already, rendered again as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RenderedText"
        self.text = _ELEMENT_REF.sub(r"\1", text) if "{{" in text else text

    def render(self, **kwargs) -> str:
        return self.text


def _render(self: branca.element.MacroElement, **kwargs) -> None:
    """``MacroElement.render`` (branca 0.8) with its output kept as text, not compiled again."""
    figure = self.get_root()
    if not isinstance(figure, branca.element.Figure):
        raise AssertionError("You cannot render this Element if it is not in a Figure.")  # as branca does
    module = self._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = module.get(part)
        if macro is not None:
            getattr(figure, part).add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
    for element in list(self._children.values()):
        element.render(**kwargs)


@functools.lru_cache(maxsize=256)
def _compiled(cls: type[jinja2.Template], source: str) -> jinja2.Template:
    return jinja2.Template.__new__(cls, source)


class _BrancaTemplate(jinja2.Template):
    """branca's ``Template``, compiled once per source text (``Element(text)`` compiles its text)."""

    def __new__(cls, source: str, *args, **kwargs):
        if args or kwargs or len(source) > 4096:  # large texts are data, seldom seen twice
            return jinja2.Template.__new__(cls, source, *args, **kwargs)
        return _compiled(cls, source)


class _FoliumTemplate(folium.template.Template):
    """folium's ``Template``, compiled once per source: tooltips and popups build theirs in ``render``."""

    def __new__(cls, source: str, *args, **kwargs):
        if args or kwargs or len(source) > 4096:
            return jinja2.Template.__new__(cls, source, *args, **kwargs)
        return _compiled(cls, source)


def install() -> None:
    """Make every ``MacroElement`` render its header, html and script as text, once per process.

    Classes that render in their own way (``Figure``, ``folium.Map`` and others that
    override ``render`` and call ``super().render()``) reach the patched method too. The
    templates branca and folium make while rendering (``Element(text)``, a tooltip's
    style) are compiled once per source text.
    """
    with _LOCK:
        branca.element.MacroElement.render = _render
        branca.element.Template = _BrancaTemplate
        folium.features.Template = _FoliumTemplate


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return branca.element.MacroElement.render is _render and folium.features.Template is _FoliumTemplate
