"""The strict field types presets are built from, and how a validation error reads.

:mod:`tutorial_lib.config` declares each preset section as a pydantic dataclass
with these types: integers and booleans are strict (``1.5`` steps or ``"nope"``
for a yes/no setting never pass), numbers accept ``"1e-4"`` but not ``true``.
:func:`explain` turns pydantic's error list into one line naming the dotted
key, the value given and what is allowed. Imports nothing of the kit.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StrictInt, ValidationError


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is needed, not true/false")  # noqa: TRY004 (pydantic reports it)
    return value


# Integers and booleans are strict (no 1.5 -> 1, no "nope" -> True); numbers accept "1e-4".
Positive = Annotated[float, BeforeValidator(_no_bool), Field(gt=0)]
NonNegative = Annotated[float, BeforeValidator(_no_bool), Field(ge=0)]
Fraction = Annotated[float, BeforeValidator(_no_bool), Field(ge=0, le=1)]
Share = Annotated[float, BeforeValidator(_no_bool), Field(ge=0, lt=1)]  # 1 would leave nothing
OpenShare = Annotated[float, BeforeValidator(_no_bool), Field(gt=0, lt=1)]
Count = Annotated[StrictInt, Field(ge=1)]
CountOrZero = Annotated[StrictInt, Field(ge=0)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Text = Annotated[str, Field(strict=True)]
# Every section: unknown keys are refused, and assignments in code are validated again.
STRICT = ConfigDict(extra="forbid", validate_assignment=True)
BOOLEAN_HINT = "true or false (a YAML boolean, not a string)"


def require(cond: bool, message: str) -> None:
    """Refuse a combination of values inside a section's ``__post_init__``.

    Pydantic reports a ``ValueError`` raised there as a problem with the whole
    section, and :func:`explain` prints ``message`` as it is.

    Args:
        cond: what must hold.
        message: the one line to show when it does not (name the keys and values).

    Raises:
        ValueError: when ``cond`` is false.
    """
    if not cond:
        raise ValueError(message)


def explain(err: ValidationError, section: str | None, cls: type) -> str:
    """One line per problem: the dotted key, the value given and what is allowed.

    Args:
        err: what pydantic raised while building ``cls``.
        section: the preset section's name (``crowd``), or None for top-level keys.
        cls: the dataclass being built, whose fields an unknown key is compared with.

    Returns:
        The problems joined by ``"; "``, ready for a ``ConfigError``.

    Examples:
        >>> from pydantic.dataclasses import dataclass
        >>> @dataclass(config=STRICT)
        ... class Demo:
        ...     steps: Count = 1
        >>> try:
        ...     Demo(steps=1.5)
        ... except ValidationError as err:
        ...     print(explain(err, "finetune", Demo))
        finetune.steps=1.5 is not allowed: must be a valid integer
    """
    lines = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"] if not isinstance(p, int) or e["type"] == "literal_error"]
        key = ".".join([section, *loc] if section else loc) or (section or "config")
        value = e.get("input")
        if e["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
            known = ", ".join(f.name for f in dataclasses.fields(cls))
            lines.append(
                f"{key} is an unknown key (value {value!r}); known keys"
                f"{' in ' + section if section else ''}: {known}"
            )
        elif e["type"] == "value_error" and not loc:
            lines.append(str(e["msg"]).removeprefix("Value error, "))
        elif e["type"] == "bool_type":
            lines.append(f"{key}={value!r} is not allowed: must be {BOOLEAN_HINT}")
        else:
            msg = str(e["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
            lines.append(f"{key}={value!r} is not allowed: {msg}")
    return "; ".join(lines)
