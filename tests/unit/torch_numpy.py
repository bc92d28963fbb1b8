"""Runs an exported model.py without PyTorch: numpy stand-ins for the torch and safetensors calls
it makes, written from PyTorch's documented conventions (NCHW, Linear weight [out, in], Conv2d
weight [out, in / groups, kh, kw], padding="same", BatchNorm's eval formula, state dict keys
`<index>.<name>`), and a reader of the safetensors file written from its format. Nothing here comes
from Kiln.

    python3 torch_numpy.py DIR INPUTS.f32 ROWS OUT.f32

imports DIR/model.py, loads its weights with `load()`, and writes `predict()` of the raw inputs
(float32, row-major [ROWS, *INPUT_SHAPE]) to OUT.f32.
"""

import json
import struct
import sys
import types

import numpy as np


class Tensor(np.ndarray):
    """A float32 array with the attributes model.py reads from a tensor."""

    device = "cpu"


def tensor(values, dtype=None, device=None):
    return np.asarray(values, dtype=np.float32).view(Tensor)


def read_safetensors(path):
    """The tensors and metadata of a safetensors file: u64 header length, JSON header, data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": "<f4", "I64": "<i8"}
    data = raw[8 + n :]
    tensors = {}
    for name, t in header.items():
        start, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtypes[t["dtype"]]).reshape(t["shape"]).astype(np.float64)
    return tensors, meta


class Module:
    """nn.Module: parameters and buffers by name, `load_state_dict` checking keys and shapes."""

    def __init__(self):
        self.params = {}

    def __call__(self, x):
        return self.forward(x)

    def state_shapes(self, prefix=""):
        return {prefix + k: v for k, v in self.params.items()}

    def load(self, state, prefix):
        for k, shape in self.params.items():
            value = state[prefix + k]
            assert tuple(value.shape) == tuple(shape), f"{prefix + k}: {value.shape} in the file, the module has {shape}"
            setattr(self, k, value)

    def to(self, device):
        return self

    def eval(self):
        return self


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        self.modules = list(modules)

    def __getitem__(self, i):
        return self.modules[i]

    def forward(self, x):
        for m in self.modules:
            x = m(x)
        return x

    def load_state_dict(self, state):
        expected = {}
        for i, m in enumerate(self.modules):
            expected.update(m.state_shapes(f"{i}."))
        assert set(expected) == set(state), f"keys differ: {sorted(set(expected) ^ set(state))}"
        for i, m in enumerate(self.modules):
            m.load(state, f"{i}.")


class Linear(Module):
    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.params = {"weight": (n_out, n_in), **({"bias": (n_out,)} if bias else {})}

    def forward(self, x):
        y = x @ self.weight.T
        return y + self.bias if "bias" in self.params else y


def pad2d(x, left, right, top, bottom, value=0.0):
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def windows(x, kh, kw, sh, sw):
    """[N, C, OH, OW, kh, kw] views of the windows (floor mode)."""
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class Conv2d(Module):
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, groups=1, bias=True):
        super().__init__()
        self.kernel, self.stride, self.padding, self.groups = pair(kernel_size), pair(stride), padding, groups
        self.params = {"weight": (n_out, n_in // groups, *self.kernel), **({"bias": (n_out,)} if bias else {})}

    def forward(self, x):
        kh, kw = self.kernel
        if self.padding == "same":
            th, tw = kh - 1, kw - 1
            x = pad2d(x, tw // 2, tw - tw // 2, th // 2, th - th // 2)
        else:
            ph, pw = pair(self.padding)
            x = pad2d(x, pw, pw, ph, ph)
        patches = windows(np.ascontiguousarray(x), kh, kw, *self.stride)
        n, c = x.shape[:2]
        g = self.groups
        out = []
        per_group = self.weight.shape[0] // g
        for k in range(g):
            p = patches[:, k * (c // g) : (k + 1) * (c // g)]
            wk = self.weight[k * per_group : (k + 1) * per_group]
            out.append(np.einsum("ncijhw,ochw->noij", p, wk))
        y = np.concatenate(out, axis=1)
        return y + self.bias[None, :, None, None] if "bias" in self.params else y


class BatchNorm(Module):
    def __init__(self, n, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps = eps
        self.params = {"weight": (n,), "bias": (n,), "running_mean": (n,), "running_var": (n,), "num_batches_tracked": ()}

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.ndim - 2)
        r = lambda v: v.reshape(shape)  # noqa: E731
        return (x - r(self.running_mean)) / np.sqrt(r(self.running_var) + self.eps) * r(self.weight) + r(self.bias)


class Pool(Module):
    def __init__(self, kernel_size, stride=None, reduce=np.max):
        super().__init__()
        self.kernel, self.stride, self.reduce = pair(kernel_size), pair(stride or kernel_size), reduce

    def forward(self, x):
        return self.reduce(windows(np.ascontiguousarray(x), *self.kernel, *self.stride), axis=(4, 5))


def functional(f):
    class Layer(Module):
        def __init__(self, *args, **kwargs):
            super().__init__()
            self.args, self.kwargs = args, kwargs

        def forward(self, x):
            return f(x, *self.args, **self.kwargs)

    return Layer


def softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def erf(x):
    return np.vectorize(__import__("math").erf)(x)


nn = types.SimpleNamespace(
    Module=Module,
    Sequential=Sequential,
    Linear=Linear,
    Conv2d=Conv2d,
    BatchNorm1d=BatchNorm,
    BatchNorm2d=BatchNorm,
    MaxPool2d=lambda kernel_size, stride=None: Pool(kernel_size, stride, np.max),
    AvgPool2d=lambda kernel_size, stride=None: Pool(kernel_size, stride, np.mean),
    AdaptiveAvgPool2d=functional(lambda x, size: x.mean(axis=(2, 3), keepdims=True)),
    Flatten=functional(lambda x: x.reshape(x.shape[0], -1)),
    ZeroPad2d=functional(lambda x, p: pad2d(x, *p)),
    ConstantPad2d=functional(lambda x, p, value: pad2d(x, *p, value=value)),
    Dropout=functional(lambda x, p: x),
    ReLU=functional(lambda x: np.maximum(x, 0)),
    ReLU6=functional(lambda x: np.clip(x, 0, 6)),
    LeakyReLU=functional(lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x)),
    ELU=functional(lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)),
    SELU=functional(lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(np.minimum(x, 0)) - 1))),
    GELU=functional(lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2)))),
    SiLU=functional(lambda x: x * sigmoid(x)),
    Tanh=functional(np.tanh),
    Sigmoid=functional(sigmoid),
    Softmax=functional(lambda x, dim: softmax(x, dim)),
)


def avg_pool2d(x, kernel_size, stride):
    return Pool(kernel_size, stride, np.mean)(x)


class NoGrad:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class SafeOpen:
    def __init__(self, path, framework):
        self.meta = read_safetensors(path)[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def metadata(self):
        return self.meta


torch = types.ModuleType("torch")
torch.nn = types.ModuleType("torch.nn")
torch.nn.functional = types.SimpleNamespace(pad=lambda x, p: pad2d(x, *p), avg_pool2d=avg_pool2d)
vars(torch.nn).update(vars(nn))
torch.tensor = tensor
torch.no_grad = NoGrad
torch.softmax = softmax
torch.sigmoid = sigmoid
torch.cat = lambda xs, dim: np.concatenate(xs, axis=dim)
torch.ones_like = np.ones_like
torch.Tensor = Tensor
safetensors = types.ModuleType("safetensors")
safetensors.safe_open = SafeOpen
safetensors.torch = types.ModuleType("safetensors.torch")
safetensors.torch.load_file = lambda path, device="cpu": read_safetensors(path)[0]
sys.modules.update(
    {"torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional, "safetensors": safetensors, "safetensors.torch": safetensors.torch}
)

if __name__ == "__main__":
    folder, inputs, rows, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sys.path.insert(0, folder)
    import model  # noqa: E402  (the exported model.py, on the stand-ins above)

    net = model.load()
    raw = np.fromfile(inputs, dtype="<f4").astype(np.float64).reshape(rows, *model.INPUT_SHAPE).view(Tensor)
    result = model.predict(net, raw, model.metadata())
    np.asarray(result, dtype="<f4").tofile(out)
