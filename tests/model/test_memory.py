"""Training-step memory: the fake-tensor count against glibc's measurement on the CPU."""

from __future__ import annotations

import pytest

from xaqf.errors import ConfigError
from xaqf.model import training_memory
from xaqf.model.memory import measured_activation_memory


@pytest.mark.parametrize(("precision", "checkpointing"),
                         [("fp32", False), ("bf16", False), ("fp32", True)])
def test_counted_activations_match_a_measurement_within_20_percent(precision, checkpointing):
    counted = training_memory("small", 48, 96, precision=precision,
                              checkpointing=checkpointing).activations
    measured = measured_activation_memory("small", 48, 96, precision=precision,
                                          checkpointing=checkpointing)
    assert counted == pytest.approx(measured, rel=0.2)


def test_bf16_and_checkpointing_shrink_the_activations_and_scale_with_the_grid():
    plain = training_memory("tiny", 32, 64)
    assert training_memory("tiny", 32, 64, precision="bf16").activations < plain.activations
    assert training_memory("tiny", 32, 64, checkpointing=True).activations < plain.activations
    assert training_memory("tiny", 64, 128).activations == pytest.approx(
        4 * plain.activations, rel=0.05)
    assert plain.optimizer == 2 * plain.parameters == 2 * plain.gradients


def test_unknown_precision_is_refused():
    with pytest.raises(ConfigError, match="precision"):
        training_memory("tiny", 8, 16, precision="fp16")
