"""Writes a tiny MNIST-format dataset (IDX, gzip-compressed by Python's gzip module) to
data/mnist-mini/ for tests/datasets.rs.

Run: python3 tests/golden/gen_idx.py
"""
import gzip
import os
import struct

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mnist-mini")
os.makedirs(d, exist_ok=True)


def write(name, dims, data):
    header = struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", x) for x in dims)
    with gzip.open(os.path.join(d, name), "wb") as f:  # records the file name in the header
        f.write(header + bytes(data))


def images(n):
    return [(i * 7 + r * 28 + c) % 256 for i in range(n) for r in range(28) for c in range(28)]


write("train-images-idx3-ubyte.gz", [3, 28, 28], images(3))
write("train-labels-idx1-ubyte.gz", [3], [9, 0, 4])
write("t10k-images-idx3-ubyte.gz", [2, 28, 28], images(2))
write("t10k-labels-idx1-ubyte.gz", [2], [1, 7])
print("ok")
