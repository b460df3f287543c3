"""The one dict / JSON round trip of xaqf's configuration dataclasses.

:func:`to_dict` turns a dataclass into plain JSON data (nested dataclasses as dicts, tuples
as lists); :func:`from_dict` builds it back, converting each value to its field's type hint
(nested dataclasses, tuples, ``X | None``, ``Literal``, ``str | Config`` unions) and
refusing unknown keys with a :class:`~xaqf.errors.ConfigError` that names the key, where it
was and the closest known key. :class:`JsonConfig` gives a frozen dataclass the four
methods, and types its fields on construction too.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Crop(JsonConfig):
...     name: str
...     sizes: tuple[int, ...] = (1, 2)
>>> Crop.from_json('{"name": "wheat", "sizes": [3, 4]}')
Crop(name='wheat', sizes=(3, 4))
>>> Crop("rye").to_dict()
{'name': 'rye', 'sizes': [1, 2]}
>>> Crop.from_dict({"nmae": "oat"})
Traceback (most recent call last):
...
xaqf.errors.ConfigError: unknown key 'nmae' in the Crop; did you mean 'name'? Known keys: ...
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from xaqf.errors import ConfigError

T = TypeVar("T")
C = TypeVar("C", bound="JsonConfig")


def to_dict(config: Any) -> dict[str, Any]:
    """The plain JSON data of a dataclass: nested dataclasses as dicts, tuples as lists."""
    plain = _plain(config)
    if not isinstance(plain, dict):
        raise TypeError(f"to_dict takes a dataclass instance, got {type(config).__name__}")
    return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def from_dict(cls: type[T], data: Any, where: str | None = None) -> T:
    """A ``cls`` dataclass from plain data, each value converted to its field's type.

    Parameters
    ----------
    cls
        The dataclass.
    data
        A dict of its fields (an instance of ``cls`` comes back as it is).
    where
        Where ``data`` was (e.g. ``"data.emissions"``), for the messages.

    Raises
    ------
    ConfigError
        ``data`` is no dict, has an unknown key (the closest known one suggested) or lacks
        a required one, or a value does not fit its field's type. A :class:`JsonConfig`
        is built first and typed after, so the checks of its ``__post_init__`` speak first.
    """
    if isinstance(data, cls):
        return data
    label = where or f"the {cls.__name__}"
    if not isinstance(data, dict):
        raise ConfigError(f"{label} must be a JSON object (a dict) of {cls.__name__} fields, "
                          f"got {type(data).__name__} {data!r:.60}")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    check_keys(data, fields, label)
    missing = [name for name, f in fields.items() if name not in data and f.init
               and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"{label} lacks {missing}; give them as keys")
    hints, strict = _hints(cls), not issubclass(cls, JsonConfig)
    config = cls(**{key: _convert(value, hints[key], _join(where, key), strict)
                    for key, value in data.items()})
    if isinstance(config, JsonConfig):
        config.typed_fields(where)
    return config


def check_keys(keys: Iterable[str], known: Iterable[str], where: str) -> None:
    """Refuse the first of ``keys`` not in ``known``, suggesting the closest known key.

    Examples
    --------
    >>> check_keys(["static"], ["store", "statics"], "data")
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: unknown key 'static' in data; did you mean 'statics'? Known ...
    """
    known = sorted(known)
    for key in keys:
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in {where}; {closest(key, known)}Known "
                              f"keys: {known}")


def closest(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` with the known name closest to ``name``, or ``""``.

    Examples
    --------
    >>> closest("pretrian", ["pretrain", "finetune"])
    "did you mean 'pretrain'? "
    """
    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def convert(value: Any, hint: Any, where: str) -> Any:
    """``value`` as the type ``hint`` describes (dataclasses built from dicts, tuples from
    lists, ints taken as floats), or a :class:`~xaqf.errors.ConfigError` naming ``where``.

    Examples
    --------
    >>> convert([1, 2], tuple[float, ...], "sizes")
    (1.0, 2.0)
    >>> convert("3", int | None, "workers")
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: workers must be int | null, got str '3'
    """
    return _convert(value, hint, where, strict=True)


def _convert(value: Any, hint: Any, where: str, strict: bool) -> Any:
    """:func:`convert`; not ``strict``: only the structure (dataclasses, sequences, dicts),
    values of the wrong type passed on as they are."""
    origin = get_origin(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        return _convert_union(value, get_args(hint), where, strict)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin in (tuple, list) and isinstance(value, list | tuple):
        return _convert_sequence(value, hint, where, strict)
    if origin is dict and isinstance(value, dict):
        return {key: _convert(item, get_args(hint)[1], _join(where, key), strict)
                for key, item in value.items()}
    if strict:
        return _convert_scalar(value, hint, where)
    return value


def _convert_union(value: Any, members: tuple[Any, ...], where: str, strict: bool) -> Any:
    fitting = [member for member in members if _fits(value, member)]
    if not fitting and not strict:
        return value
    errors = []
    for member in fitting:
        try:
            return _convert(value, member, where, strict)
        except ConfigError as err:
            errors.append(err)
    if errors and isinstance(value, dict | list | tuple):
        raise errors[0]  # the fault inside the structure, e.g. an unknown key
    raise _mismatch(value, " | ".join(map(_name, members)), where)


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the shape of ``hint`` (null, dict, sequence, scalar), to pick
    the member of a union to convert to."""
    origin = get_origin(hint) or hint
    if value is None or origin is type(None):
        return value is None and origin is type(None)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, dict | hint)
    if isinstance(value, dict):
        return origin is dict
    if isinstance(value, list | tuple):
        return origin in (tuple, list)
    return origin not in (dict, tuple, list)


def _convert_sequence(value: list[Any] | tuple[Any, ...], hint: Any, where: str,
                      strict: bool) -> Any:
    args = get_args(hint)
    if get_origin(hint) is tuple and args and args[-1] is not Ellipsis:
        if len(value) != len(args):
            if not strict:
                return value
            raise ConfigError(f"{where} must have {len(args)} entries, got {len(value)}: "
                              f"{list(value)!r:.80}")
        pairs = zip(value, args, strict=True)
        items = [_convert(v, a, f"{where}[{i}]", strict) for i, (v, a) in enumerate(pairs)]
    else:
        item = args[0] if args else Any
        items = [_convert(v, item, f"{where}[{i}]", strict) for i, v in enumerate(value)]
    return tuple(items) if get_origin(hint) is tuple else items


def _convert_scalar(value: Any, hint: Any, where: str) -> Any:
    if get_origin(hint) is Literal:
        if value not in get_args(hint):
            raise ConfigError(f"{where} must be one of {list(get_args(hint))}, got {value!r}")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float) and isinstance(value, bool):
        raise _mismatch(value, hint, where)
    if isinstance(hint, type) and not isinstance(value, hint):
        raise _mismatch(value, hint, where)
    if get_origin(hint) in (tuple, list, dict) and not isinstance(value, get_origin(hint)):
        raise _mismatch(value, hint, where)
    return value


def _mismatch(value: Any, hint: Any, where: str) -> ConfigError:
    expected = hint if isinstance(hint, str) else _name(hint)
    return ConfigError(f"{where} must be {expected}, got {type(value).__name__} {value!r:.60}")


def _name(hint: Any) -> str:
    if hint is type(None):
        return "null"
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def _join(where: str | None, key: str) -> str:
    """The place of ``key`` inside ``where``: ``data.store``; after a ``"stage 'x':"``
    label, ``stage 'x': store``."""
    if where is None:
        return key
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


_HINTS: dict[type, dict[str, Any]] = {}
"""The resolved field type hints of each dataclass, by class."""


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def to_json(config: Any, path: str | Path | None = None, *, indent: int | None = 2) -> str:
    """JSON text of :func:`to_dict`; also written to ``path`` when given."""
    text = json.dumps(to_dict(config), indent=indent)
    if path is not None:
        Path(path).write_text(text + "\n")
    return text


def from_json(cls: type[T], text_or_path: str | Path) -> T:
    """A ``cls`` from JSON text or from the path of a JSON file (see :func:`from_dict`);
    lines starting with ``//`` are comments (as ``xaqf train --template`` writes them)."""
    text = str(text_or_path)
    source = f"{cls.__name__} JSON"
    if not text.lstrip().startswith(("{", "[", "//")):
        path = Path(text_or_path)
        if not path.is_file():
            raise ConfigError(f"configuration file {path} not found")
        text, source = path.read_text(), str(path)
    lines = ["" if line.lstrip().startswith("//") else line for line in text.splitlines()]
    try:
        data = json.loads("\n".join(lines))
    except json.JSONDecodeError as err:
        raise ConfigError(f"invalid JSON in {source}: {err}") from None
    return from_dict(cls, data)


class JsonConfig:
    """Mixin of the configuration dataclasses: the round trip above as methods, and
    :meth:`typed_fields` for ``__post_init__`` (each field converted to its type hint, so
    a config built from dicts and lists gets its nested configs and tuples)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (see :func:`to_dict`)."""
        return to_dict(self)

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 2) -> str:
        """JSON text; also written to ``path`` when given."""
        return to_json(self, path, indent=indent)

    @classmethod
    def from_dict(cls: type[C], data: Any, where: str | None = None) -> C:
        """Build from :meth:`to_dict` output (see :func:`from_dict`)."""
        return from_dict(cls, data, where)

    @classmethod
    def from_json(cls: type[C], text_or_path: str | Path) -> C:
        """Build from JSON text or the path of a JSON file."""
        return from_json(cls, text_or_path)

    def typed_fields(self, where: str | None = None) -> None:
        """Convert every field in place to its type hint (call from ``__post_init__``)."""
        hints = _hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = convert(getattr(self, f.name), hints[f.name], _join(where, f.name))
            object.__setattr__(self, f.name, value)
