"""The end-to-end case as a plain PyTorch script: the same job as
`npm run train -- --dataset mnist --epochs 5 --backend webgpu` (Adam at 1e-3, the built-in 10,000
digits split 80/20 as Kiln splits them, loss and accuracy of every training iteration and of each
validation written to files, the valid confusion matrix and a checkpoint of the model and the
optimizer after every epoch, keeping the last 2 and the best valid loss). The data stays on the GPU
and each batch is gathered there; the per-iteration values stay on the GPU until the epoch's end.

    python3 bench/e2e/torch_job.py --data DIR --model mlp|cnn --batch-size 64 --epochs 5 --out DIR
"""

import argparse
import os

from common import load, make_model, phase, write_confusion, write_lines

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
p.add_argument("--batch-size", type=int, default=64)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--out", required=True)
args = p.parse_args()
phase("imports")

dev = torch.device("cuda")
xt, yt, xv, yv = (torch.from_numpy(a).to(dev) for a in load(args.data))
torch.manual_seed(0)
model = make_model(args.model).to(dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8)
torch.cuda.synchronize()
phase("data on the GPU, model built")

kept = []  # (valid loss, epoch) of the checkpoints on disk
b = args.batch_size
for epoch in range(1, args.epochs + 1):
    model.train()
    order = torch.randperm(len(yt), device=dev)
    losses, correct = [], []
    for i in range(0, len(yt), b):
        idx = order[i : i + b]
        x, y = xt[idx], yt[idx]
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
        correct.append((out.argmax(1) == y).float().mean())
        if epoch == 1 and i == 0:
            torch.cuda.synchronize()
            phase("first step")
    write_lines(os.path.join(args.out, "train", f"epoch-{epoch}", "Loss.log"), torch.stack(losses).tolist())
    write_lines(os.path.join(args.out, "train", f"epoch-{epoch}", "Accuracy.log"), (100 * torch.stack(correct)).tolist())
    model.eval()
    with torch.no_grad():
        loss_sum = torch.zeros((), device=dev)
        counts = torch.zeros(100, device=dev, dtype=torch.long)
        for i in range(0, len(yv), b):
            x, y = xv[i : i + b], yv[i : i + b]
            out = model(x)
            loss_sum += F.cross_entropy(out, y, reduction="sum")
            counts += torch.bincount(y * 10 + out.argmax(1), minlength=100)
        matrix = counts.view(10, 10)
        valid_loss = (loss_sum / len(yv)).item()
        accuracy = 100 * matrix.diag().sum().item() / len(yv)
    write_lines(os.path.join(args.out, "valid", f"epoch-{epoch}", "Loss.log"), [valid_loss])
    write_lines(os.path.join(args.out, "valid", f"epoch-{epoch}", "Accuracy.log"), [accuracy])
    write_confusion(args.out, epoch, matrix.tolist())
    os.makedirs(os.path.join(args.out, "checkpoint"), exist_ok=True)
    torch.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": epoch}, os.path.join(args.out, "checkpoint", f"epoch-{epoch}.pt"))
    kept.append((valid_loss, epoch))
    best = min(kept)[1]
    for loss_, e in list(kept):
        if e not in (best, epoch, epoch - 1):
            os.remove(os.path.join(args.out, "checkpoint", f"epoch-{e}.pt"))
            kept.remove((loss_, e))
    print(f"epoch {epoch}: valid loss {valid_loss:.4f}, accuracy {accuracy:.2f}%", flush=True)
phase("done")
