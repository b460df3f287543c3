import json
import subprocess
import sys
import textwrap
import threading

import pytest

from xaqf.forecaster import heap as memory
from xaqf.forecaster.heap import heap_retention_available, retained_heap

PROBE = textwrap.dedent("""
    import json, resource, torch
    from xaqf.forecaster.heap import retained_heap

    MIB = (112, 96, 80, 64)  # all above glibc's largest mmap threshold (32 MiB)

    def faults_per_round(rounds):
        # torch tensors: numpy asks for huge pages, which fault 512 times less
        counts = []
        for _ in range(rounds):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            buffers = [torch.ones(mib << 18) for mib in MIB]
            del buffers
            counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        return counts

    def resident_pages():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1])

    default = faults_per_round(3)
    with retained_heap():
        with retained_heap():
            inner = faults_per_round(5)
        outer = faults_per_round(2)
        retained = resident_pages()
    print(json.dumps({"pages_per_round": sum(MIB) * 256, "default": default, "inner": inner,
                      "outer": outer, "released": retained - resident_pages()}))
""")


@pytest.mark.skipif(not heap_retention_available(), reason="needs glibc")
def test_freed_buffers_are_reused_inside_and_handed_back_after():
    # a fresh process: the result must not depend on the heap left by earlier tests
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True)
    probe = json.loads(run.stdout)
    pages = probe["pages_per_round"]
    assert min(probe["default"]) > 0.9 * pages  # glibc maps every buffer afresh
    # inside, the first round's buffers are reused (glibc may take a few rounds to settle)
    assert sum(probe["inner"][1:]) < pages
    assert sum(probe["outer"]) < pages // 4  # still inside the outer block
    assert probe["released"] > pages // 2  # handed back on leaving the outermost block


class RecordingLibc:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


def test_settings_are_set_once_and_restored_once_with_the_memory_handed_back(monkeypatch):
    libc = RecordingLibc()
    monkeypatch.setattr(memory, "_glibc", lambda: libc)
    with pytest.raises(RuntimeError), retained_heap(), retained_heap():
        raise RuntimeError("boom")
    assert libc.calls == [
        ("mallopt", -4, 0), ("mallopt", -1, -1),  # M_MMAP_MAX = 0, M_TRIM_THRESHOLD = max
        ("mallopt", -4, 65536), ("mallopt", -1, 128 * 1024), ("malloc_trim", 0)]
    assert memory._depth == 0


def test_concurrent_blocks_leave_the_depth_at_zero(monkeypatch):
    libc = RecordingLibc()
    monkeypatch.setattr(memory, "_glibc", lambda: libc)
    barrier = threading.Barrier(4)

    def enter() -> None:
        with retained_heap():
            barrier.wait()

    threads = [threading.Thread(target=enter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert memory._depth == 0
    assert [call[0] for call in libc.calls].count("malloc_trim") == 1  # all four overlapped


def test_without_glibc_the_block_does_nothing(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert not heap_retention_available()
    with retained_heap():
        assert memory._depth == 0
