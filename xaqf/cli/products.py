"""``xaqf products FORECAST``: the surface air-quality products of a forecast, with maps.

From a forecast (or an analysis) and, for the gases, ``--met`` with ``t`` on the lowest
level (:mod:`xaqf.products.surface`), writes into ``--output`` (default ``products``):

* ``products.nc``, groups (read with :func:`xarray.open_datatree`): ``surface`` (PM2.5,
  PM10 and, with ``--met``, NO2, SO2, O3 and CO in ug m-3), ``daily`` (daily means, with
  ``n_values`` and ``complete``), ``who_exceedance`` (the WHO 2021 24-hour guideline
  exceeded) and ``eaqi`` (the European Air Quality Index category of the daily means);
* ``eaqi_<date>.png``: the EAQI map of each complete day of one forecast (``--init-time``,
  default the latest initial time);

and prints, for each of those days, the share of the globe's area in EAQI "poor" or worse
and above each WHO 24-hour level. 12-hourly output gives daily means of two values: see
:mod:`xaqf.products.air_quality` for what that can and cannot support. An ensemble forecast
(a ``member`` or ``number`` dimension, even of one member) gives the products of its ensemble
mean (:func:`xaqf.products.surface.ensemble_mean`); met on another grid than the forecast is
refused (regrid it first); so is an ``--output`` whose ``products.nc`` would replace an input.

Exit status: 0 on success, 2 for a missing file or data that cannot be made into products
(reported on one line by :func:`xaqf.cli.main`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from xaqf._utils.atomic import atomic_path
from xaqf._utils.checks import not_an_input
from xaqf.cli.arguments import iso_time

POOR = 4
"""The first EAQI category counted as bad air ("poor")."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``products`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> args = add_parser(parser.add_subparsers()).parse_args(["forecast.zarr"])
    >>> args.output, args.met, args.init_time
    (PosixPath('products'), None, None)
    """
    parser = subparsers.add_parser(
        "products", help="daily means, WHO exceedances and EAQI maps of a forecast",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("forecast", type=Path, help="forecast or analysis (netCDF or zarr)")
    parser.add_argument("--met", type=Path, default=None,
                        help="met with 't' on the lowest level (needed for the gases)")
    parser.add_argument("--init-time", default=None, type=iso_time,
                        help="initial time whose days are mapped (default: the latest)")
    parser.add_argument("--output", type=Path, default=Path("products"),
                        help="output folder (created; default ./products)")
    parser.set_defaults(func=run)
    return parser


def make_products(forecast: xr.Dataset, met: xr.Dataset | None = None) -> xr.DataTree:
    """The groups of ``products.nc`` (see the module notes), computed."""
    from xaqf.products import air_quality as products
    from xaqf.products.surface import ensemble_mean

    surface = products.surface_fields(ensemble_mean(forecast), met).compute()
    daily = products.daily_means(surface)
    return xr.DataTree.from_dict({
        "/": xr.Dataset(attrs={"title": "xaqf surface air-quality products",
                               "source": str(forecast.attrs.get("source", ""))}),
        "/surface": surface, "/daily": daily,
        "/who_exceedance": products.who_exceedance(daily), "/eaqi": products.eaqi(daily)})


def day_summary(tree: xr.DataTree, init_time: Any = None) -> pd.DataFrame:
    """Per complete day of one forecast (the latest without ``init_time``): the share of the
    area in EAQI category "poor" or worse and above each WHO 24-hour level."""
    from xaqf.products.air_quality import area_share

    categories = _one_forecast(tree["eaqi"].to_dataset(), init_time)
    exceeded = _one_forecast(tree["who_exceedance"].to_dataset(), init_time)
    days = categories["date"].values[categories["complete"].values]
    table = {"EAQI poor or worse": area_share(categories["eaqi"] >= POOR).sel(date=days)}
    for name in exceeded.data_vars:
        table[f"above WHO {name}"] = area_share(exceeded[name]).sel(date=days)
    return pd.DataFrame({key: np.asarray(value.values) for key, value in table.items()},
                        index=pd.DatetimeIndex(days, name="date"))


def _one_forecast(ds: xr.Dataset, init_time: Any) -> xr.Dataset:
    """``ds`` of one initial time, if it has several; ``complete`` as a plain flag."""
    from xaqf.errors import MissingTimeError

    if "init_time" not in ds.dims:
        return ds
    inits = pd.DatetimeIndex(ds["init_time"].values)
    chosen = inits.max() if init_time is None else pd.Timestamp(init_time)
    if chosen not in inits:
        raise MissingTimeError(f"--init-time {chosen} is not an initial time of the forecast "
                               f"({inits.min()} ... {inits.max()}, {len(inits)} of them)")
    one = ds.sel(init_time=chosen)
    return one.assign_coords(complete=one["complete"].astype(bool))


def write_maps(tree: xr.DataTree, output: Path, init_time: Any = None) -> list[Path]:
    """The EAQI map of each complete day of one forecast, as ``eaqi_<date>.png``."""
    import matplotlib.pyplot as plt

    from xaqf.products.air_quality import plot_category_map

    categories = _one_forecast(tree["eaqi"].to_dataset(), init_time)
    names = [str(name) for name in tree["surface"].to_dataset().data_vars]
    shown = ", ".join(names) + ("" if set(names) - {"pm2p5", "pm10"} else " (no --met: no gases)")
    start = "" if "init_time" not in categories.coords else \
        f", forecast from {pd.DatetimeIndex([categories['init_time'].values])[0]:%Y-%m-%d %H} UTC"
    paths = []
    for date in categories["date"].values[categories["complete"].values]:
        day = pd.Timestamp(date)
        fig = plot_category_map(categories["eaqi"].sel(date=date),
                                title=f"EAQI {day:%Y-%m-%d} of daily {shown}{start}")
        path = output / f"eaqi_{day:%Y-%m-%d}.png"
        with atomic_path(path) as partial:
            fig.savefig(partial, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths


def run(args: argparse.Namespace) -> int:
    """Make the products; returns the exit status."""
    import matplotlib

    from xaqf.data.io import open_met
    from xaqf.data.open import open_data

    matplotlib.use("Agg")
    not_an_input(args.output / "products.nc", [args.forecast, args.met])
    forecast = open_data(args.forecast)
    met = None if args.met is None else open_met(str(args.met))
    tree = make_products(forecast, met)
    summary = day_summary(tree, args.init_time)
    with atomic_path(args.output / "products.nc") as partial:
        tree.to_netcdf(partial)
    maps = write_maps(tree, args.output, args.init_time)
    print("share of the area, per complete day:")
    print(summary.to_string(float_format=lambda x: f"{100 * x:.1f} %"))
    print(f"xaqf products: wrote {args.output / 'products.nc'} and {len(maps)} map(s) to "
          f"{args.output}")
    return 0
