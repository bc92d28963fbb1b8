"""What the plain PyTorch and the Lightning baselines of the end-to-end case share: the data Kiln
trains on (exported by bench/e2e/mnist-export.ts), the models of Kiln's presets, the logs and the
checkpoint retention of a Kiln run (the last 2 and the best valid loss)."""

import json
import os
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

# fp32 products, as in Kiln's compiled step.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def phase(name):
    """Prints the seconds since the script started, for where a job's time goes."""
    print(f"[{time.perf_counter() - START:7.3f} s] {name}", flush=True)


def load(folder):
    """The split `npm run train -- --dataset mnist` trains on: train and valid features (n × 784 float32) and labels."""
    arrays = {name: np.load(os.path.join(folder, f"{name}.npy")) for name in ("train-x", "train-y", "valid-x", "valid-y")}
    return arrays["train-x"], arrays["train-y"].astype(np.int64), arrays["valid-x"], arrays["valid-y"].astype(np.int64)


def glorot(model):
    """Kiln's initial weights: Glorot-uniform kernels, zero biases."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def make_model(kind):
    """Kiln's presets: mlp (784-128-10, relu) and cnn (conv 32, pool, conv 64, pool, dense 128, dense 10)."""
    if kind == "mlp":
        return glorot(nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)))
    return glorot(
        nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )
    )


def write_lines(path, values):
    """One value a line, as Kiln's metric logs."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("".join(f"{v}\n" for v in values))


def write_confusion(out, epoch, matrix):
    os.makedirs(os.path.join(out, "valid", f"epoch-{epoch}"), exist_ok=True)
    with open(os.path.join(out, "valid", f"epoch-{epoch}", "ConfusionMatrix.json"), "w") as f:
        json.dump({"split": "valid", "epoch": epoch, "matrix": matrix}, f)
