"""The run's data: its stored split (data/data.mpk.gz, prepared as Kiln prepared it), or a larger
copy of the original table (`--data PATH`) given the run's split, columns and standardization; and
the batches of an epoch in Kiln's order, shared among the devices.

Images are channels first here ([items, channels, height, width]); Kiln keeps them channels last.
"""

import csv
import math
from pathlib import Path

import numpy as np
import torch

from kiln_run import epoch_order, js_number, read_dataset, split_rows

HERE = Path(__file__).resolve().parent
MISSING = {"", "na", "n/a", "nan", "null", "?"}


def stored_split(path=HERE / "data" / "data.mpk.gz") -> dict:
    """The split the run trained on: {train, valid}, each {x, y} as numpy arrays (images channels first)."""
    split = read_dataset(str(path))
    for side in split.values():
        if side["x"].ndim == 4:
            side["x"] = side["x"].transpose(0, 3, 1, 2)
    return split


def _number(cell: str):
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def table_split(path: str, run: dict) -> dict:
    """A larger copy of the run's table: the run's columns one-hot encoded and standardized with the
    run's training statistics, its missing-value rule, its labels, then split as Kiln splits (per
    class, from the run's seed). Rows whose class the run never saw are left out (and counted)."""
    prep, config = run["preprocessing"], run["config"]
    delimiter = "\t" if path.lower().endswith((".tsv", ".tab")) else ","
    with open(path, newline="", encoding=config["dataset"].get("encoding", "utf-8").replace("latin1", "latin-1")) as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    header, rows = [h.strip() for h in rows[0]], rows[1:]
    missing_rule = config["dataset"].get("missing", "drop")
    label = prep["label"]
    li = header.index(label["name"])
    classes = {name: i for i, name in enumerate(label.get("classNames", []))}
    xs, ys, skipped = [], [], {"no label": 0, "missing values": 0, "unseen class": 0}
    for row in rows:
        cells = [c.strip() for c in row]
        if len(cells) < len(header) or cells[li].lower() in MISSING:
            skipped["no label"] += 1
            continue
        features = []
        for f in prep["features"]:
            cell = cells[header.index(f["name"])]
            absent = cell.lower() in MISSING
            if absent and missing_rule == "drop":
                break
            if f["kind"] == "numeric":
                v = f["fill"] if absent else _number(cell)
                std = f["std"] if f["std"] > 0 and 1 / f["std"] < math.inf else 1
                features.append((v - f["mean"]) / std)
            else:
                value = f["fill"] if absent else (js_number(float(cell)) if _number(cell) is not None else cell)
                features += [1.0 if value == c else 0.0 for c in f["categories"]]
        else:
            if label["task"] == "classification":
                text = cells[li]
                key = js_number(float(text)) if _number(text) is not None else text
                if key not in classes:
                    skipped["unseen class"] += 1
                    continue
                ys.append(classes[key])
            else:
                std = label["std"] if label["std"] > 0 else 1
                ys.append((float(cells[li]) - label["mean"]) / std)
            xs.append(features)
            continue
        skipped["missing values"] += 1
    x = np.asarray(xs, dtype=np.float32)
    classification = label["task"] == "classification"
    y = np.asarray(ys, dtype=np.int64 if classification else np.float32)
    if not classification:
        y = y.reshape(-1, 1)
    train, valid = split_rows(y if classification else None, len(y), config["validFraction"], config["seed"])
    left = ", ".join(f"{n} ({why})" for why, n in skipped.items() if n)
    print(f"{path}: {len(y)} rows{f'; left out {left}' if left else ''}")
    extra = {"numClasses": len(classes), "classNames": label.get("classNames")} if classification else {}
    return {"train": {"x": x[train], "y": y[train], **extra}, "valid": {"x": x[valid], "y": y[valid], **extra}}


class Batches(torch.utils.data.Sampler):
    """The batches of an epoch as Kiln makes them: `items` in Kiln's order (shuffled per epoch from the
    run's seed, or in order without one), `size` at a time, the last one smaller. On several devices
    each batch is split among them, this device taking its part; a device whose part is empty gets
    the batch's first item marked (as index −1 − i) to weigh nothing, so that every device steps."""

    def __init__(self, items: int, size: int, seed=None, first_epoch=1, rank=0, world=1):
        self.items, self.size, self.seed, self.first_epoch, self.rank, self.world = items, size, seed, first_epoch, rank, world
        self.epoch = first_epoch

    def set_epoch(self, index: int) -> None:
        """Lightning's epoch index (0 for the first epoch of this fit): Kiln's epoch first_epoch + index."""
        self.epoch = self.first_epoch + index

    def __len__(self):
        return math.ceil(self.items / self.size)

    def __iter__(self):
        order = epoch_order(self.items, self.seed, self.epoch) if self.seed is not None else np.arange(self.items)
        for start in range(0, self.items, self.size):
            batch = order[start : start + self.size]
            part = np.array_split(batch, self.world)[self.rank]
            yield part if len(part) else np.array([-1 - batch[0]])


class Split(torch.utils.data.Dataset):
    """One side of the split, indexed by a whole batch of item indices (see Batches): (x, y, weight)."""

    def __init__(self, side: dict):
        self.x = torch.from_numpy(np.array(side["x"], dtype=np.float32))  # a copy: the record's bytes are read-only
        y = np.asarray(side["y"])
        self.y = torch.from_numpy(y.astype(np.int64) if np.issubdtype(y.dtype, np.integer) else y.astype(np.float32).reshape(len(self.x), -1))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, indices):
        indices = torch.as_tensor(indices)
        real = indices >= 0
        indices = torch.where(real, indices, -1 - indices)
        return self.x[indices], self.y[indices], real.float()
