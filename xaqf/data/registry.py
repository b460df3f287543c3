"""Sample data files fetched on demand, checked by sha256 and cached locally.

Files are listed in :data:`REGISTRY` (name -> ``"sha256:<hex>"``) and downloaded by
:mod:`pooch` from :data:`BASE_URL` into a cache folder (the user's cache directory, or the
folder named by the ``XAQF_DATA_DIR`` environment variable). ``file://`` URLs are accepted
too, so a mirror on a shared disk works. No sample file is published yet: the registry is
empty, and :func:`xaqf.tutorial.toy_world` generates data instead.

Examples
--------
>>> import hashlib, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "hello.txt").write_text("hi")
>>> digest = hashlib.sha256(b"hi").hexdigest()
>>> store = make_registry(base_url=folder.as_uri() + "/",
...                       registry={"hello.txt": f"sha256:{digest}"}, path=folder / "cache")
>>> fetch("hello.txt", store).read_text()
'hi'
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pooch
import xarray as xr

from xaqf.errors import DownloadError

DATA_DIR_ENV = "XAQF_DATA_DIR"
"""Environment variable that overrides the cache folder."""
BASE_URL = "https://github.com/xaqf/xaqf-data/raw/main/"
"""Where registered files are published (nothing is published there yet)."""
REGISTRY: dict[str, str] = {}
"""Registered sample files: name -> ``"sha256:<hex digest>"``."""


def _download(url: str, output_file: str, store: pooch.Pooch) -> None:
    """Copy ``file://`` URLs; hand every other protocol to pooch's own downloaders."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        shutil.copyfile(unquote(parsed.path), output_file)
    else:
        pooch.downloaders.choose_downloader(url, progressbar=False)(url, output_file, store)


def make_registry(base_url: str = BASE_URL, registry: dict[str, str] | None = None,
                  path: str | Path | None = None) -> pooch.Pooch:
    """A :class:`pooch.Pooch` over ``registry`` (default :data:`REGISTRY`).

    Parameters
    ----------
    base_url
        URL (``https://``, ``ftp://``, ``file://`` ...) of the folder holding the files;
        must end with ``/``.
    registry
        File names and their ``"sha256:..."`` hashes.
    path
        Cache folder; default: the ``XAQF_DATA_DIR`` environment variable if set, else the
        user's cache directory for xaqf.
    """
    return pooch.create(path=path or pooch.os_cache("xaqf"), base_url=base_url,
                        env=None if path else DATA_DIR_ENV,
                        registry=dict(REGISTRY if registry is None else registry))


def fetch(name: str, store: pooch.Pooch | None = None) -> Path:
    """Local path of the registered file ``name``, downloading it first if needed.

    Raises
    ------
    DownloadError
        If ``name`` is not registered, the download fails (e.g. offline) or the file's
        sha256 hash does not match the registry.
    """
    store = store or make_registry()
    if name not in store.registry:
        known = ", ".join(sorted(store.registry)) or "none yet"
        raise DownloadError(
            f"no sample file named {name!r} in the xaqf data registry (registered: {known}); "
            f"use xaqf.tutorial.toy_world() to generate data locally instead"
        )
    try:
        return Path(store.fetch(name, downloader=_download))
    except Exception as error:  # requests, OSError, pooch's hash ValueError...
        raise DownloadError(
            f"could not fetch sample file {name!r} from {store.get_url(name)} into "
            f"{store.abspath} ({type(error).__name__}: {error}). Check the network "
            f"connection, or copy the file into that folder (set {DATA_DIR_ENV} to choose "
            f"another one); if the hash differs, delete the cached copy and fetch again"
        ) from error


def open_dataset(name: str, store: pooch.Pooch | None = None, **kwargs: Any) -> xr.Dataset:
    """Open a registered sample file with :func:`xarray.open_dataset`.

    Parameters
    ----------
    name
        Registered file name.
    store
        Registry to use (default: :func:`make_registry`).
    **kwargs
        Passed to :func:`xarray.open_dataset` unchanged (``chunks``, ``engine``,
        ``decode_times``...).
    """
    return xr.open_dataset(fetch(name, store), **kwargs)
