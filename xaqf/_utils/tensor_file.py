"""Pickle-free files: tensors in safetensors, metadata as JSON in the safetensors header.

Both xaqf model files (:mod:`xaqf.forecaster.model_file`) and training checkpoints
(:mod:`xaqf.training.checkpoint`) are single ``.safetensors`` files whose header metadata
holds one JSON document under the key :data:`META_KEY`. Reading one never runs code from
the file: safetensors only parses a JSON header and raw little-endian buffers. A file
written by ``torch.save`` (a zip or pickle stream) is recognised and refused.

Writes are atomic (:func:`xaqf._utils.atomic.atomic_path`): the file is written next to its
destination under a temporary name and moved into place with :func:`os.replace`, so a crash
leaves either the old file or the new one, never a torn one (and no temporary file). Files
get the permissions the user's umask gives new files (e.g. 0644), so models can be shared;
a destination that is a directory or cannot be written raises
:class:`~xaqf.errors.ModelFileError` naming it.

Examples
--------
>>> import tempfile, torch
>>> path = Path(tempfile.mkdtemp()) / "x.safetensors"
>>> _ = write_file(path, {"w": torch.ones(2)}, {"kind": "example"})
>>> tensors, meta = read_file(path)
>>> tensors["w"].tolist(), meta
([1.0, 1.0], {'kind': 'example'})
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from xaqf._utils.atomic import atomic_path
from xaqf.errors import ModelFileError

META_KEY = "xaqf"
"""Key of the JSON document in the safetensors header metadata."""

_PICKLE_MAGIC = (b"PK\x03\x04", b"\x80")
"""Starts of a ``torch.save`` zip archive and of a pickle stream (protocol >= 2)."""


def write_file(path: str | Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
               ) -> Path:
    """Atomically write ``tensors`` and the JSON-able ``meta`` to the safetensors ``path``.

    Tensors are copied to the CPU first; missing parent folders are created. Returns the
    path written.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"cannot write {path}: it is a directory; give a file path such "
                             f"as {path / 'model.safetensors'}")
    plain = {name: t.detach().to("cpu").contiguous().clone() for name, t in tensors.items()}
    try:
        with atomic_path(path) as partial:
            save_file(plain, str(partial), metadata={META_KEY: json.dumps(meta)})
    except OSError as err:
        raise ModelFileError(f"cannot write {path}: {err.strerror} (in {err.filename}); "
                             f"check the free space and that the folder is writable") from None
    return path


def _safetensors_head(head: bytes, size: int) -> bool:
    """Whether ``head`` (a file's first 9 bytes) starts a safetensors file: a little-endian
    header length that fits in the file, then the JSON header's ``{`` (a header length may
    begin with the byte of a pickle stream, ``0x80``)."""
    length = int.from_bytes(head[:8], "little")
    return len(head) == 9 and 0 < length <= size - 8 and head[8:9] == b"{"


def read_file(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a file written by :func:`write_file`; returns ``(tensors, meta)`` on the CPU.

    Raises
    ------
    ModelFileError
        If the file is missing, a pickle / ``torch.save`` payload, corrupt, or has no xaqf
        metadata.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a directory, not a model file or checkpoint; give "
                             f"the path of the .safetensors file in it")
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    with open(path, "rb") as f:
        head = f.read(9)
    if head.startswith(_PICKLE_MAGIC) and not _safetensors_head(head, path.stat().st_size):
        raise ModelFileError(
            f"{path} is a pickle / torch.save file; xaqf never unpickles files (it can run "
            f"arbitrary code). Save models with Forecaster.save and checkpoints with "
            f"xaqf.training.save_checkpoint, which write safetensors."
        )
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise ModelFileError(f"{path} is not a readable safetensors file ({err}); "
                             f"the file may be truncated or corrupt: save it again") from None
    if META_KEY not in meta:
        raise ModelFileError(f"{path} is a safetensors file without xaqf metadata; "
                             f"it was not written by xaqf")
    try:
        document: dict[str, Any] = json.loads(meta[META_KEY])
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{path}: the xaqf metadata is not valid JSON ({err})") from None
    return tensors, document
