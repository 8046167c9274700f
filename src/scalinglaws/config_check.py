"""Short, located messages for configuration values that break the workflow's JSON schema.

A raw :class:`jsonschema.ValidationError` prints the whole schema and the whole config under
its first line; users need one line: where the bad value is, what was given, what is allowed,
and for a misspelt key the closest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match


def config_problem(config: Mapping[str, Any], schema: Mapping[str, Any]) -> str | None:
    """The first violation of ``schema`` by ``config`` as one short message, or None."""
    validator_class = jsonschema.validators.validator_for(schema)
    error = best_match(validator_class(schema).iter_errors(config))
    if error is None:
        return None
    return describe(error)


def describe(error: ValidationError) -> str:
    """``config key a → b → c: <what is wrong>`` with a suggestion for unknown keys."""
    where = " → ".join(str(part) for part in error.absolute_path) or "(top level)"
    message = f"config key {where}: {_reason(error)}"
    return message if len(message) <= 400 else message[:397] + "..."


def _reason(error: ValidationError) -> str:
    """What is wrong, in the words of the schema keyword that failed."""
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = sorted((error.schema.get("properties") or {}).keys())
        unknown = sorted(key for key in error.instance if key not in known)
        if known and unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(str(key), known, n=1)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            return f"unknown key {', '.join(hints)}; allowed: {', '.join(known)}"
    description = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    reason = f"{error.message} (given: {_short(error.instance)})"
    if description:
        reason += f"; expected: {' '.join(str(description).split())[:160]}"
    return reason


def _short(value: object) -> str:
    """A one-line rendering of a config value, cut to 60 characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."
