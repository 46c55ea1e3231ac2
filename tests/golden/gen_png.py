"""PNG files of every color type, bit depth, filter and interlacing, and what TensorFlow's
decode_png makes of them (tf 2.21). Writes data/png/*.png and png.json.

Most files come from a small PNG writer here that filters rows with each of the five filter
types in turn and can interlace (Adam7); the rest from tf.io.encode_png and Pillow.

Run: python gen_png.py (TensorFlow 2.21, Pillow).
"""
import io, json, os, struct, zlib
import numpy as np
import tensorflow as tf
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "png")
os.makedirs(OUT, exist_ok=True)

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def pack_row(samples, depth):
    """One row of samples as bytes at `depth` bits each."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if depth == 8:
        return bytes(int(v) for v in samples)
    bits = "".join(format(int(v), "0%db" % depth) for v in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

def filter_rows(rows, bpp, start):
    """Each row filtered with type (start + row index) % 5."""
    out, prev = b"", None
    for i, row in enumerate(rows):
        f = (start + i) % 5
        cur = bytearray()
        for j, x in enumerate(row):
            a = row[j - bpp] if j >= bpp else 0
            b = prev[j] if prev is not None else 0
            c = prev[j - bpp] if prev is not None and j >= bpp else 0
            if f == 0: p = 0
            elif f == 1: p = a
            elif f == 2: p = b
            elif f == 3: p = (a + b) // 2
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur.append((x - p) % 256)
        out += bytes([f]) + bytes(cur)
        prev = row
    return out

def write_png(name, samples, color, depth, interlace=False, plte=None, trns=None):
    """samples: [h, w, n] integers as stored (palette indices for color 3)."""
    h, w, n = samples.shape
    bpp = max(1, n * depth // 8)
    if not interlace:
        rows = [pack_row(samples[y].reshape(-1), depth) for y in range(h)]
        raw = filter_rows(rows, bpp, 0)
    else:
        raw = b""
        for k, (x0, y0, dx, dy) in enumerate([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]):
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            rows = [pack_row(sub[y].reshape(-1), depth) for y in range(sub.shape[0])]
            raw += filter_rows(rows, bpp, k)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1 if interlace else 0))
    if plte is not None:
        data += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        data += chunk(b"tRNS", bytes(trns))
    data += chunk(b"tEXt", b"Comment\x00made by gen_png.py")
    z = zlib.compress(raw, 9)
    data += chunk(b"IDAT", z[: len(z) // 2]) + chunk(b"IDAT", z[len(z) // 2:]) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return name

rng = np.random.default_rng(21)
def rand(h, w, n, depth):
    return rng.integers(0, 2 ** depth, size=(h, w, n))

files = [
    write_png("rgb8_filters.png", rand(6, 7, 3, 8), 2, 8),
    write_png("rgba8_interlaced.png", rand(11, 9, 4, 8), 6, 8, interlace=True),
    write_png("gray8.png", rand(5, 4, 1, 8), 0, 8),
    write_png("gray_alpha8.png", rand(4, 5, 2, 8), 4, 8),
    write_png("gray1.png", rand(3, 10, 1, 1), 0, 1),
    write_png("gray2_interlaced.png", rand(9, 13, 1, 2), 0, 2, interlace=True),
    write_png("gray4.png", rand(4, 5, 1, 4), 0, 4),
    write_png("gray16.png", rand(3, 4, 1, 16), 0, 16),
    write_png("rgb16_interlaced.png", rand(5, 6, 3, 16), 2, 16, interlace=True),
    write_png("rgba16.png", rand(2, 3, 4, 16), 6, 16),
    write_png("palette4.png", rand(5, 6, 1, 2), 3, 4, plte=list(rng.integers(0, 256, 12))),
    write_png("palette8_trns.png", rand(4, 4, 1, 2), 3, 8, plte=list(rng.integers(0, 256, 12)), trns=[0, 128, 255]),
    write_png("palette1_interlaced.png", rand(10, 3, 1, 1), 3, 1, interlace=True, plte=[10, 20, 30, 200, 210, 220]),
    write_png("rgb8_key.png", np.array([[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [7, 8, 9]]]), 2, 8, trns=[0, 1, 0, 2, 0, 3]),
    write_png("gray8_key.png", np.array([[[5], [6]], [[5], [7]]]), 0, 8, trns=[0, 5]),
]
img = rng.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
with open(os.path.join(OUT, "tf_encoded.png"), "wb") as f:
    f.write(tf.io.encode_png(img).numpy())
files.append("tf_encoded.png")
for mode, name in [("RGBA", "pillow_rgba.png"), ("P", "pillow_palette.png"), ("LA", "pillow_la.png")]:
    im = Image.fromarray(rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)).convert(mode)
    im.save(os.path.join(OUT, name), optimize=True)
    files.append(name)

cases = []
for name in files:
    data = open(os.path.join(OUT, name), "rb").read()
    for channels in [0, 1, 3, 4]:
        y = tf.io.decode_png(data, channels=channels).numpy()
        cases.append({"file": name, "channels": channels, "shape": list(y.shape), "data": y.reshape(-1).tolist()})
with open(os.path.join(HERE, "png.json"), "w") as f:
    json.dump(cases, f)
print(len(files), "files,", len(cases), "cases")
