"""PyTorch fp32 baseline for the compiled WebGPU step's cases (bench/compiled.ts): the same network,
batch and optimizer (Adam, lr 1e-3), the data resident on the GPU and each batch gathered there,
timed per step in eager mode and with the whole step (gather, forward, loss, backward, Adam)
captured in one CUDA graph. TF32 is off: every product is fp32, as in the compiled step.

    python3 bench/pytorch_baseline.py [--cases resnet-128,resnet-512] [--steps 300] [--warmup 50] [--json FILE]
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True


def conv_bn(cin, cout, stride=1):
    # tfjs's BatchNormalization: momentum 0.99 of the old value (PyTorch's 0.01 of the new), epsilon 1e-3.
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01))


class Block(nn.Module):
    """conv-bn-relu, conv-bn, add the input, relu."""

    def __init__(self, c):
        super().__init__()
        self.a = conv_bn(c, c)
        self.b = conv_bn(c, c)

    def forward(self, x):
        return F.relu(self.b(F.relu(self.a(x))) + x)


class SmallResNet(nn.Module):
    """bench/resnet.ts: a 16-filter stem, stages of 16, 32 and 64 (the last two entered by a stride-2 conv-bn-relu), GAP, 10 logits."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(3, 16)
        self.s1 = Block(16)
        self.t2 = conv_bn(16, 32, 2)
        self.s2 = Block(32)
        self.t3 = conv_bn(32, 64, 2)
        self.s3 = Block(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.s1(F.relu(self.stem(x)))
        x = self.s2(F.relu(self.t2(x)))
        x = self.s3(F.relu(self.t3(x)))
        return self.fc(x.mean((2, 3)))


CASES = {"resnet-128": 128, "resnet-512": 512}


def run(batch, steps, warmup, graphs, channels_last):
    dev = "cuda"
    torch.manual_seed(1)
    model = SmallResNet().to(dev)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    epoch_steps = 16
    data = torch.rand(batch * epoch_steps, 3, 32, 32, device=dev).to(memory_format=fmt)
    labels = torch.randint(0, 10, (batch * epoch_steps,), device=dev)
    order = torch.randperm(batch * epoch_steps, device=dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=graphs)
    losses = torch.zeros(steps + warmup + 16, device=dev)
    position = torch.zeros((), dtype=torch.long, device=dev)

    def step(i):
        # The batch gathered on the GPU by the epoch's order, as the compiled step does.
        idx = order.narrow(0, (i % epoch_steps) * batch, batch)
        x = data.index_select(0, idx)
        y = labels.index_select(0, idx)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        return loss

    if not graphs:
        for i in range(warmup):
            losses[i] = step(i).detach()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i in range(steps):
            losses[i] = step(i).detach()
        torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000 / steps, losses[steps - 1].item()

    # The whole step in one graph; the step's batch comes from a device counter the graph advances.
    def graph_step():
        idx = order.view(epoch_steps, batch).index_select(0, (position % epoch_steps).view(1)).view(batch)
        x = data.index_select(0, idx)
        y = labels.index_select(0, idx)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        losses.index_copy_(0, position.view(1), loss.detach().view(1))
        position.add_(1)

    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            graph_step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        graph_step()
    for _ in range(warmup):
        g.replay()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        g.replay()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000 / steps, losses[int(position.item()) - 1].item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--json")
    a = p.parse_args()
    name = torch.cuda.get_device_name()
    print(f"device: {name}; torch {torch.__version__}; cudnn {torch.backends.cudnn.version()}; TF32 off")
    # A second of work first: the GPU idles at a low clock and ramps up under load.
    run(128, 200, 20, False, False)
    results = []
    for case in a.cases.split(","):
        batch = CASES[case]
        row = {"case": case, "batch": batch}
        for label, graphs, cl in [("eager", False, False), ("graphs", True, False), ("eagerChannelsLast", False, True), ("graphsChannelsLast", True, True)]:
            ms, loss = run(batch, a.steps, a.warmup, graphs, cl)
            row[label] = round(ms, 4)
            print(f"{case} batch {batch} {label}: {ms:.4f} ms/step (last loss {loss:.3f})")
        results.append(row)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": name, "torch": torch.__version__, "cudnn": torch.backends.cudnn.version(), "tf32": False, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
