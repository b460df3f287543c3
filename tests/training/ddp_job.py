"""Run by ``torchrun`` (or plainly) in the DDP tests: train a micro model on a toy store.

``python -m torch.distributed.run --nproc_per_node N tests/training/ddp_job.py STORE OUT
BATCH STEPS [PAUSE]`` trains ``STEPS`` optimiser steps (``0``: the whole stage) of batch
``BATCH`` per process and leaves the checkpoint in ``OUT``; ``PAUSE`` seconds after each
step (before its checkpoint) leave a test the time to kill the run mid-stage.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.helpers import micro_config  # noqa: E402
from xaqf.training import TrainConfig  # noqa: E402
from xaqf.training.distributed import setup  # noqa: E402
from xaqf.training.run import plan_stages  # noqa: E402
from xaqf.training.trainer import Trainer  # noqa: E402


def config(store: str, batch: int) -> TrainConfig:
    """The toy run: 2 epochs of the micro model, runs of 2 windows."""
    stage = {"name": "pretrain", "epochs": 2, "batch_size": batch, "run_length": 2,
             "max_lr": 1e-3, "checkpoint_every": 1}
    return TrainConfig(data={"store": store}, model=micro_config().to_dict(), stages=[stage])


class PausingTrainer(Trainer):
    """A trainer that waits ``pause`` seconds after each optimiser step."""

    pause = 0.0

    def _train_step(self, batch):  # type: ignore[no-untyped-def]
        loss = super()._train_step(batch)
        time.sleep(self.pause)
        return loss


def main(store: str, out: str, batch: int, steps: int, pause: float = 0.0) -> None:
    world = setup("cpu")
    cfg = config(store, batch)
    (forecaster, windows, _), = plan_stages(cfg)
    trainer = PausingTrainer(forecaster, windows, cfg.stage_configs()[0], checkpoint_dir=out,
                             progress=False, world=world, workers=1)
    trainer.pause = pause
    trainer.fit(max_steps=steps or None)
    world.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
         *(float(a) for a in sys.argv[5:]))
