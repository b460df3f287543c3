"""Pickle-free files: tensors in safetensors, metadata as JSON in the safetensors header.

Both xaqf model files (:mod:`xaqf.forecaster.model_file`) and training checkpoints
(:mod:`xaqf.training.checkpoint`) are single ``.safetensors`` files whose header metadata
holds one JSON document under the key :data:`META_KEY`. Reading one never runs code from
the file: safetensors only parses a JSON header and raw little-endian buffers. A file
written by ``torch.save`` (a zip or pickle stream) is recognised and refused.

Writes are atomic: the file is written next to its destination under a temporary name and
moved into place with :func:`os.replace`, so a crash leaves either the old file or the new
one, never a torn one.

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
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

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
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = {name: t.detach().to("cpu").contiguous().clone() for name, t in tensors.items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(plain, tmp, metadata={META_KEY: json.dumps(meta)})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def read_file(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a file written by :func:`write_file`; returns ``(tensors, meta)`` on the CPU.

    Raises
    ------
    ModelFileError
        If the file is missing, a pickle / ``torch.save`` payload, corrupt, or has no xaqf
        metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_PICKLE_MAGIC):
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
