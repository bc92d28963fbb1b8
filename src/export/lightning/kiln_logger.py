"""A Lightning logger and a checkpoint callback that write the run as Kiln writes one, into `run/`:
experiment.log, `train|valid/epoch-N/<Metric>.log` (`<value>,<count>` a line), the valid split's
confusion matrices, and after every epoch a checkpoint of three records in Kiln's formats (model,
optimizer and scheduler, Burn's records with Kiln's state beside), kept as Kiln keeps them: the
last `keepCheckpoints` and the best epoch by valid Accuracy (classification) or valid Loss (regression). With kiln.json and config.json beside, the folder,
zipped, is a Kiln run archive: it opens in the studio and resumes there.
"""

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from kiln_run import checkpoint_stamp, js_json, js_number, log_line, metric_file, model_record, optim_record, scheduler_record, write_atomic

try:
    from lightning.pytorch.callbacks import Checkpoint
    from lightning.pytorch.loggers.logger import Logger
    from lightning.pytorch.utilities import rank_zero_only
except ImportError:
    from pytorch_lightning.callbacks import Checkpoint
    from pytorch_lightning.loggers.logger import Logger
    from pytorch_lightning.utilities import rank_zero_only


class KilnLogger(Logger):
    """Writes experiment.log and the metric logs of a Kiln run folder (on the first process only)."""

    def __init__(self, folder):
        super().__init__()
        self.folder = Path(folder)

    @property
    def name(self):
        return "kiln"

    @property
    def version(self):
        return 0

    @property
    def save_dir(self):
        return str(self.folder)

    @rank_zero_only
    def log_hyperparams(self, params, *args, **kwargs):
        pass  # the run's settings are config.json and the experiment log's first lines

    @rank_zero_only
    def log_metrics(self, metrics, step=None):
        pass  # Kiln's metric lines carry their item counts: see `lines`

    @rank_zero_only
    def info(self, target: str, message: str, level: str = "INFO") -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "experiment.log", "a", encoding="utf-8") as f:
            f.write(log_line(level, target, message))

    @rank_zero_only
    def begin_epoch(self, split: str, epoch: int) -> None:
        """A fresh folder for the epoch (a resumed epoch replaces the one an interrupted run left)."""
        shutil.rmtree(self.folder / split / f"epoch-{epoch}", ignore_errors=True)

    @rank_zero_only
    def lines(self, split: str, epoch: int, name: str, entries) -> None:
        """Appends `<value>,<count>` lines of a metric, in iteration order."""
        folder = self.folder / split / f"epoch-{epoch}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / metric_file(name), "a") as f:
            f.write("".join(f"{js_number(v)},{int(c)}\n" for v, c in entries))

    @rank_zero_only
    def confusion(self, epoch: int, class_names, matrix) -> None:
        """`valid/epoch-N/ConfusionMatrix.json`: rows true classes, columns predicted."""
        doc = {"format": "kiln.confusion", "version": 1, "split": "valid", "epoch": epoch, "classNames": class_names, "matrix": matrix}
        folder = self.folder / "valid" / f"epoch-{epoch}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ConfusionMatrix.json").write_text(js_json(doc))


class KilnCheckpoint(Checkpoint):
    """After every epoch (once the module has its train and valid means), writes checkpoint N's three
    records into `run/checkpoint/` and deletes those Kiln would no longer keep; writes the run's
    manifest, config and dataset first. A Checkpoint, so that Lightning calls it after the module."""

    def __init__(self, run: dict, logger: KilnLogger, dataset=None):
        super().__init__()
        self.run, self.logger, self.dataset = run, logger, dataset
        self.folder = logger.folder
        self.last_epoch = run["checkpoint"]
        # The metric Kiln ranks a run by: valid Accuracy (highest) for classification, valid Loss (lowest) for regression.
        self.ranked = "Loss" if run["loss"] == "mse" else "Accuracy"
        self.valid_rank = {}

    @rank_zero_only
    def on_fit_start(self, trainer, module):
        run, folder = self.run, self.folder
        (folder / "checkpoint").mkdir(parents=True, exist_ok=True)
        last = run["checkpoint"] + trainer.max_epochs
        config = {**run["config"], "epochs": max(run["config"]["epochs"], last)}
        (folder / "config.json").write_text(json.dumps(config, indent=2))
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        manifest = {"format": "kiln.archive", "version": 1, "kind": "run", "name": f"{run['name']} (Lightning)", "createdAt": created}
        (folder / "kiln.json").write_text(json.dumps(manifest, indent=2))
        source = Path(__file__).resolve().parent / "data"
        if (source / "dataset.json").exists():
            (folder / "dataset").mkdir(exist_ok=True)
            shutil.copyfile(source / "dataset.json", folder / "dataset" / "dataset.json")
            if self.dataset is None:
                shutil.copyfile(source / "data.mpk.gz", folder / "dataset" / "data.mpk.gz")
            else:
                self.dataset(folder / "dataset" / "data.mpk.gz")

    def on_train_epoch_end(self, trainer, module):
        epoch = self.last_epoch = module.kiln_epoch
        self.valid_rank[epoch] = module.means["valid"].get(self.ranked, float("nan"))
        if trainer.global_rank != 0:
            return
        run = self.run
        weights, slots = module.burn_weights(), module.burn_slots()
        stamp = checkpoint_stamp(epoch, module.step_count)
        ids = {n: w["id"] for n, w in run["weights"].items()}
        ranks = {n: len(w["shape"]) for n, w in run["weights"].items()}
        places = {"params": run["params"], "state": run["state"]}
        progress = {"epoch": epoch, "globalStep": module.step_count, "dataOrder": run["progress"]["dataOrder"], "rng": {"s": module.rng.s}}
        folder = self.folder / "checkpoint"
        files = {
            "model": model_record(stamp, run["item"], weights, ids, places),
            "optim": optim_record(stamp, run["optimizer"], module.step_count, slots, ids, ranks, places),
            "scheduler": scheduler_record(stamp, run["schedule"], module.step_count, progress),
        }
        for kind, data in files.items():  # the scheduler record last: a checkpoint is whole once it is there
            write_atomic(str(folder / f"{kind}-{epoch}.mpk.gz"), data)
        self.logger.info("checkpoint", f"saved checkpoint {epoch}")
        for old in sorted(set(self.valid_rank) - self.kept(epoch)):
            if (folder / f"scheduler-{old}.mpk.gz").exists():
                for kind in ("scheduler", "optim", "model"):
                    (folder / f"{kind}-{old}.mpk.gz").unlink(missing_ok=True)
                self.logger.info("checkpoint", f"deleted checkpoint {old}")

    def kept(self, epoch: int) -> set:
        """Kiln's retention: the last `keepCheckpoints` epochs, and the best epoch (the earliest of equals)."""
        keep = set(range(max(1, epoch - self.run["config"]["keepCheckpoints"] + 1), epoch + 1))
        values = [(v, e) for e, v in sorted(self.valid_rank.items()) if not np.isnan(v)]
        pick = min if self.ranked == "Loss" else max
        best = pick(values, key=lambda t: t[0])[1] if values else epoch
        return keep | {best}

    @rank_zero_only
    def on_fit_end(self, trainer, module):
        # Not module.kiln_epoch: Lightning counts the epoch past the last once fit ends.
        self.logger.info("learner", f"training ended after epoch {self.last_epoch}: completed")
