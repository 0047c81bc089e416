"""Read an article a user pastes or uploads: plain text, Markdown, a web page or a Word file.

Only the text is kept, exactly as received after decoding; passages quote it byte for byte.
A web page's main text is extracted by trafilatura and a Word file's paragraphs read by
python-docx: neither runs a script or fetches anything.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from geo.errors import InputError
from geo.story import MAX_ARTICLE_CHARS, Article

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_DOCX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "SUFFIXES",
    "article_from_file",
    "article_from_text",
]

#: The file types an article may come in.
SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")
#: A web page carries markup, scripts and styles besides its text; extraction time grows with its size.
MAX_UPLOAD_BYTES = 3_000_000
#: What a Word file may unpack to, all its parts together: a zip bomb stops here.
MAX_DOCX_UNPACKED_BYTES = 30_000_000
_MAX_DOCX_PARTS = 2_000
# Control characters other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\v\f\r") | {"\x7f"}


def article_from_text(text: str) -> Article:
    """Check pasted text and return it as an :class:`~geo.story.Article`, unchanged.

    Parameters
    ----------
    text : str
        The article as pasted.

    Returns
    -------
    Article

    Raises
    ------
    InputError
        When the text is empty, longer than :data:`MAX_ARTICLE_CHARS` characters, or holds
        control characters that plain text does not (a sign of a binary file).

    Examples
    --------
    >>> article_from_text("Kyiv is near the border.").text
    'Kyiv is near the border.'
    """
    if not isinstance(text, str):
        raise InputError("An article must be text.")
    if not text.strip():
        raise InputError("The article is empty: paste its text or upload a .txt, .md, .html or .docx file.")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(f"The article has {len(text):,} characters; at most {MAX_ARTICLE_CHARS:,} are accepted. "
                         "Paste the article alone, without the rest of the page.")
    if "\x00" in text or sum(1 for ch in text[:10_000] if ch in _CONTROLS) > 10:
        raise InputError("This does not look like text (it holds control characters): "
                         "upload the article as .txt, .md, .html or .docx.")
    return Article(text)


def article_from_file(data: bytes, filename: str) -> Article:
    """Read an uploaded article by its file type and return its text as an Article.

    Parameters
    ----------
    data : bytes
        The file's contents.
    filename : str
        Its name; the suffix says how to read it (one of :data:`SUFFIXES`).

    Returns
    -------
    Article
        ``.txt`` and ``.md``: the decoded UTF-8 text as it is (a byte-order mark dropped).
        ``.html``: the page's main text, one paragraph a line. ``.docx``: its paragraphs, one a line.

    Raises
    ------
    InputError
        For another file type, a file over :data:`MAX_UPLOAD_BYTES`, text that is not UTF-8,
        a binary file, a page or document with no text, or a Word file that is damaged or
        unpacks to more than :data:`MAX_DOCX_UNPACKED_BYTES`.

    Examples
    --------
    >>> article_from_file(b"<p>Minsk is north of Kyiv.</p>", "a.html").text
    'Minsk is north of Kyiv.'
    """
    suffix = PurePath(str(filename)).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"Cannot read {suffix or 'a file without a suffix'}: upload {', '.join(SUFFIXES)}.")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError("An upload must be bytes.")
    data = bytes(data)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"The file is {len(data):,} bytes; at most {MAX_UPLOAD_BYTES:,} are accepted.")
    if not data.strip():
        raise InputError("The file is empty.")
    if suffix == ".docx":
        return article_from_text(_docx_text(data))
    if suffix in (".html", ".htm"):
        return article_from_text(_html_text(data))
    return article_from_text(_decoded(data))


def _decoded(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError("This is a binary file, not text: upload the article as .txt, .md, .html or .docx.")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"The file is not UTF-8 text (byte {exc.start} is not): save it as UTF-8 and "
                         "upload it again.") from None


def _html_text(data: bytes) -> str:
    import trafilatura
    from trafilatura.settings import use_config

    if b"\x00" in data[:4096]:
        raise InputError("This is a binary file, not a web page.")
    config = use_config()
    # A short article is still an article: trafilatura's default wants 250 characters.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    if b"html" not in data[:50].lower():
        # trafilatura takes a page without "html" in its first 50 bytes and one top element for
        # no HTML at all (its load_html says to wrap a fragment): a pasted <p>…</p> is a page too.
        data = b"<html><body>" + data + b"</body></html>"
    text = trafilatura.extract(data, config=config, fast=True, include_comments=False, include_tables=False,
                               include_links=False, include_images=False)
    if not text or not text.strip():
        raise InputError("No article text was found in this web page: paste the article's text instead.")
    return text


def _docx_text(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("This is not a Word (.docx) file: it is not a zip archive.") from None
    if len(parts) > _MAX_DOCX_PARTS or sum(p.file_size for p in parts) > MAX_DOCX_UNPACKED_BYTES:
        raise InputError(f"This Word file unpacks to more than {MAX_DOCX_UNPACKED_BYTES:,} bytes or "
                         f"{_MAX_DOCX_PARTS:,} parts: it is not an ordinary article.")
    if "word/document.xml" not in archive.namelist():
        raise InputError("This zip archive is not a Word (.docx) document: it has no word/document.xml.")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise InputError(f"This Word file could not be read ({type(exc).__name__}): save it again and "
                         "upload it, or paste its text.") from None
    text = "\n".join(p.text for p in document.paragraphs if p.text.strip())
    if not text:
        raise InputError("This Word file holds no paragraphs of text.")
    return text
