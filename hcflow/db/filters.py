"""The one check every database filter passes: no operator that runs code.

``$where``, ``$function`` and ``$accumulator`` make a MongoDB server run code
sent by the client. Filters come from users (``--filter``, saved queries,
builder queries), so they are refused, at any depth, with one line, before
they reach any server. Both :func:`hcflow.analysis.query.validate_filter` and
every hcflow store (:mod:`hcflow.db.stores`) call :func:`check_filter`.
"""

from __future__ import annotations

from typing import Any

from hcflow.errors import HcflowError

#: Operators that execute code on the server.
CODE_OPERATORS = frozenset({"$where", "$function", "$accumulator"})


def check_filter(flt: Any, what: str = "filter") -> Any:
    """Return ``flt`` unchanged, or raise when it holds a code operator.

    Parameters
    ----------
    flt
        A MongoDB filter (or any part of one); None is allowed.
    what
        How the message names the filter.
    """
    if flt is None:
        return flt
    if not isinstance(flt, dict):
        raise HcflowError(f"{what} must be an object, not {type(flt).__name__}")
    _walk(flt, what)
    return flt


def _walk(value: Any, what: str) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in CODE_OPERATORS:
                raise HcflowError(
                    f"{what}: operator {key} runs code on the server and is not "
                    "allowed; use field conditions ($gt, $in, $regex, ...)"
                )
            _walk(sub, what)
    elif isinstance(value, list | tuple):
        for sub in value:
            _walk(sub, what)
