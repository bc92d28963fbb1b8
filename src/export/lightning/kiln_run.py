"""Kiln's run formats in Python: what a Kiln run holds, written from Kiln's docs/FORMATS.md.

Gzip'd msgpack (kiln_msgpack.py) records in Burn's form with Kiln's state beside
(model, optimizer, scheduler), the run's dataset record, metric log lines (numbers printed as
JavaScript prints them), experiment.log lines, the seeded random stream (mulberry32) that orders
Kiln's batches and splits, and the learning-rate schedules. Needs numpy only.
"""

import gzip
import json
import math
import os
import secrets
from datetime import datetime, timezone
from decimal import Decimal

import numpy as np

from kiln_msgpack import pack, unpack

def write_atomic(path: str, data: bytes) -> None:
    """Writes a file whole or not at all (a temporary file, then a rename)."""
    tmp = f"{path}.~kiln-{os.getpid()}-0.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# --- numbers, logs ------------------------------------------------------------------------


def js_number(v: float) -> str:
    """`v` as JavaScript's Number.prototype.toString prints it (the shortest round-trip digits)."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "0"
    _, digits, exponent = Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, digits))
    sign = "-" if v < 0 else ""
    k, n = len(digits), len(digits) + exponent  # ECMAScript's Number::toString: k digits, the point after n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + ("e+" if e > 0 else "e-") + str(abs(e))


def js_json(value) -> str:
    """JSON as JavaScript's JSON.stringify writes it (compact, numbers as JavaScript prints them)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{js_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    if isinstance(value, float):
        return js_number(value) if math.isfinite(value) else "null"
    return json.dumps(value)


def metric_file(name: str) -> str:
    """A metric's log file name (spaces as underscores)."""
    return name.replace(" ", "_") + ".log"


def log_line(level: str, target: str, message: str) -> str:
    """An experiment.log line: `<ISO time> <LEVEL> kiln::<target>: <message>`."""
    now = datetime.now(timezone.utc)
    return f"{now.strftime('%Y-%m-%dT%H:%M:%S')}.{now.microsecond // 1000:03d}Z {level} kiln::{target}: {message}\n"


# --- the seeded stream: batch order and splits ---------------------------------------------

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


class Rng:
    """mulberry32, Kiln's seeded generator: its whole state is one uint32."""

    def __init__(self, seed: int):
        self.s = seed & M32

    @staticmethod
    def derive(seed: int, *keys: int) -> "Rng":
        """A stream that is a pure function of (seed, keys): one per epoch, per split."""
        h = seed & M32
        for k in keys:
            h = _imul(h ^ (k & M32), 0x9E3779B1) ^ (h >> 15)
        return Rng(h)

    def next_u32(self) -> int:
        self.s = (self.s + 0x6D2B79F5) & M32
        t = self.s
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return (t ^ (t >> 14)) & M32

    def shuffle(self, a: np.ndarray) -> np.ndarray:
        """Fisher–Yates in place, as Kiln shuffles."""
        for i in range(len(a) - 1, 0, -1):
            j = math.floor(self.next_u32() / 4294967296 * (i + 1))
            a[i], a[j] = a[j], a[i]
        return a


def epoch_order(items: int, seed: int, epoch: int) -> np.ndarray:
    """The training order of epoch `epoch` (1-based): Kiln's DataLoader shuffles 0..items-1 per epoch."""
    return Rng.derive(seed, epoch).shuffle(np.arange(items, dtype=np.int64))


SPLIT_KEY = 0x5B1E7


def _valid_count(count: int, fraction: float) -> int:
    if count < 2 or fraction == 0:
        return 0
    return min(count - 1, max(1, int(math.floor(fraction * count + 0.5))))


def split_rows(labels, count: int, fraction: float, seed: int):
    """Kiln's train/valid split: per class (stratified) for class labels, else at random; rows ascending."""
    valid = np.zeros(count, dtype=bool)
    if labels is None:
        rows = Rng.derive(seed, SPLIT_KEY).shuffle(np.arange(count, dtype=np.int64))
        valid[rows[: _valid_count(count, fraction)]] = True
    else:
        labels = np.asarray(labels)
        for c in sorted(set(labels.tolist())):
            rows = Rng.derive(seed, SPLIT_KEY, int(c)).shuffle(np.flatnonzero(labels == c))
            valid[rows[: _valid_count(len(rows), fraction)]] = True
    return np.flatnonzero(~valid), np.flatnonzero(valid)


# --- learning-rate schedules ----------------------------------------------------------------


def _basic_lr(c: dict, step: int) -> float:
    t = c["type"]
    if t == "constant":
        return c["lr"]
    if t == "step":
        return c["lr"] * c["gamma"] ** (step // c["stepSize"])
    if t == "exponential":
        return c["lr"] * c["gamma"] ** step
    if t == "cosine":
        return c["minLr"] + (c["lr"] - c["minLr"]) * (1 + math.cos(math.pi * min(step, c["steps"]) / c["steps"])) / 2
    if t == "linear":
        return c["from"] + (c["to"] - c["from"]) * min(step, c["steps"]) / c["steps"]
    if t == "noam":
        n = step + 1
        return c["factor"] * c["modelSize"] ** -0.5 * min(n**-0.5, n * c["warmupSteps"] ** -1.5)
    raise ValueError(f"unknown schedule {t}")


def lr_at(config: dict, step: int) -> float:
    """The learning rate after `step` optimizer steps (Kiln's schedules, a sequence's parts one after another)."""
    if config["type"] != "sequence":
        return _basic_lr(config, step)
    start = 0
    for part in config["parts"][:-1]:
        if step < start + part["steps"]:
            return _basic_lr(part["schedule"], step - start)
        start += part["steps"]
    return _basic_lr(config["parts"][-1]["schedule"], step - start)


# --- the run's dataset record ---------------------------------------------------------------


def read_dataset(path: str) -> dict:
    """`dataset/data.mpk.gz`: {train, valid}, each {x: float32 [items, *itemShape], y, numClasses?, classNames?}."""
    with gzip.open(path, "rb") as f:
        raw = unpack(f.read())
    if raw.get("format") != "kiln.dataset" or raw.get("version") != 1:
        raise ValueError(f"{path}: not a Kiln dataset record of version 1")
    out = {}
    for side in ("train", "valid"):
        s = raw[side]
        shape = [int(d) for d in s["itemShape"]]
        x = np.frombuffer(s["x"], dtype="<f4").reshape(-1, *shape)
        y = np.frombuffer(s["y"], dtype="<i4" if s["yType"] == "int32" else "<f4")
        out[side] = {**{k: v for k, v in s.items() if k in ("numClasses", "classNames")}, "x": x, "y": y, "itemShape": shape}
    return out


def write_dataset(path: str, train: dict, valid: dict) -> None:
    """Writes a dataset record of two splits ({x, y, numClasses?, classNames?} each)."""

    def packed(s):
        y = np.asarray(s["y"])
        extra = {k: s[k] for k in ("numClasses", "classNames") if s.get(k) is not None}
        integer = np.issubdtype(y.dtype, np.integer)
        return {
            "itemShape": [int(d) for d in s["x"].shape[1:]],
            "x": np.ascontiguousarray(s["x"], dtype="<f4").tobytes(),
            "y": y.astype("<i4" if integer else "<f4").tobytes(),
            "yType": "int32" if integer else "float32",
            **extra,
        }

    write_atomic(path, gzip.compress(pack({"format": "kiln.dataset", "version": 1, "train": packed(train), "valid": packed(valid)}), 1))


# --- checkpoint records: Burn's BurnRecord with Kiln's state under `kiln` ---------------------

BURN_METADATA = {
    "float": "f32",
    "int": "i32",
    "format": "burn_core::record::file::NamedMpkGzFileRecorder<burn_core::record::settings::FullPrecisionSettings>",
    "version": "0.21.0",
    "settings": "FullPrecisionSettings",
}
USIZE_MAX = (1 << 64) - 1


def to_burn(a: np.ndarray, place: dict) -> np.ndarray:
    """A weight (or an optimizer's state of it) from PyTorch's layout to Burn's, as Kiln's records hold it:
    `place` is run.json's entry of the weight (its layout, `transpose` or `hwio`, and Burn's shape)."""
    if place["layout"] == "transpose":
        a = a.T
    elif place["layout"] == "hwio":
        a = a.transpose(2, 3, 1, 0)
    return np.ascontiguousarray(a, dtype=np.float32).reshape(place["shape"])


def tensor_data(a: np.ndarray) -> dict:
    """Burn's TensorData of a float32 array: raw little-endian bytes, shape, dtype."""
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"bytes": a.tobytes(), "shape": list(a.shape), "dtype": "F32"}


def _record(kind: str, stamp: dict, item, extra: dict) -> bytes:
    kiln = {"format": "kiln.record", "version": 2, "kind": kind, "checkpoint": stamp, **extra}
    return gzip.compress(pack({"metadata": BURN_METADATA, "item": item, "_b": [], "kiln": kiln}), 1)


def model_record(stamp: dict, template: dict, weights: dict, ids: dict, places: dict) -> bytes:
    """The model record: `template` (module → field → {"param": name} or the constant Burn writes) filled with
    `weights` (name → Burn-layout array); `ids` the parameters' ids, `places` Kiln's `params` and `state` lists."""
    item = {}
    for module, fields in template.items():
        if fields is None:
            item[module] = None
            continue
        item[module] = {f: ({"id": ids[v["param"]], "param": tensor_data(weights[v["param"]])} if isinstance(v, dict) else v) for f, v in fields.items()}
    extra = {"params": places["params"], **({"state": places["state"]} if places["state"] else {})}
    return _record("model", stamp, item, extra)


def _optim_state(kind: str, step: int, slots: dict):
    """One parameter's state as Burn's optimizer of the same kind keeps it (burn-optim 0.19–0.21)."""
    td = lambda name: tensor_data(slots[name]) if name in slots else None  # noqa: E731
    if kind in ("adam", "adamw"):
        return {"momentum": {"time": step, "moment_1": td("exp_avg"), "moment_2": td("exp_avg_sq"), "max_moment_2": None}}
    if kind == "sgd":
        return {"momentum": {"velocity": td("momentum_buffer")} if "momentum_buffer" in slots else None}
    ms = slots["square_avg"]
    avg = ms - slots["grad_avg"] * slots["grad_avg"] if "grad_avg" in slots else ms
    return {
        "square_avg": {"square_avg": td("square_avg")},
        "centered": {"grad_avg": td("grad_avg"), "avg": tensor_data(avg)},
        "momentum": {"buf": td("momentum_buffer")} if "momentum_buffer" in slots else None,
    }


def optim_record(stamp: dict, optimizer: dict, step: int, slots: dict, ids: dict, ranks: dict, places: dict) -> bytes:
    """The optimizer record: per parameter id `{"V1": {"Rank<D>": state}}` (empty before the first step, D
    the parameter's rank in Burn); `slots` name → {PyTorch state name → float32 array in Burn's layout}."""
    item = {}
    if step > 0:
        for p in places["params"]:
            name = p["name"]
            item[ids[name]] = {"V1": {f"Rank{ranks[name]}": _optim_state(optimizer["type"], step, slots[name])}}
    extra = {"type": optimizer["type"], "config": optimizer["config"], "step": step, "params": places["params"]}
    return _record("optim", stamp, item, extra)


def _scheduler_item(c: dict, step: int):
    t = c["type"]
    if t in ("constant", "sequence"):
        return None
    if t == "step":
        return step - 1
    if t == "exponential":
        return c["lr"] * c["gamma"] ** (step - 1)
    if t == "cosine":
        return USIZE_MAX if step == 0 else (step - 1) % (c["steps"] + 1)
    if t == "linear":
        return max(0, c["steps"] - step)
    return step


def scheduler_record(stamp: dict, schedule: dict, step: int, progress: dict) -> bytes:
    """The scheduler record: Burn's scheduler state after `step` steps, and Kiln's schedule and progress."""
    return _record("scheduler", stamp, _scheduler_item(schedule, step), {"scheduler": {"config": schedule, "step": step}, "progress": progress})


def checkpoint_stamp(epoch: int, global_step: int) -> dict:
    """A checkpoint's stamp: a random id shared by its three records."""
    return {"id": secrets.token_hex(16), "epoch": epoch, "globalStep": global_step}
