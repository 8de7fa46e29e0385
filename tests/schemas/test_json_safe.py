"""The one NaN -> None cleaning of documents and JSON output."""

import math

import numpy as np

from hcflow.schemas.common import json_safe


def test_json_safe_known_answer():
    raw = {
        1: np.float64("nan"),
        "a": [np.int64(3), math.inf, (np.float32(0.5), None)],
        "m": np.array([[1.0, np.nan], [-np.inf, 2.0]]),
        "s": "text",
    }
    out = json_safe(raw)
    assert out == {
        "1": None,
        "a": [3, None, [0.5, None]],
        "m": [[1.0, None], [None, 2.0]],
        "s": "text",
    }
    assert type(out["a"][0]) is int and type(out["m"][0][0]) is float
