"""The fusion U-Net (PyTorch): bilinear-pooling fusion, Conv2Former U-Net, psi/delta heads.

Examples
--------
>>> from xaqf.model import build_model, apply_change
>>> net = build_model("tiny")
>>> p_prev, p_now, q_now, q_next, statics, time = net.example_inputs(46, 90, seed=0)
>>> psi, delta = net(p_prev, p_now, q_now, q_next, statics, time)
>>> forecast = apply_change(psi, delta, p_now)
>>> tuple(forecast.shape)
(1, 73, 46, 90)
"""

from __future__ import annotations

from xaqf.model.config import CONFIGS, ModelConfig, get_config
from xaqf.model.fusion import BilinearFusion, ConcatFusion, NoMetFusion
from xaqf.model.memory import TrainingMemory, training_memory
from xaqf.model.step import model_step, step_features, time_features, unroll
from xaqf.model.summary import ModelSummary, summary
from xaqf.model.unet import FusionUNet, apply_change, build_model

__all__ = [
    "CONFIGS",
    "BilinearFusion",
    "ConcatFusion",
    "FusionUNet",
    "ModelConfig",
    "ModelSummary",
    "NoMetFusion",
    "TrainingMemory",
    "apply_change",
    "build_model",
    "get_config",
    "model_step",
    "step_features",
    "summary",
    "time_features",
    "training_memory",
    "unroll",
]
