"""Files written whole or not at all (xaqf._utils.atomic)."""

from __future__ import annotations

import os
import stat

import pytest

from xaqf._utils.atomic import atomic_path, umask


def test_a_failing_writer_leaves_the_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "scores.nc"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as partial:
        partial.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.nc"]


def test_the_file_appears_complete_with_the_umask_permissions_and_its_suffix(tmp_path):
    target = tmp_path / "new" / "figure.png"
    seen = []
    with atomic_path(target) as partial:
        seen.append(partial)
        assert partial.parent == target.parent and partial.suffix == ".png"
        assert not target.exists()
        partial.write_bytes(b"\x89PNG")
    assert target.read_bytes() == b"\x89PNG" and not seen[0].exists()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~umask()
