"""Exercises an exported Lightning project's Python without torch or Lightning (stand-ins for the
few torch classes its data module subclasses), for tests/unit/export-lightning.test.ts:

    python3 lightning_numpy.py PROJECT RUN_OUT CSV NUMBERS_JSON

prints JSON of what the project computes (batch orders, learning rates, numbers as JavaScript
prints them, the --data split of CSV against the stored split, the devices' shares of a batch) and
writes RUN_OUT: a Kiln run folder holding checkpoint N + 1 as the project's checkpoint callback
writes it (kiln_run's records), from the project's own weights and optimizer state, unchanged.
"""

import json
import shutil
import sys
import types
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_numpy import read_safetensors  # noqa: E402  (also puts numpy stand-ins for torch in sys.modules)

torch = sys.modules["torch"]
torch.utils = types.ModuleType("torch.utils")
torch.utils.data = types.SimpleNamespace(Sampler=object, Dataset=object)
torch.from_numpy = lambda a: a
torch.as_tensor = np.asarray

project, out, csv_path, numbers = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
sys.path.insert(0, str(project))
import data  # noqa: E402
import kiln_run  # noqa: E402

run = json.loads((project / "run.json").read_text())
n = run["checkpoint"]
config = run["config"]
stored = data.stored_split()
items = len(stored["train"]["x"])
result = {
    "orders": {e: kiln_run.epoch_order(items, run["progress"]["dataOrder"]["seed"], e).tolist() for e in (n + 1, n + 2)},
    "lrs": [kiln_run.lr_at(run["schedule"], s) for s in range(0, 3 * run["optimizer"]["step"] + 5)],
    "numbers": [kiln_run.js_number(v) for v in numbers],
}

# The original table given as --data: the same rows, features and labels as the stored split.
copy = data.table_split(csv_path, run)
result["dataSplit"] = {
    side: {
        "items": len(copy[side]["y"]),
        "sameLabels": bool(np.array_equal(copy[side]["y"], stored[side]["y"])),
        "maxDiff": float(np.abs(copy[side]["x"] - stored[side]["x"]).max()),
    }
    for side in ("train", "valid")
}

# Two devices share each batch; a device with nothing left gets a marked item.
shares = [list(data.Batches(4, 3, None, 1, rank, 2)) for rank in (0, 1)]
result["shares"] = [[part.tolist() for part in parts] for parts in shares]

# Checkpoint n + 1 of the project's own weights and optimizer state, as the callback writes one.
weights_torch, _ = read_safetensors(str(project / "model.safetensors"))
slots_torch, _ = read_safetensors(str(project / "optimizer.safetensors"))
places = run["weights"]
weights = {name: kiln_run.to_burn(weights_torch[w["key"]], w) for name, w in places.items()}
slots = {
    p["name"]: {
        k[len(places[p["name"]]["key"]) + 1 :]: kiln_run.to_burn(v, places[p["name"]])
        for k, v in slots_torch.items()
        if k.rsplit(".", 1)[0] == places[p["name"]]["key"]
    }
    for p in run["params"]
}
epoch, step = n + 1, run["optimizer"]["step"]
stamp = kiln_run.checkpoint_stamp(epoch, step)
ids = {k: w["id"] for k, w in places.items()}
ranks = {k: len(w["shape"]) for k, w in places.items()}
lists = {"params": run["params"], "state": run["state"]}
progress = {"epoch": epoch, "globalStep": step, "dataOrder": run["progress"]["dataOrder"], "rng": run["progress"]["rng"]}
(out / "checkpoint").mkdir(parents=True)
(out / "checkpoint" / f"model-{epoch}.mpk.gz").write_bytes(kiln_run.model_record(stamp, run["item"], weights, ids, lists))
(out / "checkpoint" / f"optim-{epoch}.mpk.gz").write_bytes(kiln_run.optim_record(stamp, run["optimizer"], step, slots, ids, ranks, lists))
(out / "checkpoint" / f"scheduler-{epoch}.mpk.gz").write_bytes(kiln_run.scheduler_record(stamp, run["schedule"], step, progress))
(out / "config.json").write_text(json.dumps({**config, "epochs": max(config["epochs"], epoch)}))
(out / "kiln.json").write_text(json.dumps({"format": "kiln.archive", "version": 1, "kind": "run", "name": "lightning", "createdAt": "2026-12-02T00:00:00Z"}))
(out / "dataset").mkdir()
for f in ("dataset.json", "data.mpk.gz"):
    shutil.copyfile(project / "data" / f, out / "dataset" / f)
(out / f"train/epoch-{epoch}").mkdir(parents=True)
(out / f"train/epoch-{epoch}" / kiln_run.metric_file("Learning Rate")).write_text(f"{kiln_run.js_number(result['lrs'][step])},16\n")
(out / "experiment.log").write_text(kiln_run.log_line("INFO", "learner", f"epoch {epoch} {kiln_run.js_json({'Loss': 0.5, 'Accuracy': 1e-7})}"))
print(json.dumps(result))
