#!/usr/bin/env bash
# The GPU measurements and CUDA tests of xaqf in one run, each part with its own time limit.
#
# Usage, from the repository root of a machine with a CUDA GPU:
#
#     bash benchmarks/gpu_checks.sh [LOG_FOLDER]        # default: gpu-checks/
#
# Each part's output goes to the terminal and to LOG_FOLDER/<part>.log, and its exit status
# is printed after it; a part that fails or runs out of time does not stop the next. The
# order puts the cheap, always-useful parts first: the host's share of a forecast (CPU
# only), the CUDA tests, then the benchmarks of `paper` at 451 x 900, compilation last.
# Each part has a limit (seconds) and all together stop within BUDGET seconds (default 560,
# under the ten minutes of one command on a lent machine): a part gets at most what is left,
# and is skipped with under 10 s left. A part cut off by its limit exits with 124.
# PYTHON names the interpreter (default python3). Figures belong in benchmarks/RESULTS.md
# ("Inference at the hardware's speed").
set -u

logs=${1:-gpu-checks}
mkdir -p "$logs"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python=${PYTHON:-python3}
budget=${BUDGET:-560}
started=$SECONDS

part() {  # part NAME LIMIT COMMAND...
    local name=$1 limit=$2 left=$((budget - (SECONDS - started)))
    shift 2
    if ((left < 10)); then
        echo "== $name: skipped, ${left} s of the ${budget} s budget left"
        return
    fi
    ((limit > left)) && limit=$left
    echo "== $name (limit ${limit} s, at $((SECONDS - started)) s)"
    timeout "$limit" "$@" 2>&1 | tee "$logs/$name.log"
    echo "== $name: exit ${PIPESTATUS[0]}"
}

part machine 60 bash -c "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv;
    lscpu | grep -E '^(Model name|CPU\(s\))'; lscpu | grep -o -E 'avx512_bf16|amx_bf16' | sort -u;
    $python -c 'import torch; print(torch.__version__, torch.cuda.is_available())'"
part host_inputs 90 "$python" benchmarks/fetch_inputs.py --repeats 3
part cuda_tests 120 "$python" -m pytest -q -p no:cacheprovider tests/forecaster/test_cuda.py \
    tests/training/test_cuda.py
part model_step 60 "$python" benchmarks/model_step.py --device cuda --dtype bf16 --channels-last
part predict_bf16 90 "$python" benchmarks/predict.py --resolution 0.4 --config paper \
    --device cuda --dtype bf16 --steps 10 --repeats 3
part predict_fp32 90 "$python" benchmarks/predict.py --resolution 0.4 --config paper \
    --device cuda --steps 10 --repeats 3
part predict_compile 600 "$python" benchmarks/predict.py --resolution 0.4 --config paper \
    --device cuda --dtype bf16 --steps 10 --repeats 2 --compile
echo "== all parts done in $((SECONDS - started)) s"
