"""Msgpack, the types Kiln's records and dataset use: None, bools, ints, floats (float64), str, bytes,
lists and maps. Writes the smallest int form, as Kiln's encoder does (numpy's scalars too); reads bin as views."""

import struct

import numpy as np


def pack(value) -> bytes:
    """Msgpack of None, bools, ints, floats (as float64), str, bytes, lists and dicts (str keys)."""
    out = bytearray()
    _pack(value, out)
    return bytes(out)


def _pack(v, out: bytearray) -> None:
    if v is None:
        out.append(0xC0)
    elif v is True or v is False:
        out.append(0xC3 if v else 0xC2)
    elif isinstance(v, (int, np.integer)):
        v = int(v)
        if 0 <= v < 0x80:
            out.append(v)
        elif -32 <= v < 0:
            out.append(v & 0xFF)
        elif 0 <= v <= 0xFFFFFFFF:
            out += struct.pack(">BI", 0xCE, v)
        elif 0 <= v < 1 << 64:
            out += struct.pack(">BQ", 0xCF, v)
        else:
            out += struct.pack(">Bq", 0xD3, v)
    elif isinstance(v, (float, np.floating)):
        out += struct.pack(">Bd", 0xCB, float(v))
    elif isinstance(v, str):
        b = v.encode("utf-8")
        out += (bytes([0xA0 | len(b)]) if len(b) < 32 else struct.pack(">BI", 0xDB, len(b))) + b
    elif isinstance(v, (bytes, bytearray, memoryview)):
        out += struct.pack(">BI", 0xC6, len(v)) + bytes(v)
    elif isinstance(v, (list, tuple)):
        out += bytes([0x90 | len(v)]) if len(v) < 16 else struct.pack(">BI", 0xDD, len(v))
        for item in v:
            _pack(item, out)
    elif isinstance(v, dict):
        out += bytes([0x80 | len(v)]) if len(v) < 16 else struct.pack(">BI", 0xDF, len(v))
        for key, item in v.items():
            _pack(str(key), out)
            _pack(item, out)
    else:
        raise TypeError(f"cannot pack {type(v).__name__}")


def unpack(data: bytes):
    """The value msgpack `data` holds (bin as memoryviews into it, no copies)."""
    view = memoryview(data)
    value, end = _unpack(view, 0)
    if end != len(view):
        raise ValueError("msgpack: bytes left after the value")
    return value


_FIXED = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}


def _unpack(b: memoryview, i: int):
    t = b[i]
    i += 1
    if t < 0x80:
        return t, i
    if t >= 0xE0:
        return t - 0x100, i
    if 0x80 <= t <= 0x8F:
        return _map(b, i, t & 0x0F)
    if 0x90 <= t <= 0x9F:
        return _array(b, i, t & 0x0F)
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return bytes(b[i : i + n]).decode("utf-8"), i + n
    if t == 0xC0:
        return None, i
    if t in (0xC2, 0xC3):
        return t == 0xC3, i
    if t in _FIXED:
        fmt = _FIXED[t]
        return struct.unpack_from(fmt, b, i)[0], i + struct.calcsize(fmt)
    sizes = {0xC4: ">B", 0xC5: ">H", 0xC6: ">I", 0xD9: ">B", 0xDA: ">H", 0xDB: ">I", 0xDC: ">H", 0xDD: ">I", 0xDE: ">H", 0xDF: ">I"}
    if t not in sizes:
        raise ValueError(f"msgpack: type 0x{t:02x} is not read here")
    n = struct.unpack_from(sizes[t], b, i)[0]
    i += struct.calcsize(sizes[t])
    if t <= 0xC6:
        return b[i : i + n], i + n
    if t <= 0xDB:
        return bytes(b[i : i + n]).decode("utf-8"), i + n
    return _array(b, i, n) if t <= 0xDD else _map(b, i, n)


def _array(b, i, n):
    items = []
    for _ in range(n):
        v, i = _unpack(b, i)
        items.append(v)
    return items, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _unpack(b, i)
        out[k], i = _unpack(b, i)
    return out, i
