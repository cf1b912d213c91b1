"""Named configurations: a preset's values, with the options a user gave on top."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


def resolve_preset(presets: Mapping[str, Mapping], config_type: type, preset: str | None, overrides: Mapping,
                   what: str):
    """``config_type`` built from ``presets[preset]`` with ``overrides`` on top (None values are ignored).

    ``preset=None`` starts from the dataclass's defaults.  An unknown preset raises
    ``ValueError`` listing the known ones; an option that is not a field of
    ``config_type`` raises ``TypeError`` naming it (``what`` says which kind of option).
    """
    if preset is not None and preset not in presets:
        raise ValueError(f"preset must be one of {sorted(presets)}, got {preset!r}")
    values = dict(presets[preset]) if preset is not None else {}
    unknown = set(overrides) - {f.name for f in dataclasses.fields(config_type)}
    if unknown:
        raise TypeError(f"unknown {what} option(s): {sorted(unknown)}")
    values.update({key: value for key, value in overrides.items() if value is not None})
    values["preset"] = preset
    return config_type(**values)
