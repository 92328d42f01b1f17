"""Small data sets and a seeded mini-batch iterator.

* :func:`four_examples` — the book's four-example data set (chapter 7);
* :func:`two_moons`, :func:`spirals`, :func:`blobs` — generated 2-D problems
  (``blobs`` is linearly separable, for the perceptron);
* :func:`digits` — scikit-learn's 8×8 handwritten digits (needs scikit-learn);
* :func:`glyph_digits` — built-in 8×8 images of the ten digits drawn from a
  small font with random shifts, stroke weights and noise (no dependency:
  what ``tensorgrad demo`` and ``tensorgrad train`` use without scikit-learn);
* :func:`train_test_split` and :func:`batches` / :class:`BatchIterator`.

Generators take a ``seed`` and return float64 features and integer labels.
"""
from __future__ import annotations

import functools
import importlib.util
import os
from typing import Iterator

import numpy as np

from .nn.init import Seed, rng_from

__all__ = ["four_examples", "two_moons", "spirals", "blobs", "digits", "glyph_digits",
           "train_test_split", "batches", "BatchIterator", "one_hot", "load", "DATASETS",
           "DIGITS_NOTE"]

DIGITS_NOTE = ("scikit-learn is not installed: using the built-in 8×8 glyph digits instead; "
               "for scikit-learn's handwritten digits: pip install \"tensorgrad[examples]\"")
"""The one-line note printed when scikit-learn is missing and the built-in digits stand in."""


def four_examples() -> tuple[np.ndarray, np.ndarray]:
    """The book's data: X (4, 3) with a constant third column, y (4, 1) = XOR of the first two."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (labels 0/1), with Gaussian noise of std ``noise``."""
    rng = rng_from(seed)
    n0 = n // 2
    n1 = n - n0
    t0 = np.pi * rng.random(n0)
    t1 = np.pi * rng.random(n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.normal(size=(n, 2))
    y = np.concatenate([np.zeros(n0, int), np.ones(n1, int)])
    perm = rng.permutation(n)
    return X[perm], y[perm]


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, turns: float = 1.0,
            seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms in 2-D (n points in all)."""
    if classes < 2:
        raise ValueError(f"spirals: need at least 2 classes, got {classes}")
    rng = rng_from(seed)
    per = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    X, y = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * np.pi * turns * r + 2 * np.pi * k / classes + noise * rng.normal(size=m)
        X.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        y.append(np.full(m, k))
    X, y = np.concatenate(X), np.concatenate(y)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def blobs(n: int = 100, margin: float = 0.5, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two linearly separable 2-D clouds (labels 0/1) split by a random line with a
    gap of at least ``margin``: the perceptron's textbook case."""
    rng = rng_from(seed)
    angle = rng.uniform(0, 2 * np.pi)
    w = np.array([np.cos(angle), np.sin(angle)])
    widest = 3 * (abs(w[0]) + abs(w[1])) + 0.5  # (the farthest a point of the square gets)
    xs, ss, have = [], [], 0
    for _ in range(10_000):  # (candidates in rounds of 4n, until n are outside the gap)
        X = rng.uniform(-3, 3, size=(4 * n, 2))
        s = X @ w - 0.5
        xs.append(X[np.abs(s) > margin])
        ss.append(s[np.abs(s) > margin])
        have += len(ss[-1])
        if have >= n or margin >= widest:
            break
    if have < n:
        raise ValueError(f"blobs: only {have} of {n} points lie at least margin={margin} from "
                         f"the line in the square [-3, 3]²; choose a smaller margin")
    X, s = np.concatenate(xs)[:n], np.concatenate(ss)[:n]
    return X, (s > 0).astype(int)


@functools.lru_cache(maxsize=1)
def _digits_table() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits table, (pixels 0..16 as floats, labels), read once per process
    (read-only). It is read straight from the file scikit-learn ships, without importing
    scikit-learn (which takes a second or more: the command line's start-up); with
    scikit-learn's own loader when that file is not where this version keeps it."""
    spec = importlib.util.find_spec("sklearn")
    places = list(spec.submodule_search_locations or []) if spec is not None else []
    path = os.path.join(places[0], "datasets", "data", "digits.csv.gz") if places else ""
    table = np.loadtxt(path, delimiter=",") if os.path.isfile(path) else None
    if table is not None and table.shape == (1797, 65):
        pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("the digits data set comes from scikit-learn, which is not installed: "
                              "pip install scikit-learn (or pip install 'tensorgrad[examples]')") from None
        d = load_digits()
        pixels, labels = d.data.astype(np.float64), d.target.astype(np.int64)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def digits(test_fraction: float = 0.25, seed: Seed = 0, images: bool = False):
    """scikit-learn's 8×8 digits (1797 images, 10 classes), scaled to [0, 1].

    Returns ``(X_train, y_train, X_test, y_test)``; rows are 64 features, or
    (1, 8, 8) images with ``images=True`` (for a CNN). The split is stratified
    by shuffling each class with ``seed``.
    """
    pixels, labels = _digits_table()
    X = pixels / 16.0
    y = labels.copy()
    Xtr, ytr, Xte, yte = train_test_split(X, y, test_fraction, seed, stratify=True)
    if images:
        Xtr, Xte = Xtr.reshape(-1, 1, 8, 8), Xte.reshape(-1, 1, 8, 8)
    return Xtr, ytr, Xte, yte


_FONT = {  # 7 rows × 5 columns per digit
    0: (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),
    1: ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    2: (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    3: ("####.", "....#", "....#", ".###.", "....#", "....#", "####."),
    4: ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    5: ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    6: ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    7: ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    8: (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    9: (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
}


def glyph_digits(n: int = 1797, test_fraction: float = 0.25, seed: Seed = 0, images: bool = False,
                 noise: float = 0.1):
    """Built-in 8×8 images of the digits 0–9 (no download, no dependency).

    Each image is one digit of a 7×5 font placed at a random position in the
    8×8 frame, with random stroke strength, a few pixels dropped or added and
    Gaussian noise of std ``noise``, scaled to [0, 1]: a stand-in for
    :func:`digits` with the same layout (64 features, or (1, 8, 8) images with
    ``images=True``) and the same ``(X_train, y_train, X_test, y_test)`` split.
    """
    rng = rng_from(seed)
    font = {d: np.array([[c == "#" for c in row] for row in rows], dtype=float) for d, rows in _FONT.items()}
    y = np.arange(n) % 10
    rng.shuffle(y)
    X = np.zeros((n, 8, 8))
    for k, d in enumerate(y):
        r, c = rng.integers(0, 2), rng.integers(0, 4)
        X[k, r:r + 7, c:c + 5] = font[int(d)] * rng.uniform(0.6, 1.0)
    flips = rng.random(X.shape) < 0.01
    X = np.where(flips, 1.0 - X, X) + noise * rng.normal(size=X.shape)
    X = np.clip(X, 0.0, 1.0).reshape(n, 64)
    Xtr, ytr, Xte, yte = train_test_split(X, y.astype(np.int64), test_fraction, seed, stratify=True)
    if images:
        Xtr, Xte = Xtr.reshape(-1, 1, 8, 8), Xte.reshape(-1, 1, 8, 8)
    return Xtr, ytr, Xte, yte


def train_test_split(X, y, test_fraction: float = 0.25, seed: Seed = 0, stratify: bool = False):
    """Shuffle with ``seed`` and hold out ``test_fraction`` (per class if ``stratify``)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    rng = rng_from(seed)
    if stratify:
        test = []
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            test.append(idx[:int(round(test_fraction * len(idx)))])
        test = np.sort(np.concatenate(test))
        mask = np.zeros(len(y), bool)
        mask[test] = True
        train = rng.permutation(np.flatnonzero(~mask))
        test = rng.permutation(test)
    else:
        perm = rng.permutation(len(y))
        k = int(round(test_fraction * len(y)))
        test, train = perm[:k], perm[k:]
    return X[train], y[train], X[test], y[test]


def one_hot(y, classes: int) -> np.ndarray:
    """Integer labels → one-hot rows (float64)."""
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise IndexError(f"one_hot: labels must be in 0..{classes - 1}, got range {y.min()}..{y.max()}")
    return np.eye(classes)[y]


class BatchIterator:
    """Mini-batches of ``(X[idx], y[idx])``; a fresh seeded shuffle every epoch.

    Iterating twice gives two different (but reproducible) orders: the
    generator is created once from ``seed`` and advances each epoch.
    """

    def __init__(self, X, y, batch_size: int = 32, shuffle: bool = True, seed: Seed = 0,
                 drop_last: bool = False):
        X, y = np.asarray(X), np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size!r}")
        self.X, self.y, self.batch_size = X, y, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.rng = rng_from(seed)

    def __len__(self) -> int:
        n, b = len(self.y), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.y)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for k in range(len(self)):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            yield self.X[idx], self.y[idx]


def batches(X, y, batch_size: int = 32, shuffle: bool = True, seed: Seed = 0,
            drop_last: bool = False) -> BatchIterator:
    """A :class:`BatchIterator` over ``(X, y)``."""
    return BatchIterator(X, y, batch_size, shuffle, seed, drop_last)


DATASETS = ("digits", "glyphs", "moons", "spirals", "blobs", "four")
"""The names :func:`load` knows."""


def load(name: str, seed: Seed = 0, images: bool = False):
    """``(X_train, y_train, X_test, y_test)`` for a data set by name (see ``DATASETS``).

    ``digits`` needs scikit-learn (ImportError otherwise); ``glyphs`` is the
    built-in stand-in (:func:`glyph_digits`).

    The generated sets use a 25% test split; ``four`` returns its four examples
    as both training and test data (labels as class ids 0/1).
    """
    if name == "digits":
        return digits(seed=seed, images=images)
    if name == "glyphs":
        return glyph_digits(seed=seed, images=images)
    if images:
        raise ValueError(f"data set {name!r} has no images (only 'digits' and 'glyphs' have)")
    if name == "moons":
        X, y = two_moons(400, 0.15, seed)
    elif name == "spirals":
        X, y = spirals(600, 3, 0.15, seed=seed)
    elif name == "blobs":
        X, y = blobs(200, seed=seed)
    elif name == "four":
        X, y = four_examples()
        return X, y[:, 0].astype(int), X, y[:, 0].astype(int)
    else:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return train_test_split(X, y, 0.25, seed)
