"""Continues the Kiln run from its checkpoint on PyTorch Lightning (`python train.py --help`).

The LightningModule trains as Kiln's learner does: the run's loss and metrics, its optimizer (the
moments and step count of the checkpoint restored), its learning-rate schedule from the
checkpoint's step, gradient accumulation averaged over items, and Kiln's batch order. The module
optimizes by hand (Lightning's manual optimization) so that every one of those is explicit here.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

import model as exported
from data import Batches, Split, stored_split, table_split
from kiln_logger import KilnCheckpoint, KilnLogger
from kiln_run import Rng, js_json, lr_at, to_burn, write_dataset

try:
    import lightning.pytorch as pl
except ImportError:
    import pytorch_lightning as pl

HERE = Path(__file__).resolve().parent
RUN = json.loads((HERE / "run.json").read_text())

# PyTorch's optimizers with Kiln's settings (Kiln follows PyTorch's semantics for each).
OPTIMIZERS = {
    "sgd": lambda p, c: torch.optim.SGD(p, lr=0.0, momentum=c["momentum"], dampening=c["dampening"], nesterov=c["nesterov"], weight_decay=c["weightDecay"]),
    "adam": lambda p, c: torch.optim.Adam(p, lr=0.0, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"], weight_decay=c["weightDecay"]),
    "adamw": lambda p, c: torch.optim.AdamW(p, lr=0.0, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"], weight_decay=c["weightDecay"]),
    "rmsprop": lambda p, c: torch.optim.RMSprop(
        p, lr=0.0, alpha=c["rho"], eps=c["epsilon"], weight_decay=c["weightDecay"], momentum=c["momentum"], centered=c["centered"]
    ),
}


def numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


class KilnModule(pl.LightningModule):
    """The run's model and training step."""

    def __init__(self, run: dict, split: dict):
        super().__init__()
        self.automatic_optimization = False
        self.run, self.split = run, split
        self.net = exported.build()
        self.net.load_state_dict(load_file(str(HERE / "model.safetensors")))
        config = run["config"]
        self.batch_size, self.accumulation = config["batchSize"], config["gradAccumulation"]
        self.step_count = run["optimizer"]["step"]  # optimizer steps taken: the schedule's position
        self.rng = Rng(run["progress"]["rng"]["s"])  # Kiln draws each step's dropout seed from it
        self.names = {w["key"]: name for name, w in run["weights"].items()}
        self.pending = {"train": [], "valid": []}
        self.means = {"train": {}, "valid": {}}
        self.confusion = None
        self.started = time.perf_counter()

    @property
    def kiln_epoch(self) -> int:
        return self.run["checkpoint"] + 1 + self.current_epoch

    # --- data -------------------------------------------------------------------------------

    def _loader(self, side: str):
        items = len(self.split[side]["x"])
        seed = self.run["progress"]["dataOrder"]["seed"] if side == "train" else None
        batches = Batches(items, self.batch_size, seed, self.run["checkpoint"] + 1, self.global_rank, self.trainer.world_size)
        if side == "train":
            self.train_batches = batches
        return torch.utils.data.DataLoader(Split(self.split[side]), sampler=batches, batch_size=None, pin_memory=torch.cuda.is_available())

    def train_dataloader(self):
        return self._loader("train")

    def val_dataloader(self):
        return self._loader("valid")

    # --- optimizer ---------------------------------------------------------------------------

    def configure_optimizers(self):
        o = self.run["optimizer"]
        named = list(self.net.named_parameters())
        optimizer = OPTIMIZERS[o["type"]]([p for _, p in named], o["config"])
        if o["step"] > 0:
            saved = load_file(str(HERE / "optimizer.safetensors"))
            state = {}
            for i, (key, p) in enumerate(named):
                s = {k[len(key) + 1 :]: v for k, v in saved.items() if k.startswith(key + ".") and "." not in k[len(key) + 1 :]}
                if o["type"] != "sgd":
                    s["step"] = torch.tensor(float(o["step"]))
                state[i] = s
            optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})
        return optimizer

    # --- steps ------------------------------------------------------------------------------

    def _forward(self, batch):
        """The batch's summed loss over its real items, and [loss sum, metric sum, items, values] for the metrics."""
        x, y, real = batch
        out = self.net(x).float()
        kind = self.run["loss"]
        if kind == "mse":
            per_item = ((out - y) ** 2).mean(dim=1)
            metric = (out - y).abs().sum(dim=1)
            columns = None
        elif kind in ("logits", "probabilities"):
            per_item = F.cross_entropy(out, y, reduction="none") if kind == "logits" else -out.gather(1, y[:, None])[:, 0].clamp(1e-7, 1).log()
            columns = out
        else:
            z, t = out[:, 0], y.float()
            if kind == "binary_logit":
                per_item = F.binary_cross_entropy_with_logits(z, t, reduction="none")
                columns = torch.stack([-z, z], dim=1)
            else:
                per_item = -(t * z.clamp(1e-7, 1).log() + (1 - t) * (1 - z).clamp(1e-7, 1).log())
                columns = torch.stack([1 - z, z], dim=1)
        if columns is not None:
            predicted = columns.argmax(dim=1)
            metric = (predicted == y).float()
        n = real.sum()
        loss = (per_item * real).sum()
        values = n * out.shape[1] if kind == "mse" else n
        stats = torch.stack([loss.detach(), (metric * real).sum().detach(), n, values]).double()
        return loss, stats, (predicted if columns is not None else None)

    def _batch_items(self, index: int, side: str) -> int:
        items = len(self.split[side]["x"])
        return min(self.batch_size, items - index * self.batch_size)

    def training_step(self, batch, index):
        optimizer = self.optimizers()
        batches = -(-len(self.split["train"]["x"]) // self.batch_size)
        first = index - index % self.accumulation
        last = min(first + self.accumulation, batches)
        items = sum(self._batch_items(b, "train") for b in range(first, last))
        lr = lr_at(self.run["schedule"], self.step_count)
        self.rng.next_u32()
        loss, stats, _ = self._forward(batch)
        # Every device's share of the group's summed loss over the group's items: the gradient
        # DDP averages over devices is Kiln's, the batch means weighted by their items.
        self.manual_backward(loss * (self.trainer.world_size / items))
        if index + 1 == last:
            for group in optimizer.param_groups:
                group["lr"] = lr
            clip = self.run["optimizer"]["config"].get("gradClipping")
            if clip:
                value = clip["maxNorm"] if clip["type"] == "norm" else clip["maxValue"]
                self.clip_gradients(optimizer, gradient_clip_val=value, gradient_clip_algorithm=clip["type"])
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            self.step_count += 1
        self.pending["train"].append((stats, lr, time.perf_counter(), self._batch_items(index, "train")))
        self.log("loss", stats[0] / stats[2].clamp(min=1), prog_bar=True, logger=False)

    def validation_step(self, batch, index):
        _, stats, predicted = self._forward(batch)
        if predicted is not None:
            classes = len(self.run["classNames"])
            y, real = batch[1], batch[2] > 0
            counts = torch.bincount(y[real] * classes + predicted[real], minlength=classes * classes)
            self.confusion = counts if self.confusion is None else self.confusion + counts
        self.pending["valid"].append((stats, None, time.perf_counter(), self._batch_items(index, "valid")))

    # --- epochs: Kiln's metric lines, means and log ------------------------------------------

    def on_fit_start(self):
        log, run, config = self.logger, self.run, self.run["config"]
        strategy = type(self.trainer.strategy).__name__
        versions = f"torch {torch.__version__}, lightning {pl.__version__}"
        log.info("learner", f"resumed from checkpoint {run['checkpoint']} (global step {self.step_count})")
        log.info(
            "lightning",
            f"continued on PyTorch Lightning: {self.trainer.world_size} process(es), {self.device.type}, {strategy}, precision {self.trainer.precision}; {versions}",
        )
        log.info("learner", f"model: {run['describe']}")
        log.info("learner", f"optimizer {js_json(run['optimizer']['config'])}; lr schedule {js_json(run['schedule'])}")
        log.info(
            "learner",
            f"epochs {run['checkpoint'] + self.trainer.max_epochs}, batch size {self.batch_size}, train {len(self.split['train']['x'])} items, "
            f"valid {len(self.split['valid']['x'])} items, gradient accumulation {self.accumulation}, seed {config['seed']}",
        )

    def on_train_epoch_start(self):
        self.train_batches.set_epoch(self.current_epoch)  # before the epoch's batches are drawn
        self.logger.begin_epoch("train", self.kiln_epoch)
        self.started = time.perf_counter()

    def on_validation_epoch_start(self):
        self.logger.begin_epoch("valid", self.kiln_epoch)
        self.started_valid = time.perf_counter()
        self.confusion = None

    def _flush(self, split: str, started: float) -> None:
        """Writes the epoch's lines of each metric (every device's items counted) and keeps the means."""
        pending, self.pending[split] = self.pending[split], []
        if not pending:
            return
        stats = self.trainer.strategy.reduce(torch.stack([p[0] for p in pending]), reduce_op="sum").cpu().numpy()
        metric = "MAE" if self.run["loss"] == "mse" else "Accuracy"
        lines = {"Loss": [], metric: []}
        if split == "train":
            lines.update({"Learning Rate": [], "Iteration Speed": []})
        done = 0
        for (loss, hits, n, values), (_, lr, t, size) in zip(stats, pending):
            done += size
            lines["Loss"].append((float(np.float32(loss / n)), size))
            lines[metric].append((100 * hits / n if metric == "Accuracy" else self.run["maeScale"] * hits / values, size))
            if split == "train":
                lines["Learning Rate"].append((lr, size))
                lines["Iteration Speed"].append((done / max(t - started, 1e-3), size))
        for name, entries in lines.items():
            self.logger.lines(split, self.kiln_epoch, name, entries)
        self.means[split] = {name: sum(v * c for v, c in e) / sum(c for _, c in e) for name, e in lines.items()}

    def on_validation_epoch_end(self):
        self._flush("valid", self.started_valid)
        if self.confusion is not None:
            classes = len(self.run["classNames"])
            matrix = self.trainer.strategy.reduce(self.confusion, reduce_op="sum").cpu().numpy().reshape(classes, classes)
            self.logger.confusion(self.kiln_epoch, self.run["classNames"], matrix.tolist())

    def on_train_epoch_end(self):
        seconds = time.perf_counter() - self.started
        steps = len(self.pending["train"])
        self._flush("train", self.started)
        total = self.run["checkpoint"] + self.trainer.max_epochs
        self.logger.info("learner", f"epoch {self.kiln_epoch}/{total} train {js_json(self.means['train'])} valid {js_json(self.means['valid'])}")
        self.logger.info("lightning", f"epoch {self.kiln_epoch}: {steps} iterations in {seconds:.3f} s ({1000 * seconds / max(steps, 1):.3f} ms an iteration)")

    # --- what the checkpoint callback records ------------------------------------------------

    def burn_weights(self) -> dict:
        """Every weight the run's records hold (batch norms' running statistics too), by Kiln's name, in Burn's layout."""
        return {self.names[k]: to_burn(numpy(v), self.run["weights"][self.names[k]]) for k, v in self.net.state_dict().items() if k in self.names}

    def burn_slots(self) -> dict:
        """The optimizer's state of each weight, by Kiln's name: PyTorch's state names, Burn's layout."""
        optimizer = self.trainer.optimizers[0]
        out = {}
        for key, p in self.net.named_parameters():
            place = self.run["weights"][self.names[key]]
            state = optimizer.state.get(p, {})
            out[self.names[key]] = {k: to_burn(numpy(v), place) for k, v in state.items() if k != "step" and torch.is_tensor(v)}
        return out


def devices(value: str):
    """Lightning's --devices: a count (-1: all), a list "0,1", or "auto"."""
    try:
        return int(value)
    except ValueError:
        return value


def main():
    remaining = max(1, RUN["config"]["epochs"] - RUN["checkpoint"])
    parser = argparse.ArgumentParser(description=f"Continue the Kiln run {RUN['name']!r} from its checkpoint {RUN['checkpoint']} on PyTorch Lightning.")
    parser.add_argument("--epochs", type=int, default=remaining, help=f"epochs to train (default {remaining}: what the run had left)")
    parser.add_argument("--devices", default="auto", help="devices per machine: a count, -1 for all, or a list such as 0,1 (default auto)")
    parser.add_argument("--num-nodes", type=int, default=1, help="machines (default 1)")
    parser.add_argument("--strategy", default="auto", help="Lightning's strategy (default auto: DDP on more than one device)")
    parser.add_argument("--precision", default="32-true", help="32-true (default, as Kiln), bf16-mixed, 16-mixed...")
    parser.add_argument("--data", default=None, help="a larger copy of the run's table (CSV/TSV), prepared as the run's")
    args = parser.parse_args()

    folder = HERE / "run"
    first = os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) == "0"
    if first and (folder / "kiln.json").exists():
        raise SystemExit(f"{folder} holds a run already: move it away (zip it for Kiln's studio) to train again")
    if args.data and RUN.get("preprocessing") is None:
        raise SystemExit("--data: only a run on a table reads a larger copy of its data here")
    split = table_split(args.data, RUN) if args.data else stored_split()
    dataset = (lambda path: write_dataset(str(path), split["train"], split["valid"])) if args.data else None

    if args.precision in ("32", "32-true"):
        # Float32 as Kiln computes: no TF32 in matrix products or cuDNN's convolutions.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    logger = KilnLogger(folder)
    trainer = pl.Trainer(
        max_epochs=args.epochs,
        devices=devices(args.devices),
        num_nodes=args.num_nodes,
        strategy=args.strategy,
        precision=args.precision,
        logger=logger,
        callbacks=[KilnCheckpoint(RUN, logger, dataset), pl.callbacks.ModelCheckpoint(dirpath=HERE / "checkpoints", filename="{epoch}")],
        use_distributed_sampler=False,  # Batches shares each of Kiln's batches among the devices
        num_sanity_val_steps=0,
        enable_model_summary=False,
    )
    trainer.fit(KilnModule(RUN, split))


if __name__ == "__main__":
    main()
