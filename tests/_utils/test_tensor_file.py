"""Pickle-free safetensors files with a JSON header: round trip, atomicity, refusals."""

from __future__ import annotations

import json
import os

import pytest
import torch
from safetensors.torch import save_file

from xaqf._utils.tensor_file import META_KEY, read_file, write_file
from xaqf.errors import ModelFileError


def test_round_trip_keeps_tensors_and_metadata(tmp_path):
    tensors = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([1, 2], dtype=torch.int64)}
    meta = {"kind": "test", "values": [1.5, None], "nested": {"a": 1}}
    path = write_file(tmp_path / "sub" / "f.safetensors", tensors, meta)
    assert path.parent.name == "sub"
    back, meta_back = read_file(path)
    assert meta_back == meta
    assert set(back) == {"w", "b"}
    assert torch.equal(back["w"], tensors["w"]) and back["b"].dtype == torch.int64


def test_non_contiguous_tensors_are_written(tmp_path):
    t = torch.arange(6.0).reshape(2, 3).T
    back, _ = read_file(write_file(tmp_path / "f.safetensors", {"t": t}, {}))
    assert torch.equal(back["t"], t)


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_file(tmp_path / "f.safetensors", {"w": torch.ones(1)}, {"v": 1})
    with pytest.raises(TypeError):
        write_file(path, {"w": torch.zeros(1)}, {"v": object()})  # not JSON-able
    assert read_file(path)[1] == {"v": 1}
    assert os.listdir(tmp_path) == ["f.safetensors"]


def test_pickle_files_are_refused(tmp_path):
    path = tmp_path / "f.safetensors"
    torch.save({"w": torch.ones(1)}, path)
    with pytest.raises(ModelFileError, match="never unpickles"):
        read_file(path)


@pytest.mark.parametrize(("metadata", "message"), [
    (None, "without xaqf metadata"),
    ({META_KEY: "{not json"}, "not valid JSON"),
])
def test_foreign_safetensors_are_refused(tmp_path, metadata, message):
    path = tmp_path / "f.safetensors"
    save_file({"w": torch.ones(1)}, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match=message):
        read_file(path)


def test_missing_and_truncated_files_are_named(tmp_path):
    with pytest.raises(ModelFileError, match="absent.safetensors does not exist"):
        read_file(tmp_path / "absent.safetensors")
    path = write_file(tmp_path / "f.safetensors", {"w": torch.ones(100)}, {"a": 1})
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        read_file(path)


def test_metadata_is_stored_as_one_json_document(tmp_path):
    from safetensors import safe_open

    path = write_file(tmp_path / "f.safetensors", {"w": torch.ones(1)}, {"a": [1, 2]})
    with safe_open(str(path), "pt") as f:
        assert json.loads(f.metadata()[META_KEY]) == {"a": [1, 2]}
