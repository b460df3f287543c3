"""Figures of forecast skill: RMSE curves, score matrices, lead-day profiles and case maps,
and of ensembles: CRPS curves, spread against skill, rank histograms.

Each function returns a :class:`matplotlib.figure.Figure` and leaves saving to the caller
(``fig.savefig("rmse.png", dpi=150)``). They work with any matplotlib backend, including
the non-interactive ``Agg``; map coastlines are drawn only where ``cartopy`` is installed.

Values are shown in readable units: kg m-3 as µg m-3, kg kg-1 as µg kg-1, kg m-2 as
mg m-2; every axis and colour bar names the channel and its units.

Examples
--------
>>> import numpy as np, pandas as pd, xarray as xr
>>> lead = pd.to_timedelta([12, 24, 36], unit="h")
>>> rmse = xr.Dataset({"pm10": ("lead_time", [2e-9, 3e-9, 4e-9], {"units": "kg m-3"})},
...                   coords={"lead_time": lead})
>>> fig = plot_rmse_curves({"xaqf": rmse, "CAMS": rmse * 1.2}, reference="CAMS")
>>> [ax.get_ylabel() for ax in fig.axes]
['RMSE (µg m⁻³)', 'ratio to CAMS']
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from xaqf.errors import InvalidValueError, MissingLevelError, MissingTimeError
from xaqf.metrics.align import align_truth
from xaqf.metrics.summary import by_lead_day, channel_scores
from xaqf.preprocessing.channels import from_channels
from xaqf.variables import VARIABLES, channel_name, split_channel

_LABELS: dict[str, str] = {
    "tcco": "TC CO", "tc_no": "TC NO", "tcno2": "TC NO₂", "tcso2": "TC SO₂",
    "gtco3": "TC O₃", "co": "CO", "no": "NO", "no2": "NO₂", "so2": "SO₂", "go3": "O₃",
    "pm1": "PM1", "pm2p5": "PM2.5", "pm10": "PM10",
}
"""Short display names of pollutants, as used in the literature."""

_DISPLAY_UNITS: dict[str, tuple[str, float]] = {
    "kg m-3": ("µg m⁻³", 1e9), "kg kg-1": ("µg kg⁻¹", 1e9), "kg m-2": ("mg m⁻²", 1e6),
}
"""Canonical units -> (display units, factor) for readable numbers."""

RATIO_LABEL = "normalised RMSE (< 1: better than reference)"

MATRIX_LABEL = "RMSE / RMSE(reference)\nblue < 1: better than reference"
"""The colour bar's label of :func:`plot_score_matrix`."""

NO_COASTLINES = "no coastlines: cartopy is not installed (pip install 'xaqf[maps]')"
"""The caption of a map drawn without coastlines (:func:`add_coastlines`)."""


def plain_ticks(ax: Any) -> None:
    """Tick labels of ``ax`` as plain numbers, never as an offset (``1e-5+9.999e-1``).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0.99999, 1.00001])
    >>> plain_ticks(ax)
    >>> fig.canvas.draw()
    >>> ax.yaxis.get_major_formatter().get_offset()
    ''
    """
    for axis in (ax.xaxis, ax.yaxis):
        formatter = axis.get_major_formatter()
        if isinstance(formatter, ScalarFormatter):
            formatter.set_useOffset(False)


def channel_label(name: str) -> str:
    """Display label of a channel: ``"go3_850"`` -> ``"O₃ 850 hPa"``.

    Examples
    --------
    >>> channel_label("go3_850"), channel_label("pm2p5")
    ('O₃ 850 hPa', 'PM2.5')
    """
    variable, level = split_channel(name)
    label = _LABELS.get(variable, variable)
    return label if level is None else f"{label} {level:g} hPa"


def display_units(units: str) -> tuple[str, float]:
    """Readable units for ``units`` and the factor to multiply values by.

    Examples
    --------
    >>> display_units("kg m-3")
    ('µg m⁻³', 1000000000.0)
    >>> display_units("K")
    ('K', 1.0)
    """
    return _DISPLAY_UNITS.get(units, (units, 1.0))


def _units_of(da: xr.DataArray, variable: str) -> str:
    catalogue = VARIABLES.get(variable)
    return da.attrs.get("units") or (catalogue.units if catalogue else "")


def _select_channel(ds: xr.Dataset, name: str) -> xr.DataArray:
    """One channel of a per-variable Dataset (level selected where there is one)."""
    variable, level = split_channel(name)
    if variable not in ds.data_vars:
        raise InvalidValueError(f"no variable {variable!r} for channel {name!r}; the scores "
                                f"hold {sorted(map(str, ds.data_vars))}")
    da = ds[variable]
    if level is None:
        return da
    if "level" not in da.dims or level not in da["level"].values:
        raise MissingLevelError(f"channel {name!r}: level {level:g} hPa is not in the scores")
    return da.sel(level=level)


def _default_channels(ds: xr.Dataset) -> list[str]:
    """Single-level variables (total columns and PM, as in the paper), else all channels."""
    single = [str(name) for name in ds.data_vars if "level" not in ds[name].dims]
    return single or channel_scores(ds).channel.values.tolist()[:8]


def _lead_hours(da: xr.DataArray) -> np.ndarray:
    return da["lead_time"].values / np.timedelta64(1, "h")


def _grid(n: int, max_columns: int) -> tuple[int, int]:
    columns = min(n, max_columns)
    return -(-n // columns), columns


def plot_rmse_curves(scores: Mapping[str, xr.Dataset] | xr.Dataset,
                     variables: Sequence[str] | None = None, reference: str | None = None,
                     max_columns: int = 4) -> Figure:
    """RMSE against lead time per channel, with the ratio to a reference below (Fig. 2).

    Parameters
    ----------
    scores
        RMSE per model, ``{"xaqf": rmse_xaqf, "CAMS": rmse_cams}``, each from
        :func:`xaqf.metrics.rmse` (dims ``lead_time`` [, ``level``]); or one Dataset.
    variables
        Channel names (``"pm10"``, ``"go3_850"``); default: the single-level variables.
    reference
        Key of ``scores`` to normalise by; adds a panel of ``RMSE / RMSE(reference)``
        under each curve.
    max_columns
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    models = {"forecast": scores} if isinstance(scores, xr.Dataset) else dict(scores)
    if reference is not None and reference not in models:
        raise InvalidValueError(f"reference {reference!r} is not one of {list(models)}")
    names = list(variables or _default_channels(next(iter(models.values()))))
    nrows, ncols = _grid(len(names), max_columns)
    fig = plt.figure(figsize=(3.6 * ncols, (3.6 if reference else 2.8) * nrows),
                     layout="constrained")
    cells = fig.add_gridspec(nrows, ncols)
    colours = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"],
                       strict=False))
    for index, name in enumerate(names):
        _rmse_panel(fig, cells[index], name, models, reference, colours)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(models), frameon=False)
    return fig


def _rmse_panel(fig: Figure, cell: Any, name: str, models: dict[str, xr.Dataset],
                reference: str | None, colours: dict[str, str]) -> None:
    if reference is None:
        top, bottom = fig.add_subplot(cell), None
    else:
        inner = cell.subgridspec(2, 1, height_ratios=(3, 1.3), hspace=0.05)
        top = fig.add_subplot(inner[0])
        bottom = fig.add_subplot(inner[1], sharex=top)
    variable = split_channel(name)[0]
    curves = {model: _select_channel(ds, name) for model, ds in models.items()}
    units, factor = display_units(_units_of(next(iter(curves.values())), variable))
    for model, da in curves.items():
        top.plot(_lead_hours(da), da.values * factor, marker="o", ms=3, label=model,
                 color=colours[model])
    top.set_title(channel_label(name))
    top.set_ylabel(f"RMSE ({units})")
    top.grid(alpha=0.3)
    plain_ticks(top)
    last = top
    if bottom is not None and reference is not None:
        base = curves[reference]
        for model, da in curves.items():
            if model != reference:
                ratio = da / base
                bottom.plot(_lead_hours(ratio), ratio.values, marker="o", ms=3,
                            color=colours[model])
        bottom.axhline(1.0, color=colours[reference], lw=1, ls="--")
        bottom.set_ylabel(f"ratio to {reference}")
        bottom.grid(alpha=0.3)
        plain_ticks(bottom)
        top.tick_params(labelbottom=False)
        last = bottom
    last.set_xlabel("lead time (h)")


def plot_acc_curves(scores: Mapping[str, xr.Dataset] | xr.Dataset,
                    variables: Sequence[str] | None = None, max_columns: int = 4) -> Figure:
    """Anomaly correlation against lead time per channel, one curve per model.

    Parameters
    ----------
    scores
        ACC per model, ``{"xaqf": acc_xaqf, "CAMS": acc_cams}``, each from
        :func:`xaqf.metrics.acc` or :meth:`xaqf.metrics.ScoreState.acc` (dims ``lead_time``
        [, ``level``]); or one Dataset.
    variables, max_columns
        As for :func:`plot_rmse_curves`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, xarray as xr
    >>> lead = pd.to_timedelta([12, 24], unit="h")
    >>> acc = xr.Dataset({"pm10": ("lead_time", [0.9, 0.8], {"units": "1"})},
    ...                  coords={"lead_time": lead})
    >>> fig = plot_acc_curves({"xaqf": acc, "persistence": acc - 0.3})
    >>> fig.axes[0].get_ylabel(), len(fig.axes[0].lines)
    ('ACC', 2)
    """
    models = {"forecast": scores} if isinstance(scores, xr.Dataset) else dict(scores)
    names = list(variables or _default_channels(next(iter(models.values()))))
    fig, axes = _ensemble_panels(names, max_columns)
    for ax, name in zip(axes.flat, names, strict=False):
        for k, (label, acc) in enumerate(models.items()):
            _lead_curve(ax, acc, name, label, color=f"C{k}")
        _lead_panel(ax, name, "ACC")
    _legend(fig, axes, len(models))
    return fig


def _matrix_blocks(matrix: xr.Dataset) -> list[tuple[str, xr.DataArray, list[str]]]:
    """(title, 2-D array rows x lead_day, row labels): one per level variable, one for the
    single-level variables together."""
    blocks = []
    singles = [name for name in matrix.data_vars if "level" not in matrix[name].dims]
    for name in matrix.data_vars:
        if name in singles:
            continue
        da = matrix[name].transpose("level", "lead_day")
        blocks.append((_LABELS.get(str(name), str(name)), da,
                       [f"{level:g}" for level in da["level"].values]))
    if singles:
        stacked = xr.concat([matrix[name] for name in singles], dim="row")
        blocks.append(("single level", stacked.transpose("row", "lead_day"),
                       [channel_label(str(name)) for name in singles]))
    return blocks


def _symmetric_norm(values: np.ndarray) -> TwoSlopeNorm:
    spread = np.nanmax(np.abs(values - 1.0)) if np.isfinite(values).any() else 0.0
    spread = max(float(spread), 0.05)
    return TwoSlopeNorm(vcenter=1.0, vmin=1.0 - min(spread, 0.99), vmax=1.0 + spread)


def plot_score_matrix(score_matrix: xr.Dataset, max_columns: int = 3,
                      annotate: bool = True,
                      significant: xr.Dataset | xr.DataArray | None = None) -> Figure:
    """Heat maps of normalised RMSE by level and lead day, one per variable (Fig. 3).

    Parameters
    ----------
    score_matrix
        From :func:`xaqf.metrics.score_matrix` (dims ``[level,] lead_day``).
    max_columns
        Panels per row.
    annotate
        Write each cell's value.
    significant
        Where the difference from the reference is significant, in the layout of
        ``score_matrix`` or as ``compare(..., by="lead_day")["significant"]`` (a
        ``channel`` dim): the other cells are hatched.

    Returns
    -------
    matplotlib.figure.Figure
        Blue cells (< 1) beat the reference, red cells (> 1) lose, as is usual in
        verification; the colour map is centred on 1 and the colour bar says which way is
        better (:data:`MATRIX_LABEL`). Pressure decreases upwards.
    """
    blocks = _matrix_blocks(score_matrix)
    marks = _significance_blocks(significant, score_matrix)
    norm = _symmetric_norm(np.concatenate([b[1].values.ravel() for b in blocks]))
    nrows, ncols = _grid(len(blocks), max_columns)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols + 1.2, 3.3 * nrows),
                             layout="constrained", squeeze=False)
    for ax, (title, da, rows) in zip(axes.flat, blocks, strict=False):
        image = ax.imshow(da.values, cmap="RdBu_r", norm=norm, aspect="auto")
        days = da["lead_day"].values
        ax.set_xticks(range(len(days)), [str(day) for day in days])
        ax.set_yticks(range(len(rows)), rows)
        ax.set_title(title)
        ax.set_xlabel("lead day")
        if "level" in da.dims:
            ax.set_ylabel("pressure (hPa)")
        if annotate:
            _annotate(ax, da.values, norm)
        if marks is not None:
            _hatch(ax, marks[title])
    for ax in axes.flat[len(blocks):]:
        ax.set_visible(False)
    fig.colorbar(image, ax=axes, shrink=0.8,
                 label=MATRIX_LABEL + ("\nhatched: not significant" if marks is not None else ""))
    return fig


def _significance_blocks(significant: xr.Dataset | xr.DataArray | None,
                         score_matrix: xr.Dataset) -> dict[str, np.ndarray] | None:
    """Per panel title, the significance of each cell, laid out as the panel's values."""
    if significant is None:
        return None
    if isinstance(significant, xr.DataArray):
        significant = from_channels(significant.astype(np.float64))
    aligned = significant.reindex_like(score_matrix)[list(score_matrix.data_vars)]
    return {title: da.values for title, da, _ in _matrix_blocks(aligned)}


def _hatch(ax: Any, significant: np.ndarray) -> None:
    for (i, j), flag in np.ndenumerate(significant):
        if not flag or not np.isfinite(flag):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="0.35", linewidth=0))


def _annotate(ax: Any, values: np.ndarray, norm: TwoSlopeNorm) -> None:
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            strong = abs(norm(value) - 0.5) > 0.3
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if strong else "black")


def plot_normalized_rmse(scores: xr.Dataset, lead_days: Sequence[int] = (3, 5),
                         max_columns: int = 3) -> Figure:
    """Normalised RMSE profiles at chosen lead days (Fig. 4).

    Parameters
    ----------
    scores
        A score matrix (``lead_day`` dim) or normalised RMSE per ``lead_time`` (grouped
        into lead days with :func:`xaqf.metrics.by_lead_day`).
    lead_days
        Lead days to draw, one line each.
    max_columns
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per level variable (normalised RMSE against pressure) and one for the
        single-level variables; left of the dashed line at 1 beats the reference.

    Raises
    ------
    MissingTimeError
        If a requested lead day is absent.
    """
    matrix = scores if "lead_day" in scores.dims else by_lead_day(scores)
    absent = [day for day in lead_days if day not in matrix["lead_day"].values]
    if absent:
        raise MissingTimeError(f"lead day(s) {absent} are not in the scores (lead days "
                               f"{matrix['lead_day'].values.tolist()}); pick from those")
    blocks = _matrix_blocks(matrix.sel(lead_day=list(lead_days)))
    nrows, ncols = _grid(len(blocks), max_columns)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols, 3.4 * nrows),
                             layout="constrained", squeeze=False)
    for ax, (title, da, rows) in zip(axes.flat, blocks, strict=False):
        positions = np.arange(len(rows))
        for k, day in enumerate(lead_days):
            style = "-o" if "level" in da.dims else "o"
            ax.plot(da.sel(lead_day=day).values, positions, style, ms=4, color=f"C{k}",
                    label=f"day {day}")
        ax.axvline(1.0, color="0.3", lw=1, ls="--")
        ax.set_yticks(positions, rows)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel("RMSE / RMSE(reference)")
        ax.grid(alpha=0.3)
        plain_ticks(ax)
        if "level" in da.dims:
            ax.set_ylabel("pressure (hPa)")
    for ax in axes.flat[len(blocks):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(lead_days),
               frameon=False)
    return fig


def crop(obj: Any, region: tuple[float, float, float, float] | None) -> Any:
    """Cut a (lon_min, lon_max, lat_min, lat_max) box, in any longitude convention.

    Longitudes are shifted into ``[lon_min, lon_min + 360)`` first, so boxes crossing the
    0 deg meridian (``lon_min < 0``) or the date line (``lon_min > lon_max``) work on data
    in 0..360 or -180..180.

    Examples
    --------
    >>> da = xr.DataArray(np.arange(4.0), dims="longitude",
    ...                   coords={"longitude": [0.0, 90.0, 180.0, 270.0]})
    >>> crop(da.expand_dims(latitude=[0.0]), (-100, 10, -5, 5)).longitude.values
    array([-90.,   0.])
    """
    if region is None:
        return obj
    lon_min, lon_max, lat_min, lat_max = region
    east = lon_max if lon_max > lon_min else lon_max + 360.0
    shifted = (obj["longitude"].values - lon_min) % 360.0 + lon_min
    lat = obj["latitude"].values
    lon_index = np.flatnonzero(shifted <= east)
    lat_index = np.flatnonzero((lat >= min(lat_min, lat_max)) & (lat <= max(lat_min, lat_max)))
    if lon_index.size == 0 or lat_index.size == 0:
        raise InvalidValueError(f"region {region} holds no grid point; regions are "
                                f"(lon_min, lon_max, lat_min, lat_max) in degrees")
    cut = obj.assign_coords(longitude=shifted).isel(longitude=lon_index, latitude=lat_index)
    return cut.sortby("longitude")


def _field(ds: xr.Dataset | xr.DataArray, variable: str, level: float | None) -> xr.DataArray:
    da = ds[variable] if isinstance(ds, xr.Dataset) else ds
    if "level" in da.dims:
        if level is None:
            raise MissingLevelError(f"{variable!r} is on pressure levels; pass level=... "
                                    f"(one of {da['level'].values.tolist()})")
        da = da.sel(level=level)
    return da


def _degrees(positive: str, negative: str, wrap: bool = False) -> FuncFormatter:
    """Tick labels like ``30°W`` / ``45°N``; longitudes wrapped into -180..180."""
    def label(value: float, _: Any) -> str:
        if wrap:
            value = (value + 180.0) % 360.0 - 180.0
        suffix = "" if value in (0.0, -180.0) else positive if value > 0 else negative
        return f"{abs(value):g}°{suffix}"

    return FuncFormatter(label)


_DEGREE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.5, 6.0, 9.0, 10.0)
"""Tick spacings (times powers of ten) that read well in degrees: 15, 30, 45, 90..."""


def _map_axes(fig: Figure, spec: Any) -> Any:
    """A map axes in degrees: equal aspect, a few round ticks labelled 90°E / 45°N."""
    ax = fig.add_subplot(spec)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=_DEGREE_STEPS))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, steps=_DEGREE_STEPS))
    ax.xaxis.set_major_formatter(_degrees("E", "W", wrap=True))
    ax.yaxis.set_major_formatter(_degrees("N", "S"))
    return ax


def add_coastlines(ax: Any, *, linewidth: float = 0.6, color: str = "0.15") -> bool:
    """Draw coastlines on a longitude/latitude axes where cartopy is installed.

    The Natural Earth 1:110 m coastlines (cartopy downloads them once) are drawn as plain
    lines, repeated every 360 degrees, so they fit data in 0..360 or -180..180 and the
    axes keep their ticks and limits. Without cartopy (``pip install 'xaqf[maps]'``), or
    without its data and no network, nothing is drawn and the figure gets a small caption
    saying so (:data:`NO_COASTLINES`, once per figure).

    Parameters
    ----------
    ax
        A matplotlib axes whose x is longitude and y latitude, in degrees.
    linewidth, color
        Line style.

    Returns
    -------
    bool
        Whether coastlines were drawn.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> isinstance(add_coastlines(ax), bool)
    True
    """
    if importlib.util.find_spec("cartopy") is None:
        return _no_coastlines(ax)
    import cartopy.feature

    try:
        geometries = list(cartopy.feature.COASTLINE.with_scale("110m").geometries())
    except OSError:
        return _no_coastlines(ax)
    lines = [np.asarray(part.coords) for geometry in geometries
             for part in getattr(geometry, "geoms", [geometry])]
    shifted = [line + (shift, 0.0) for line in lines for shift in (-360.0, 0.0, 360.0)]
    ax.add_collection(LineCollection(shifted, colors=color, linewidths=linewidth),
                      autolim=False)
    return True


def _no_coastlines(ax: Any) -> bool:
    """Caption ``ax``'s figure with :data:`NO_COASTLINES` (once); ``False``."""
    fig = ax.get_figure()
    if not any(text.get_text() == NO_COASTLINES for text in fig.texts):
        fig.text(0.005, 0.005, NO_COASTLINES, fontsize=6, color="0.4", ha="left",
                 va="bottom")
    return False


def plot_case_maps(truth: xr.Dataset, forecasts: Mapping[str, xr.Dataset], variable: str,
                   lead_times: Sequence[Any], init_time: Any = None,
                   region: tuple[float, float, float, float] | None = None,
                   level: float | None = None, cmap: str = "viridis") -> Figure:
    """Maps of truth and forecasts side by side for one case (Figs. 5-6).

    Parameters
    ----------
    truth
        Analysis (``time`` dim) or truth in forecast layout.
    forecasts
        Forecasts by model name, e.g. ``{"xaqf": fc, "CAMS": ref}``, in forecast layout.
    variable
        Catalogue name, e.g. ``"pm10"``.
    lead_times
        Lead times, one row each (``"12h"``, ``numpy.timedelta64``...).
    init_time
        Initialisation time (default: the first forecast's first init time).
    region
        ``(lon_min, lon_max, lat_min, lat_max)`` in degrees (default: the whole grid);
        see :func:`crop`.
    level
        Pressure level (hPa) for variables on levels.
    cmap
        Colour map, shared by every panel with one colour scale.

    Returns
    -------
    matplotlib.figure.Figure
        Rows: lead times; columns: truth, then each model.
    """
    init = pd.Timestamp(init_time if init_time is not None
                        else next(iter(forecasts.values()))["init_time"].values[0])
    leads = pd.to_timedelta(list(lead_times)).as_unit("ns")
    when = xr.Dataset(coords={"init_time": [init], "lead_time": leads})
    columns = {"truth": align_truth(when, _field(truth, variable, level))}
    for name, forecast in forecasts.items():
        columns[name] = _field(forecast, variable, level).sel(init_time=[init], lead_time=leads)
    panels = {name: crop(da.isel(init_time=0), region) for name, da in columns.items()}
    units, factor = display_units(_units_of(panels["truth"], variable))
    vmin, vmax = np.nanpercentile(panels["truth"].values * factor, [1, 99])
    fig = plt.figure(figsize=_map_figsize(panels["truth"], len(leads), len(panels)),
                     layout="constrained")
    cells = fig.add_gridspec(len(leads), len(panels))
    for row, lead in enumerate(leads):
        for col, (name, da) in enumerate(panels.items()):
            ax = _map_axes(fig, cells[row, col])
            field = da.sel(lead_time=lead)
            mesh = ax.pcolormesh(field["longitude"], field["latitude"], field.values * factor,
                                 cmap=cmap, vmin=vmin, vmax=vmax, shading="nearest")
            add_coastlines(ax)
            _label_map(ax, row, col, name, init + lead, lead)
    label = channel_label(channel_name(variable, level))
    fig.colorbar(mesh, ax=fig.axes, shrink=0.8, extend="both", label=f"{label} ({units})")
    fig.suptitle(f"{label}, forecasts from {init:%Y-%m-%d %H:%M} UTC")
    return fig


def _map_figsize(field: xr.DataArray, nrows: int, ncols: int) -> tuple[float, float]:
    """Panels 3.2 in wide, as tall as the region's latitude/longitude aspect asks."""
    span_lon = np.ptp(field["longitude"].values) or 1.0
    span_lat = np.ptp(field["latitude"].values) or 1.0
    aspect = min(max(span_lat / span_lon, 0.3), 1.5)
    return 3.2 * ncols + 1.2, (2.6 * aspect + 0.45) * nrows + 0.5


def _label_map(ax: Any, row: int, col: int, name: str, valid: pd.Timestamp,
               lead: pd.Timedelta) -> None:
    if row == 0:
        ax.set_title(name, fontsize=11, fontweight="bold")
    if col == 0:
        hours = int(lead / pd.Timedelta(hours=1))
        ax.text(-0.28, 0.5, f"+{hours} h\n{valid:%d %b %H:%M}", transform=ax.transAxes,
                rotation=90, ha="center", va="center", fontsize=10)
    ax.tick_params(labelsize=7)


def _ensemble_panels(names: Sequence[str], max_columns: int, height: float = 2.8
                     ) -> tuple[Figure, np.ndarray]:
    nrows, ncols = _grid(len(names), max_columns)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, height * nrows),
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    return fig, axes


def _lead_curve(ax: Any, ds: xr.Dataset, name: str, label: str, **style: Any) -> str:
    """Draw one score against lead time in display units; return the units."""
    da = _select_channel(ds, name)
    units, factor = display_units(_units_of(da, split_channel(name)[0]))
    ax.plot(_lead_hours(da), da.values * factor, marker="o", ms=3, label=label, **style)
    return units


def _lead_panel(ax: Any, name: str, ylabel: str) -> None:
    """Title, axis labels and grid of a panel of scores against lead time."""
    ax.set_title(channel_label(name))
    ax.set_ylabel(ylabel)
    ax.set_xlabel("lead time (h)")
    ax.grid(alpha=0.3)
    plain_ticks(ax)


def _legend(fig: Figure, axes: np.ndarray, columns: int) -> None:
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=columns, frameon=False)


def plot_crps(crps: xr.Dataset, deterministic: Mapping[str, xr.Dataset] | None = None,
              variables: Sequence[str] | None = None, max_columns: int = 4) -> Figure:
    """CRPS of an ensemble against lead time, next to deterministic errors (MAE, RMSE).

    The CRPS of a deterministic forecast is its MAE, so the MAE of single forecasts (one
    member, the forecast driven by a deterministic met) is the fair comparison; the RMSE of
    the ensemble mean can be drawn alongside.

    Parameters
    ----------
    crps
        From :func:`xaqf.metrics.crps` (dims ``lead_time`` [, ``level``]).
    deterministic
        Scores of deterministic forecasts by label, e.g. ``{"MAE, FuXi-driven": mae}``,
        drawn dashed.
    variables
        Channel names (``"pm10"``, ``"go3_850"``); default: the single-level variables.
    max_columns
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, xarray as xr
    >>> lead = pd.to_timedelta([12, 24], unit="h")
    >>> crps = xr.Dataset({"pm10": ("lead_time", [1e-9, 2e-9], {"units": "kg m-3"})},
    ...                   coords={"lead_time": lead})
    >>> fig = plot_crps(crps, {"MAE": crps * 1.3})
    >>> fig.axes[0].get_ylabel(), len(fig.axes[0].lines)
    ('CRPS or MAE (µg m⁻³)', 2)
    """
    others = dict(deterministic or {})
    names = list(variables or _default_channels(crps))
    fig, axes = _ensemble_panels(names, max_columns)
    for ax, name in zip(axes.flat, names, strict=False):
        units = _lead_curve(ax, crps, name, "ensemble CRPS", color="C0")
        for k, (label, scores) in enumerate(others.items(), start=1):
            _lead_curve(ax, scores, name, label, color=f"C{k}", ls="--")
        _lead_panel(ax, name, f"CRPS or MAE ({units})" if others else f"CRPS ({units})")
    _legend(fig, axes, 1 + len(others))
    return fig


def plot_spread_skill(spread: xr.Dataset, skill: xr.Dataset,
                      variables: Sequence[str] | None = None, max_columns: int = 4) -> Figure:
    """Ensemble spread and RMSE of the ensemble mean against lead time, per channel.

    A reliable ensemble's spread follows its error (after the finite-size factor of
    :func:`xaqf.metrics.spread_skill_ratio`); a spread below the error is over-confident.

    Parameters
    ----------
    spread
        From :func:`xaqf.metrics.ensemble_spread`.
    skill
        The RMSE of the ensemble mean, ``xaqf.metrics.rmse(ensemble_mean(fc), truth)``
        (computed with the same ``form`` as the spread).
    variables, max_columns
        As for :func:`plot_crps`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, xarray as xr
    >>> lead = pd.to_timedelta([12, 24], unit="h")
    >>> rmse = xr.Dataset({"tcco": ("lead_time", [1e-3, 2e-3], {"units": "kg m-2"})},
    ...                   coords={"lead_time": lead})
    >>> fig = plot_spread_skill(rmse * 0.8, rmse)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['RMSE of the ensemble mean', 'spread']
    """
    names = list(variables or _default_channels(skill))
    fig, axes = _ensemble_panels(names, max_columns)
    for ax, name in zip(axes.flat, names, strict=False):
        units = _lead_curve(ax, skill, name, "RMSE of the ensemble mean", color="C0")
        _lead_curve(ax, spread, name, "spread", color="C1", ls="--")
        _lead_panel(ax, name, units)
    _legend(fig, axes, 2)
    return fig


def plot_rank_histogram(histogram: xr.Dataset, variables: Sequence[str] | None = None,
                        lead_time: Any = None, max_columns: int = 4) -> Figure:
    """Rank histograms (Talagrand diagrams) at one lead time, one panel per channel.

    Parameters
    ----------
    histogram
        From :func:`xaqf.metrics.rank_histogram` (dims ``rank``, ``lead_time`` [, ``level``]).
    variables, max_columns
        As for :func:`plot_crps`.
    lead_time
        Lead time to show (e.g. ``"120h"``); default: the last one.

    Returns
    -------
    matplotlib.figure.Figure
        Bars of the frequency of each rank, with the flat line of a reliable ensemble.

    Raises
    ------
    MissingTimeError
        If ``lead_time`` is not in the histogram.

    Examples
    --------
    >>> import pandas as pd, xarray as xr
    >>> hist = xr.Dataset({"pm10": (("rank", "lead_time"), [[0.5], [0.2], [0.3]])},
    ...                   coords={"rank": [0, 1, 2], "lead_time": pd.to_timedelta([12], "h")})
    >>> fig = plot_rank_histogram(hist)
    >>> len(fig.axes[0].patches), fig.axes[0].get_title()
    (3, 'PM10, +12 h')
    """
    lead = histogram.indexes["lead_time"][-1] if lead_time is None else pd.Timedelta(lead_time)
    if lead not in histogram.indexes["lead_time"]:
        raise MissingTimeError(f"lead time {lead} is not in the histogram (lead times "
                               f"{histogram.indexes['lead_time'].tolist()}); pick one of them")
    names = list(variables or _default_channels(histogram.isel(rank=0, drop=True)))
    fig, axes = _ensemble_panels(names, max_columns)
    flat = 1.0 / histogram.sizes["rank"]
    for ax, name in zip(axes.flat, names, strict=False):
        da = _select_channel(histogram, name).sel(lead_time=lead)
        ax.bar(da["rank"].values, da.values, color="C0", width=0.85)
        ax.axhline(flat, color="0.3", lw=1, ls="--")
        ax.set_title(f"{channel_label(name)}, +{int(lead / pd.Timedelta(hours=1))} h")
        ax.set_xlabel("members below the truth")
        ax.set_ylabel("frequency")
    return fig
