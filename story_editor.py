"""The page's "Your article" panel: bring an article, review its places and passages, map it.

A thin Streamlit layer over :mod:`geo.authoring`, :mod:`geo.article_input` and
:mod:`geo.passages`; the draft lives in the session (one person's review), the story it
makes travels as its file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import streamlit as st

from geo.article_input import article_from_file, article_from_text
from geo.authoring import Draft, confirm_place, correct_place, draft_story, remove_place, search_places
from geo.errors import AtlasError
from geo.passages import add_passage, drop_passages, trim_passage
from geo.story import MAX_ARTICLE_CHARS, Story, load_story_file

__all__ = ["MAX_PASTE_CHARS", "UPLOAD_TYPES", "article_editor", "current_story", "md"]

UPLOAD_TYPES = ("txt", "md", "html", "htm", "docx")
#: Where the text box itself stops a paste. Above the article's limit, so a text too long
#: is refused with its length said, not cut silently to the limit and mapped.
MAX_PASTE_CHARS = 5 * MAX_ARTICLE_CHARS
_DRAFT = "byo_draft"
_USE = "byo_use"
#: Streamlit's text box breaks an overlong word anywhere (overflow-wrap: break-word), and laying
#: that out is Chromium's slow path: a pasted 200,000-character word held the browser for 31 s,
#: 20,000 for 2 s. Wrapped at spaces only, an overlong word scrolls instead: 1.4 s and 0.3 s.
_BOX_CSS = "<style>.st-key-byo-text textarea { overflow-wrap: normal; }</style>"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """User text escaped for Streamlit markdown: no link, image, HTML or formula is made of it."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _set_draft(draft: Draft | None) -> None:
    st.session_state[_DRAFT] = draft


def _draft() -> Draft | None:
    return st.session_state.get(_DRAFT)


def _find(text: str | None, upload, on_border: Callable[[str | None], None]) -> None:
    try:
        if upload is not None:
            article = article_from_file(upload.getvalue(), upload.name)
        else:
            article = article_from_text(text or "")
        _start(draft_story(article), on_border)
    except AtlasError as exc:
        st.session_state["byo_error"] = str(exc)


def _open(upload, on_border: Callable[[str | None], None]) -> None:
    try:
        _start(Draft(load_story_file(upload.getvalue()), ()), on_border)
    except AtlasError as exc:
        st.session_state["byo_error"] = f"This story file cannot be opened: {exc}"


def _start(draft: Draft, on_border: Callable[[str | None], None]) -> None:
    """Map a new draft, measuring from the border its story names."""
    _set_draft(draft)
    st.session_state[_USE] = True
    on_border(draft.story.border)


def _apply(change, *args) -> None:
    draft = _draft()
    if draft is None:
        return
    try:
        _set_draft(change(draft, *args))
    except AtlasError as exc:
        st.session_state["byo_error"] = str(exc)


def _on_story(change, *args) -> Draft:
    def run(draft: Draft) -> Draft:
        return Draft(change(draft.story, *args), draft.findings)
    return run


def _review_places(draft: Draft) -> None:
    story = draft.story
    confirmed = sum(p.confirmed for p in story.places)
    st.markdown(f"**Places** — {confirmed} of {len(story.places)} confirmed by you. "
                "Nothing unconfirmed is shown as fact.")
    findings = {f.place_id: f for f in draft.findings}
    for place in story.places:
        f = findings.get(place.id)
        mark = ":material/check_circle:" if place.confirmed else ":material/help:"
        with st.container(border=True):
            head = f"{mark} **{md(place.name)}** ({place.kind})"
            if f is not None:
                head += f" — named {f.count}× as {', '.join(md(m) for m in f.mentions[:4])}"
            st.markdown(head)
            if f is not None:
                st.caption(f"Located: {md(f.located)}. Sure: {f.confidence:.0%}.")
            cols = st.columns(3)
            cols[0].button("Confirm", key=f"byo-ok-{place.id}", disabled=place.confirmed,
                           on_click=_apply, args=(confirm_place, place.id))
            cols[1].button("Remove", key=f"byo-rm-{place.id}", on_click=_apply, args=(remove_place, place.id))
            query = cols[2].text_input("Correct to…", key=f"byo-q-{place.id}", placeholder="Type a place name",
                                       label_visibility="collapsed")
            if query:
                options = search_places(query, 10)
                if not options:
                    st.caption("No place of that name in the gazetteer.")
                else:
                    choice = st.selectbox("Correct to", options, key=f"byo-c-{place.id}",
                                          format_func=lambda p: f"{p.name} ({p.kind}, {p.country or '—'})")
                    st.button("Use this place", key=f"byo-fix-{place.id}",
                              on_click=_apply, args=(correct_place, place.id, choice))


def _review_passages(draft: Draft) -> None:
    story = draft.story
    st.markdown(f"**Passages** — {len(story.passages)}, each quoted exactly from the article.")
    names = {p.id: p.name for p in story.places}
    for p in story.passages:
        with st.container(border=True):
            st.markdown(f"**{p.number}.** {md(names.get(p.place, p.place))} — “{md(p.quote)}”")
            trimmed = st.text_input("Trim to (an exact part of the passage)", value=p.quote,
                                    key=f"byo-trim-{p.number}-{p.offset}-{len(p.quote)}")
            cols = st.columns(2)
            cols[0].button("Drop", key=f"byo-drop-{p.number}-{p.offset}",
                           on_click=_apply, args=(_on_story(drop_passages, [p.number]),))
            if trimmed != p.quote:
                cols[1].button("Trim", key=f"byo-cut-{p.number}-{p.offset}",
                               on_click=_apply, args=(_on_story(trim_passage, p.number, trimmed),))
    if story.places:
        with st.form("byo-add", clear_on_submit=True, border=False):
            quote = st.text_area("Add a passage: quote it exactly", key="byo-add-quote", height=80)
            place = st.selectbox("Tied to", [p.id for p in story.places], format_func=names.get,
                                 key="byo-add-place")
            if st.form_submit_button("Add passage") and quote:
                _apply(_on_story(add_passage, quote, place, "Added by a person."))


def _follow_border(key: str) -> None:
    """The story measures from the border the sidebar shows, so that its file keeps it."""
    draft = _draft()
    s = draft.story
    if key != s.border:
        _set_draft(Draft(dataclasses.replace(s, border=key), draft.findings))


def article_editor(border: str | None, on_border: Callable[[str | None], None]) -> Story | None:
    """Draw the "Your article" panel; return the story the map should show, or None for the bundled one.

    Parameters
    ----------
    border : str or None
        The key of the border the sidebar shows (None for a line of the person's layer,
        which a story file cannot name): the story follows it.
    on_border : callable
        ``on_border(key)`` points the sidebar at a border: a new story's own, proposed from
        the countries its article names most; ``on_border(None)`` back at the bundled story's
        once the article is closed.
    """
    with st.expander("Your article", expanded=_draft() is not None, icon=":material/article:"):
        error = st.session_state.pop("byo_error", None)
        if error:
            st.error(error)
        st.html(_BOX_CSS)
        paste, upload, reopen = st.tabs(["Paste", "Upload", "Open a story file"])
        with paste:
            text = st.text_area("Article text", key="byo-text", height=160, max_chars=MAX_PASTE_CHARS,
                                placeholder="Paste the article here, exactly as published.",
                                help=f"At most {MAX_ARTICLE_CHARS:,} characters.")
            too_long = bool(text) and len(text) > MAX_ARTICLE_CHARS
            if too_long:
                shown = f"{len(text):,}" if len(text) < MAX_PASTE_CHARS else f"more than {MAX_PASTE_CHARS - 1:,}"
                st.error(f"This text has {shown} characters; an article may have at most {MAX_ARTICLE_CHARS:,}. "
                         "Paste the article alone, without the rest of the page.", icon=":material/block:")
            st.button("Find its places", key="byo-find", disabled=not text or too_long,
                      on_click=lambda: _find(st.session_state.get("byo-text"), None, on_border))
        with upload:
            file = st.file_uploader("An article (.txt, .md, .html, .docx)", type=list(UPLOAD_TYPES), key="byo-file")
            st.button("Find its places", key="byo-find-file", disabled=file is None,
                      on_click=lambda: _find(None, st.session_state.get("byo-file"), on_border))
        with reopen:
            saved = st.file_uploader("A story file (.toml, .json)", type=["toml", "json"], key="byo-story")
            st.button("Open", key="byo-open", disabled=saved is None,
                      on_click=lambda: _open(st.session_state.get("byo-story"), on_border))
        draft = _draft()
        if draft is None:
            st.caption("Places are found offline: nothing leaves this machine.")
            return None
        st.toggle("Show this article on the map", key=_USE)
        if border is not None:
            _follow_border(border)
            draft = _draft()
        st.caption(f"The bands measure from the sidebar's border ({md(draft.story.border)}), first the pair of "
                   "neighbours the article names most; change it under *Measure from*. The story file keeps it.")
        _review_places(draft)
        _review_passages(draft)
        st.download_button("Save the story file", draft.story.dumps("toml").encode("utf-8"),
                            file_name="story.toml", mime="application/toml", key="byo-save", on_click="ignore")
        st.button("Close this article", key="byo-close", on_click=_close, args=(on_border,))
    return draft.story if st.session_state.get(_USE) else None


def _close(on_border: Callable[[str | None], None]) -> None:
    _set_draft(None)
    on_border(None)


def current_story() -> Story | None:
    """The story the person chose to map (their article, as reviewed so far), or None for the bundled one."""
    draft = st.session_state.get(_DRAFT)
    return draft.story if draft is not None and st.session_state.get(_USE) else None
