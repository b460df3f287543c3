"""``xaqf download``: dry run, a real run through a fake client, and errors."""

from __future__ import annotations

import json

import pytest

import xaqf.data.download
from tests.data.test_download import StoreClient
from xaqf.cli import main
from xaqf.data.sources import requests


def test_dry_run_all_products_prints_every_request(tmp_path, capsys):
    status = main(["download", "--product", "all", "--start", "2022-06", "--end", "2022-07",
                   "--dir", str(tmp_path), "--dry-run"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0 and not list(tmp_path.iterdir())
    assert len(lines) == 6 * 2 + 1 + 1  # 6 monthly products, May's tp day, the statics
    assert {line["product"] for line in lines} == set(xaqf.data.sources.PRODUCTS)


def test_run_downloads_and_resumes(tmp_path, capsys, monkeypatch):
    planned = requests("era5-single-levels", "2022-06-30", "2022-07-01")
    client = StoreClient(planned)
    monkeypatch.setattr(xaqf.data.download, "default_client", lambda store: client)
    argv = ["download", "--product", "era5-single-levels", "--start", "2022-06-30", "--end",
            "2022-07-01", "--dir", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    assert "2 files complete" in capsys.readouterr().out
    assert main(argv) == 0 and len(client.calls) == 2  # the second run fetched nothing


def test_errors_exit_2_with_one_line(tmp_path, capsys):
    status = main(["download", "--product", "era5-static", "--start", "2022-07", "--end",
                   "2022-06", "--dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("xaqf download: error: ") and "is before start" in err
    with pytest.raises(SystemExit):
        main(["download", "--product", "era6", "--start", "2022-06", "--end", "2022-06",
              "--dir", str(tmp_path)])
