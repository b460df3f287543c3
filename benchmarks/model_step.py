"""Benchmark of one model step: FLOP/s of the ``paper`` forward against a matmul peak.

Measures, in one process (these machines are noisy, so the ratios are what counts):

* the analytical forward FLOPs of ``paper`` at 451 x 900 (:func:`xaqf.model.summary`);
* a matrix-multiply peak (``torch.matmul`` of large square matrices, best of several);
* the time of one ``paper`` forward at 451 x 900, batch 1 (after a warm-up on a smaller
  grid), the achieved FLOP/s and its ratio to the matmul peak, and the peak memory;
* the time of a forward + backward of ``small`` at 46 x 90, batch 4 (the demo's step);
* with ``--profile``, where the time of a ``paper`` forward goes (at a quarter of the grid).

Under ``--dtype bf16`` the forward runs as :meth:`xaqf.Forecaster.predict` runs it: bf16
autocast with the output head in float32 (:func:`xaqf.forecaster.rollout.float32_head`).
On CUDA the forward is timed with ``torch.cuda.Event`` pairs, and once more replayed from a
CUDA graph (static inputs; ``--no-cuda-graphs`` skips it); the ms per step and the share
of the matmul peak of the same dtype, measured in the same process, are printed for both.

Usage::

    python benchmarks/model_step.py                      # CPU, fp32
    python benchmarks/model_step.py --channels-last      # CPU, channels-last memory format
    python benchmarks/model_step.py --device cuda --dtype bf16
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import time
from collections.abc import Callable
from functools import partial

import torch

from xaqf.forecaster.rollout import float32_head
from xaqf.model import build_model, summary

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _timed(fn: Callable[[], object], device: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return times


def matmul_peak(device: str, dtype: torch.dtype, sizes: tuple[int, ...] = (2048, 4096),
                repeats: int = 6) -> float:
    """Best FLOP/s of ``torch.matmul`` on square matrices of the given sizes."""
    best = 0.0
    for size in sizes:
        a = torch.randn(size, size, device=device, dtype=dtype)
        b = torch.randn(size, size, device=device, dtype=dtype)
        torch.matmul(a, b)
        best = max(best, 2 * size**3 / min(_timed(partial(torch.matmul, a, b), device, repeats)))
    return best


def _autocast(device: str, dtype: torch.dtype) -> contextlib.AbstractContextManager:
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device, dtype=dtype)


def _cuda_ms(fn: Callable[[], object], repeats: int) -> float:
    """Best time of ``fn`` on the GPU in ms, from ``torch.cuda.Event`` pairs."""
    best = float("inf")
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        best = min(best, start.elapsed_time(end))
    return best


def cuda_graph_ms(net: torch.nn.Module, inputs: tuple[torch.Tensor, ...], dtype: torch.dtype,
                  repeats: int) -> float:
    """Best ms of a forward replayed from a CUDA graph captured on ``inputs``."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream), torch.no_grad(), _autocast("cuda", dtype):
        for _ in range(3):  # warm-up on a side stream, as capture requires
            net(*inputs)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph), torch.no_grad(), _autocast("cuda", dtype):
        net(*inputs)
    return _cuda_ms(graph.replay, repeats)


def _inputs(net: torch.nn.Module, height: int, width: int, batch: int,
            channels_last: bool) -> tuple[torch.Tensor, ...]:
    args = net.example_inputs(height, width, batch=batch, seed=0)
    if channels_last:
        args = tuple(a.to(memory_format=torch.channels_last) if a.ndim == 4 else a for a in args)
    return args


def paper_forward(args: argparse.Namespace) -> None:
    """Time ``paper`` forwards at the full grid and compare with the matmul peak."""
    info = summary("paper", args.height, args.width)
    print(info)
    peak = matmul_peak(args.device, DTYPES[args.dtype])
    print(f"matmul peak ({args.dtype}, {args.device}): {peak / 1e9:.1f} GFLOP/s")
    torch.manual_seed(0)
    net = build_model("paper", device=args.device).eval()
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    repeats = 1 if args.device == "cpu" else 10
    head = float32_head(net) if args.dtype == "bf16" else contextlib.nullcontext()
    with torch.no_grad(), _autocast(args.device, DTYPES[args.dtype]), head:
        warm = _inputs(net, args.height // 4, args.width // 4, 1, args.channels_last)
        net(*warm)
        full = _inputs(net, args.height, args.width, 1, args.channels_last)
        if args.device == "cuda":
            net(*full)
            times = [_cuda_ms(lambda: net(*full), repeats) / 1e3]
        else:
            times = _timed(lambda: net(*full), args.device, repeats)
        graph_ms = None
        if args.device == "cuda" and args.cuda_graphs:
            graph_ms = cuda_graph_ms(net, full, DTYPES[args.dtype], repeats)
    seconds = min(times)
    peak = max(peak, matmul_peak(args.device, DTYPES[args.dtype]))
    print(f"matmul peak measured again after the forward; kept the larger: {peak / 1e9:.1f}")
    achieved = info.flops / seconds
    print(f"paper forward {args.height}x{args.width} batch 1 ({args.dtype}, {args.device}, "
          f"channels_last={args.channels_last}, {repeats} timed run(s) after a warm-up at "
          f"{args.height // 4}x{args.width // 4}): {seconds:.3f} s")
    print(f"achieved: {achieved / 1e9:.1f} GFLOP/s = {achieved / peak:.1%} of the matmul peak"
          f" ({seconds * 1e3:.1f} ms per step)")
    if graph_ms is not None:
        print(f"CUDA graph replay: {graph_ms:.1f} ms per step, "
              f"{info.flops / (graph_ms / 1e3) / peak:.1%} of the matmul peak")
    if args.device == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    print(f"peak resident memory (maxrss): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


def small_step(args: argparse.Namespace) -> None:
    """Forward + backward of ``small`` at 46 x 90, batch 4, in both memory formats."""
    for channels_last in (False, True):
        torch.manual_seed(0)
        net = build_model("small", device=args.device)
        if channels_last:
            net = net.to(memory_format=torch.channels_last)
        inputs = _inputs(net, 46, 90, 4, channels_last)

        def step(net: torch.nn.Module = net, inputs: tuple = inputs) -> None:
            with _autocast(args.device, DTYPES[args.dtype]):
                psi, delta = net(*inputs)
            (psi.float().mean() + delta.float().square().mean()).backward()

        step()
        times = _timed(step, args.device, args.repeats)
        print(f"small forward+backward 46x90 batch 4 ({args.dtype}, channels_last="
              f"{channels_last}): median {statistics.median(times) * 1e3:.0f} ms, "
              f"best {min(times) * 1e3:.0f} ms over {args.repeats}")


def profile(args: argparse.Namespace) -> None:
    """Self time of the heaviest operators in a ``paper`` forward at a quarter of the grid."""
    net = build_model("paper", device=args.device).eval()
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    inputs = _inputs(net, args.height // 2, args.width // 2, 1, args.channels_last)
    with torch.no_grad(), _autocast(args.device, DTYPES[args.dtype]):
        net(*inputs)
        with torch.profiler.profile(record_shapes=True) as prof:
            net(*inputs)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    by_shape = prof.key_averages(group_by_input_shape=True)
    print(by_shape.table(sort_by="self_cpu_time_total", row_limit=12, max_shapes_column_width=70))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--dtype", default="fp32", choices=sorted(DTYPES))
    parser.add_argument("--height", type=int, default=451)
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--no-cuda-graphs", dest="cuda_graphs", action="store_false",
                        help="on CUDA, skip the CUDA-graph replay of the paper forward")
    parser.add_argument("--repeats", type=int, default=10, help="repeats of the small step")
    parser.add_argument("--skip-paper", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    small_step(args)
    if not args.skip_paper:
        paper_forward(args)
    if args.profile:
        profile(args)


if __name__ == "__main__":
    main()
