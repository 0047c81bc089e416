"""The stories bundled with the app (``data/stories/NAME.toml``), each opened by its name.

A link names a bundled story (``?story=belarus``); a person's own story travels as its file
(:func:`geo.story.load_story_file`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from geo.data import DATA_DIR, read_bytes
from geo.errors import DataError, InputError
from geo.story import DEFAULT_STORY, Story, load_story, load_story_file

__all__ = ["DEFAULT_STORY_NAME", "STORY_NAME", "bundled_story_names", "load_bundled_story"]

#: The name of the story the app opens when a link names none.
DEFAULT_STORY_NAME = DEFAULT_STORY.removeprefix("stories/").removesuffix(".toml")
#: What a bundled story's name may look like (its file name without ``.toml``).
STORY_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}", re.ASCII)


@lru_cache(maxsize=4)
def bundled_story_names(data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """Return the names of the bundled stories, the default first, then alphabetically.

    Examples
    --------
    >>> bundled_story_names()[0]
    'belarus'
    """
    found = sorted(p.stem for p in (data_dir / "stories").glob("*.toml") if STORY_NAME.fullmatch(p.stem))
    return tuple(sorted(found, key=lambda name: name != DEFAULT_STORY_NAME))


def load_bundled_story(name: str, data_dir: Path = DATA_DIR) -> Story:
    """Open the bundled story called ``name``, checked as :func:`geo.story.load_story` checks its own.

    The default story is the very value :func:`geo.story.load_story` returns.

    Parameters
    ----------
    name : str
        One of :func:`bundled_story_names`.
    data_dir : Path, optional
        The data folder.

    Raises
    ------
    InputError
        When no bundled story has that name.
    DataError
        When the story's file is missing, not listed in the checksums or corrupt.

    Examples
    --------
    >>> load_bundled_story("belarus") is load_story()
    True
    """
    if not isinstance(name, str) or name not in bundled_story_names(data_dir):
        known = ", ".join(bundled_story_names(data_dir))
        raise InputError(f"No bundled story is called {str(name)[:40]!r}; the bundled stories are {known}.")
    if name == DEFAULT_STORY_NAME:
        # load_story's cache keys on how it is called: the page compares stories by identity.
        return load_story() if data_dir == DATA_DIR else load_story(data_dir)
    return _load(name, data_dir)


@lru_cache(maxsize=8)
def _load(name: str, data_dir: Path) -> Story:
    path = f"stories/{name}.toml"
    try:
        return load_story_file(read_bytes(path, data_dir), data_dir=data_dir)
    except InputError as exc:
        raise DataError(f"{path}: {exc}") from exc
