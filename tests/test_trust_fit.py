"""tg.train.fit names bad data as bad data and refuses empty data.

Reproduction: NaN or inf in the data made fit blame the learning rate, and
empty data reported a loss of [0.0].
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg


def _data(n=12):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), np.arange(n) % 2


def _model():
    return tg.nn.Sequential(tg.nn.Linear(3, 2))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_named_with_their_rows(bad):
    X, y = _data()
    X[[2, 5], 1] = bad
    with pytest.raises(ValueError, match=r"X holds .* in 2 of 12 rows \(rows 2, 5\)") as err:
        tg.train.fit(_model(), X=X, y=y, epochs=1, progress=False)
    assert "learning rate" not in str(err.value)


def test_non_finite_targets_and_validation_data_are_named():
    X, y = _data()
    yf = y.astype(float)
    yf[7] = np.nan
    with pytest.raises(ValueError, match=r"y holds NaN in 1 of 12 rows \(rows 7\)"):
        tg.train.fit(_model(), X=X, y=yf, loss="mse", epochs=1, progress=False)
    Xv = X.copy()
    Xv[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"validation X holds inf"):
        tg.train.fit(_model(), X=X, y=y, epochs=1, progress=False, validation=(Xv, y))


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="X is empty"):
        tg.train.fit(_model(), X=np.zeros((0, 3)), y=np.zeros(0, dtype=int), epochs=1,
                     progress=False)


def test_clean_data_still_trains():
    X, y = _data()
    params, hist = tg.train.fit(_model(), X=X, y=y, epochs=2, progress=False)
    assert len(hist["loss"]) == 2 and np.all(np.isfinite(hist["loss"]))
