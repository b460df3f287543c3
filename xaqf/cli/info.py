"""``xaqf info PATH``: what a store, a model file or a forecast holds, in a few lines.

For a netCDF file or a zarr store (a training store, a forecast, an analysis, scores): the
variables, pressure levels, grid and period or initial and lead times of each group
(:func:`xaqf.data.describe.describe`). For a model file (``.safetensors``, or a registered
name): the model config, its size, the grid and channels it takes, and how it was trained
(data, stages, samples, final loss, validation RMSE).

Exit status: 0 on success, 2 for a missing or unreadable file, reported on one line by
:func:`xaqf.cli.main`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

MODEL_SUFFIX = ".safetensors"
"""The suffix of model files."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``info`` on ``subparsers``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="xaqf")
    >>> add_parser(parser.add_subparsers()).parse_args(["train.zarr"]).path
    'train.zarr'
    """
    parser = subparsers.add_parser(
        "info", help="what a store, a model file or a forecast holds",
        description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path", help="a netCDF file, a zarr store or a model file")
    parser.set_defaults(func=run)
    return parser


def describe_model(path: str | Path) -> str:
    """A few lines on the model file at ``path`` (see the module notes).

    Raises
    ------
    ModelFileError
        Not a readable model file (:func:`xaqf.forecaster.model_file.read_model`).
    """
    import pandas as pd

    from xaqf.forecaster.model_file import read_model

    model = read_model(path)
    meta, config = model.metadata, model.metadata.model_config
    size = sum(parameter.numel() for parameter in model.net.parameters())
    grid = "any grid" if meta.grid is None else \
        f"{meta.grid.sizes['latitude']} x {meta.grid.sizes['longitude']}"
    lines = [f"{path}: xaqf model (format {meta.format_version}, xaqf {meta.xaqf_version})",
             f"  config:    {config.name!r}, fusion {config.fusion!r}, widths "
             f"{list(config.widths)}, {size:,} parameters",
             f"  inputs:    {len(meta.pollutant_channels)} pollutant, {len(meta.met_channels)} "
             f"met, {len(meta.static_channels)} static channels"
             + ("" if meta.emissions is None else
                f", {len(meta.emissions.channels)} emission channels"),
             f"  grid:      {grid}; step {meta.step / pd.Timedelta(hours=1):g}h"]
    provenance = meta.provenance
    if provenance.get("data"):
        lines.append(f"  data:      {provenance['data']}")
    for stage in provenance.get("stages", []):
        scores = [f"final loss {stage['final_loss']:.4g}"] if stage.get("final_loss") else []
        if stage.get("val_rmse") is not None:
            scores.append(f"val RMSE {stage['val_rmse']:.4g}")
        lines.append(f"  stage {stage['stage'].get('name', '?')!r}: {stage.get('samples')} "
                     f"samples, {stage.get('first_time', '?')[:16]} ... "
                     f"{stage.get('last_time', '?')[:16]}"
                     + "".join(f", {score}" for score in scores))
    if not provenance.get("stages"):
        lines.append("  training:  not recorded")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print what ``args.path`` holds; returns the exit status."""
    from xaqf.data.describe import describe

    path = Path(args.path)
    is_model = path.suffix == MODEL_SUFFIX or (not path.exists() and not path.suffix
                                              and len(path.parts) == 1)
    print(describe_model(args.path) if is_model else describe(path))
    return 0
