"""Label placement: candidate boxes around each anchor, taken greedily by priority so none overlap."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from geo.errors import InputError

__all__ = ["Box", "Candidate", "Label", "overlapping_pairs", "place_labels"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in image pixels (x to the right, y upwards, as matplotlib's display).

    Examples
    --------
    >>> Box(0, 0, 10, 5).overlaps(Box(9, 4, 20, 20))
    True
    >>> Box(0, 0, 10, 5).overlaps(Box(11, 0, 20, 5))
    False
    """

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        values = (self.x0, self.y0, self.x1, self.y1)
        try:
            finite = math.isfinite(self.x0 + self.y0 + self.x1 + self.y1)
        except TypeError:
            finite = False
        if not finite or isinstance(self.x0 + self.y0 + self.x1 + self.y1, bool):
            raise InputError(f"A box needs four finite numbers, got {values!r}.")
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise InputError(f"A box needs x0 <= x1 and y0 <= y1, got {values!r}.")

    @classmethod
    def at(cls, x: float, y: float, width: float, height: float, ha: str = "left", va: str = "bottom") -> Box:
        """A ``width`` × ``height`` box whose ``ha``/``va`` point (left/center/right, bottom/center/top) is (x, y)."""
        x0 = {"left": x, "center": x - width / 2, "right": x - width}[ha]
        y0 = {"bottom": y, "center": y - height / 2, "top": y - height}[va]
        return cls(float(x0), float(y0), float(x0 + width), float(y0 + height))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def shifted(self, dx: float, dy: float) -> Box:
        """The same box moved by (dx, dy) pixels."""
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def grown(self, by: float) -> Box:
        """The box with ``by`` pixels added on every side."""
        return Box(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """True when the two boxes share area, or come closer than ``gap`` pixels."""
        return (self.x0 < other.x1 + gap and other.x0 < self.x1 + gap
                and self.y0 < other.y1 + gap and other.y0 < self.y1 + gap)

    def within(self, other: Box) -> bool:
        """True when this box lies wholly inside ``other``."""
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


@dataclass(frozen=True)
class Candidate:
    """One way to place a label: the boxes of its parts (a name and its badge), drawn together."""

    boxes: tuple[Box, ...]

    def __post_init__(self) -> None:
        if not self.boxes or not all(type(b) is Box for b in self.boxes):
            raise InputError("A label candidate needs at least one Box.")


@dataclass(frozen=True)
class Label:
    """A label to place: its candidates in order of preference, and its priority (lower goes first).

    Parameters
    ----------
    key : str
        Names the label in the result.
    priority : int
        Labels are placed in rising priority order (ties keep their given order), so a label of
        lower priority is the one moved, shortened or dropped when space runs out.
    candidates : sequence of Candidate
        Positions (and shorter forms) to try, best first; the first that fits is taken. A lazy
        sequence that builds each candidate when asked saves building the hundreds that a
        label placed at its first try never needs.
    """

    key: str
    priority: int
    candidates: Sequence[Candidate]

    def __post_init__(self) -> None:
        if not self.key:
            raise InputError("A label needs a key.")
        if not isinstance(self.candidates, Sequence) or isinstance(self.candidates, str):
            raise InputError(f"Label {self.key!r}: candidates must be a sequence of Candidate values.")


def _array(boxes: Iterable[Box]) -> np.ndarray:
    rows = [(b.x0, b.y0, b.x1, b.y1) for b in boxes]
    return np.array(rows, dtype=float).reshape(-1, 4)


def place_labels(
    labels: Sequence[Label],
    obstacles: Iterable[Box],
    bounds: Box,
    gap: float = 2.0,
) -> dict[str, int]:
    """Place labels greedily by priority: each takes its first candidate that fits.

    A candidate fits when every one of its boxes lies inside ``bounds`` and keeps ``gap``
    pixels from every obstacle and from every box already placed. A label with no fitting
    candidate is dropped (left out of the result).

    Parameters
    ----------
    labels : sequence of Label
        What to place.
    obstacles : iterable of Box
        Fixed things nothing may cover (title, legend, scale bar, markers ...).
    bounds : Box
        The area labels must stay inside.
    gap : float
        Least distance in pixels between any two boxes.

    Returns
    -------
    dict
        The index of the chosen candidate for every placed label, by key.

    Examples
    --------
    >>> a = Label("a", 0, (Candidate((Box(0, 0, 10, 10),)),))
    >>> b = Label("b", 1, (Candidate((Box(5, 5, 15, 15),)), Candidate((Box(20, 0, 30, 10),))))
    >>> place_labels([a, b], [], Box(0, 0, 100, 100))
    {'a': 0, 'b': 1}
    """
    taken = _array(obstacles)
    chosen: dict[str, int] = {}
    for label in sorted(labels, key=lambda lab: lab.priority):
        for index in range(len(label.candidates)):
            candidate = label.candidates[index]
            if not isinstance(candidate, Candidate):
                raise InputError(f"Label {label.key!r}: candidate {index} is not a Candidate.")
            if not all(b.within(bounds) for b in candidate.boxes):
                continue
            mine = _array(candidate.boxes)
            if len(taken):
                hit = ((mine[:, None, 0] < taken[None, :, 2] + gap) & (taken[None, :, 0] < mine[:, None, 2] + gap)
                       & (mine[:, None, 1] < taken[None, :, 3] + gap) & (taken[None, :, 1] < mine[:, None, 3] + gap))
                if hit.any():
                    continue
            chosen[label.key] = index
            taken = np.vstack([taken, mine])
            break
    return chosen


def overlapping_pairs(boxes: Sequence[tuple[str, Box]], gap: float = 0.0) -> list[tuple[str, str]]:
    """Every pair of named boxes that overlap (or come closer than ``gap``), for checks and tests.

    Examples
    --------
    >>> overlapping_pairs([("a", Box(0, 0, 2, 2)), ("b", Box(1, 1, 3, 3)), ("c", Box(5, 5, 6, 6))])
    [('a', 'b')]
    """
    pairs = []
    for i, (name_a, a) in enumerate(boxes):
        for name_b, b in boxes[i + 1:]:
            if a.overlaps(b, gap):
                pairs.append((name_a, name_b))
    return pairs
