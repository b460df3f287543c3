"""Download the ADS/CDS products month by month: resumable, verified, atomic.

:func:`download` sends the requests of :func:`xaqf.data.sources.requests` through a client of
the Copernicus data stores and writes each month to ``<directory>/<Request.target>``:

* **atomic**: the client writes a temporary file in the target's folder; it is verified,
  then renamed, so a target file is always complete;
* **resumable**: months already complete are skipped (:func:`check_download` opens them
  with xarray and checks every expected variable and time is there); a truncated or
  incomplete month is fetched again;
* **retried**: a failing request is retried with exponential backoff (``backoff``,
  ``2 * backoff``, ...), then a :class:`~xaqf.errors.DownloadError` names the product,
  the month and the last error;
* **zips**: a zip (the ADS's ``netcdf_zip``, or the CDS splitting instantaneous and
  accumulated fields) is unpacked and its netCDF files merged into the target.

:func:`download_emissions` fetches the CAMS-GLOB-ANT emission inventory the same way, one
request a year (:func:`xaqf.data.sources.emission_requests`): each year's zip is unpacked into a
folder beside its target, every species' file checked (named ``..._anthro_<species>_...``,
readable, holding the twelve months of the year), then the folder moved into place as
``<directory>/cams-glob-ant/<year>/``; complete years are skipped. A zip holding two
different files of one name (in two of its folders), or two members holding one variable
with different values, is refused, naming both: unpacked or merged, one would silently
replace the other. Such a refusal, like any
:class:`~xaqf.errors.XaqfError` about what was received, is not retried.

``retries`` must be an integer of 0 or more and ``backoff`` a number of seconds of 0 or more
(:class:`~xaqf.errors.ConfigError` naming the parameter, before any request).

The client is anything with ``retrieve(dataset, request, target)``. By default it is
``ecmwf.datastores.Client`` (package ``ecmwf-datastores-client``), else
``cdsapi.Client``, created with the API address of the store the product lives in (ADS for
CAMS, CDS for ERA5). Each reads the API key as it always does (``ECMWF_DATASTORES_KEY`` or
``~/.ecmwfdatastoresrc``; ``CDSAPI_KEY`` or ``~/.cdsapirc``); xaqf never reads or stores
credentials. Install them with ``pip install 'xaqf[download]'``.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> paths = download("era5-static", "2022-06", "2022-06", folder, dry_run=True)
... # doctest: +ELLIPSIS
{"product": "era5-static", "dataset": "reanalysis-era5-single-levels", ...}
>>> paths[0].name, paths[0].exists()
('era5-static.nc', False)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import xarray as xr

from xaqf._utils.progress import progress as progress_bar
from xaqf.data.io import standardize
from xaqf.data.sources import PRODUCTS, Request, expected_coords, product, requests
from xaqf.errors import ConfigError, DownloadError, MissingDependencyError, XaqfError

__all__ = ["STORE_URLS", "Client", "check_download", "check_inventory", "default_client",
           "download", "download_emissions", "products"]

STORE_URLS = {"ads": "https://ads.atmosphere.copernicus.eu/api",
              "cds": "https://cds.climate.copernicus.eu/api"}
"""API addresses of the Atmosphere (ADS) and Climate (CDS) Data Stores."""


class Client(Protocol):
    """What :func:`download` needs of a client: ``ecmwf.datastores.Client`` and
    ``cdsapi.Client`` both have it."""

    def retrieve(self, dataset: str, request: dict[str, Any], target: str) -> Any:
        """Fetch ``request`` of ``dataset`` into the file ``target``."""


def default_client(store: str) -> Client:
    """A client of ``store`` (``"ads"`` or ``"cds"``) from the installed official package.

    Raises
    ------
    MissingDependencyError
        Neither ``ecmwf-datastores-client`` nor ``cdsapi`` is installed.
    """
    url = STORE_URLS[store]
    for module in ("ecmwf.datastores", "cdsapi"):
        if _installed(module):
            client: Client = importlib.import_module(module).Client(url=url)
            return client
    raise MissingDependencyError(
        f"downloading from the {store.upper()} needs ecmwf-datastores-client (or cdsapi): "
        f"pip install 'xaqf[download]', then put your API key in ~/.ecmwfdatastoresrc "
        f"(see https://ecmwf.github.io/ecmwf-datastores-client/)")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package ("ecmwf") is absent
        return False


def products(names: str | Iterable[str]) -> list[str]:
    """Product names, with ``"all"`` standing for every product.

    Examples
    --------
    >>> products("all")[:2], products(["era5-static"])
    (['cams-analysis', 'cams-forecast'], ['era5-static'])
    """
    names = [names] if isinstance(names, str) else list(names)
    if "all" in names:
        return list(PRODUCTS)
    return [product(n).name for n in names]


def check_download(path: str | os.PathLike, request: Request) -> str | None:
    """Why the file at ``path`` is not a complete download of ``request`` (``None`` if it is).

    Opens the file with xarray, brings it to the canonical layout
    (:func:`xaqf.data.io.standardize`) and checks that every variable and every time of the
    request is there.

    Examples
    --------
    >>> from xaqf.data.sources import requests
    >>> check_download("missing.nc", requests("era5-static", "2022-06", "2022-06")[0])
    'missing.nc does not exist'
    """
    path = Path(path)
    if not path.is_file():
        return f"{path} does not exist"
    spec = product(request.product)
    try:
        with xr.open_dataset(path, chunks={}) as raw:
            ds = standardize(raw, spec.kind)
            return _what_is_missing(ds, request)
    except XaqfError as err:
        return f"{path} is not usable: {err}"
    except Exception as err:  # noqa: BLE001  (a truncated file fails in the netCDF library)
        return f"{path} cannot be opened ({type(err).__name__}: {err}); it is truncated or " \
               f"not netCDF"


def _what_is_missing(ds: xr.Dataset, request: Request) -> str | None:
    spec = product(request.product)
    absent = [v for v in spec.variables if v not in ds.data_vars]
    if absent:
        return f"variables {absent} are missing (found {sorted(map(str, ds.data_vars))})"
    for dim, expected in expected_coords(request).items():
        found = pd.Index(ds[dim].values) if dim in ds.coords else pd.Index([])
        lacking = pd.Index(expected).difference(found)
        if len(lacking):
            return f"{len(lacking)} of the {len(expected)} {dim} values are missing " \
                   f"(first: {lacking[0]})"
    return None


def download(product: str | Iterable[str], start: Any, end: Any,
             directory: str | os.PathLike, *, client: Client | None = None, retries: int = 3,
             backoff: float = 30.0, progress: bool = True, dry_run: bool = False,
             sleep: Callable[[float], Any] = time.sleep) -> list[Path]:
    """Download products month by month into ``directory``, skipping complete months.

    Parameters
    ----------
    product
        A product name of :data:`xaqf.data.sources.PRODUCTS`, a list of them, or ``"all"``.
    start, end
        First and last month (``"2022-06"``) or day (``"2022-06-29"``), inclusive.
    directory
        Download folder; each month goes to ``directory / Request.target``.
    client
        Object with ``retrieve(dataset, request, target)``; default
        :func:`default_client` of each product's store.
    retries
        Further attempts after a failed one (a client error or an incomplete file).
    backoff
        Seconds before the first retry; doubled at each further one.
    progress
        Show a progress bar over the months.
    dry_run
        Print each request as JSON (one line each) and download nothing.
    sleep
        Function that waits (tests pass a fake one).

    Returns
    -------
    list of pathlib.Path
        The month files, in request order.

    Raises
    ------
    DownloadError
        A month still fails after ``retries`` retries.
    MissingDependencyError
        No client given and no official client installed.
    ConfigError
        Unknown product or unreadable period; ``retries`` or ``backoff`` negative or not a
        number.
    """
    _check_retries(retries, backoff)
    directory = Path(directory)
    planned = [r for name in products(product) for r in requests(name, start, end)]
    if dry_run:
        for request in planned:
            print(json.dumps(request.as_json()))
        return [directory / r.target for r in planned]
    clients: dict[str, Client] = {}
    for request in progress_bar(planned, desc="download", unit="month", enabled=progress):
        target = directory / request.target
        if check_download(target, request) is None:
            continue
        store = PRODUCTS[request.product].store
        if client is None and store not in clients:
            clients[store] = default_client(store)
        _fetch(request, target, client or clients[store], retries, backoff, sleep,
               _place_month)
    return [directory / r.target for r in planned]


def download_emissions(start_year: int, end_year: int, directory: str | os.PathLike, *,
                       species: tuple[str, ...] | None = None, client: Client | None = None,
                       retries: int = 3, backoff: float = 30.0, progress: bool = True,
                       dry_run: bool = False, sleep: Callable[[float], Any] = time.sleep
                       ) -> list[Path]:
    """Download the CAMS-GLOB-ANT anthropogenic inventory, year by year, into
    ``directory/cams-glob-ant/<year>/`` (see the module notes), skipping complete years.

    Parameters
    ----------
    start_year, end_year
        First and last year, inclusive.
    directory
        Download folder.
    species
        Species of :data:`xaqf.data.inventory.CAMS_GLOB_ANT_SPECIES`; default all of them.
    client, retries, backoff, progress, dry_run, sleep
        As for :func:`download` (the default client is the ADS's).

    Returns
    -------
    list of pathlib.Path
        The year folders; open them with ``xaqf.data.inventory.open_emissions(
        "DIR/cams-glob-ant/*/*.nc")`` or give them to ``xaqf prepare --emissions``.

    Raises
    ------
    DownloadError
        A year still fails after ``retries`` retries.
    ConfigError
        Unknown species, or ``end_year`` before ``start_year``; ``retries`` or ``backoff``
        negative or not a number.
    """
    from xaqf.data.sources import emission_requests

    _check_retries(retries, backoff)
    directory = Path(directory)
    planned = emission_requests(start_year, end_year) if species is None else \
        emission_requests(start_year, end_year, tuple(species))
    if dry_run:
        for request in planned:
            print(json.dumps(request.as_json()))
        return [directory / r.target for r in planned]
    for request in progress_bar(planned, desc="emissions", unit="year", enabled=progress):
        target = directory / request.target
        if check_inventory(target, request) is None:
            continue
        client = client or default_client("ads")
        _fetch(request, target, client, retries, backoff, sleep, _place_inventory)
    return [directory / r.target for r in planned]


def check_inventory(folder: str | os.PathLike, request: Request) -> str | None:
    """Why ``folder`` is not a complete year of the inventory ``request`` asks for (``None``
    if it is): one readable netCDF file per species, named ``..._anthro_<species>_...``,
    holding every month of the year.

    Examples
    --------
    >>> from xaqf.data.sources import emission_requests
    >>> check_inventory("nowhere", emission_requests(2022, 2022)[0])
    'nowhere holds no file'
    """
    from xaqf.data.inventory import CAMS_GLOB_ANT_SPECIES

    folder = Path(folder)
    files = sorted(folder.glob("*.nc")) if folder.is_dir() else []
    if not files:
        return f"{folder} holds no file"
    names = {ads: species for species, ads in CAMS_GLOB_ANT_SPECIES.items()}
    year = request.request["year"][0]
    months = pd.date_range(f"{year}-01-01", periods=12, freq="MS")
    for ads_name in request.request["variable"]:
        tag = f"_anthro_{names[ads_name]}_"
        found = [f for f in files if tag in f.name.lower()]
        if len(found) != 1:
            return f"{folder}: {len(found)} files named '{tag}' (expected one)"
        try:
            with xr.open_dataset(found[0]) as ds:
                times = pd.DatetimeIndex(ds["time"].values) if "time" in ds.coords else []
        except Exception as err:  # noqa: BLE001  (a truncated file fails in the netCDF library)
            return f"{found[0]} cannot be opened ({type(err).__name__}: {err})"
        lacking = months.difference(pd.DatetimeIndex(times).to_period("M").to_timestamp())
        if len(lacking):
            return f"{found[0]} lacks {len(lacking)} months of {year} (first: {lacking[0]:%Y-%m})"
    return None


def _check_retries(retries: Any, backoff: Any) -> None:
    """ConfigError naming ``retries`` (an integer >= 0) or ``backoff`` (seconds >= 0).

    Examples
    --------
    >>> _check_retries(-1, 30.0)
    Traceback (most recent call last):
    ...
    xaqf.errors.ConfigError: retries=-1: give the number of further attempts after a failed \
one, an integer of 0 or more (default 3)
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"retries={retries!r}: give the number of further attempts after a "
                          f"failed one, an integer of 0 or more (default 3)")
    if isinstance(backoff, bool) or not isinstance(backoff, int | float) or \
            not 0.0 <= backoff < float("inf"):
        raise ConfigError(f"backoff={backoff!r}: give the seconds to wait before the first "
                          f"retry, a number of 0 or more (default 30)")


Place = Callable[[Request, Path, Path], str | None]
"""Puts a verified download (a temporary file) at its target; returns why not, or None."""


def _fetch(request: Request, target: Path, client: Client, retries: int, backoff: float,
           sleep: Callable[[float], Any], place: Place) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            problem = _attempt(request, target, client, place)
        except XaqfError:  # about what was received: another try gets the same
            raise
        except Exception as err:  # noqa: BLE001  (clients raise many kinds of errors)
            problem = f"{type(err).__name__}: {err}"
        if problem is None:
            return
        last = problem
    raise DownloadError(
        f"{request.product} {_month(request)}: still failing after {retries} retries; last "
        f"error: {last}. Check your API key and that the licence of {request.dataset!r} is "
        f"accepted on the store's web page, then run the same command again (what is "
        f"complete is kept)")


def _attempt(request: Request, target: Path, client: Client, place: Place) -> str | None:
    """One download into a temporary file, then ``place``d at ``target``."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                    dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        client.retrieve(request.dataset, request.request, str(temporary))
        return place(request, temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _place_month(request: Request, temporary: Path, target: Path) -> str | None:
    """A month file (a zip's members merged), verified, renamed to ``target``."""
    if zipfile.is_zipfile(temporary):
        _unzip_merged(temporary)
    problem = check_download(temporary, request)
    if problem is None:
        os.replace(temporary, target)
    return problem


def _place_inventory(request: Request, temporary: Path, target: Path) -> str | None:
    """A year's zip of the inventory, unpacked beside ``target``, verified, moved there."""
    if not zipfile.is_zipfile(temporary):
        return f"the store sent no zip for {request.target} ({temporary.stat().st_size} bytes)"
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as folder:
        staged = Path(folder) / target.name
        with zipfile.ZipFile(temporary) as archive:
            members = [m for m in archive.namelist() if m.endswith(".nc")]
            _refuse_same_names(archive, members, request)
            staged.mkdir()
            for member in members:
                (staged / Path(member).name).write_bytes(archive.read(member))
        problem = check_inventory(staged, request)
        if problem is None:
            if target.exists():
                shutil.rmtree(target)
            os.replace(staged, target)
        return problem


def _refuse_same_names(archive: zipfile.ZipFile, members: list[str], request: Request
                       ) -> None:
    """DownloadError naming two ``members`` of one file name with different contents."""
    seen: dict[str, str] = {}
    for member in members:
        name = Path(member).name
        first = seen.setdefault(name, member)
        if first != member and archive.read(first) != archive.read(member):
            raise DownloadError(
                f"{request.target}: the zip holds two different files named {name!r} "
                f"({first!r} and {member!r}); unpacked into one folder one would replace the "
                f"other. Download the year again; if the store keeps sending both, report it "
                f"and unpack the zip by hand")


def _unzip_merged(path: Path) -> None:
    """Replace the zip at ``path`` by one netCDF file merging its members."""
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.endswith(".nc")]
            archive.extractall(folder, members)
        parts = [xr.open_dataset(Path(folder) / m) for m in members]
        try:
            _refuse_conflicting_members(parts, members, path)
            merged = xr.merge(parts, compat="override", join="outer",
                              combine_attrs="drop_conflicts")
            merged.to_netcdf(path)
        finally:
            for part in parts:
                part.close()


def _refuse_conflicting_members(parts: list[xr.Dataset], members: list[str], path: Path
                                ) -> None:
    """DownloadError naming two zip members holding one variable with different values
    (merging with ``compat="override"`` would silently keep the first)."""
    first: dict[str, int] = {}
    for k, part in enumerate(parts):
        for name in map(str, part.data_vars):
            j = first.setdefault(name, k)
            if j != k and not parts[j][name].equals(part[name]):
                raise DownloadError(
                    f"{path.name}: the zip's members {members[j]!r} and {members[k]!r} both "
                    f"hold {name!r}, with different values; merged, one would silently "
                    f"replace the other. Download the month again; if the store keeps "
                    f"sending both, report it and merge them by hand")


def _month(request: Request) -> str:
    if request.product == "era5-static":
        return "(statics)"
    return Path(request.target).stem.rpartition("_")[2]  # a year folder: the year itself
