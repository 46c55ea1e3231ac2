"""JPEG files (baseline and progressive; gray, 4:2:0, 4:2:2 and 4:4:4 color) and what
TensorFlow 2.21's decode_jpeg makes of them. Writes data/jpeg/*.jpg and jpeg.json.

Run: python gen_jpeg.py (TensorFlow 2.21, Pillow).
"""
import io, json, os
import numpy as np
import tensorflow as tf
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "jpeg")
os.makedirs(OUT, exist_ok=True)

def smooth(h, w, c, seed):
    """A smooth image with some edges (JPEG's usual content)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 90 * np.sin(0.3 * x + 0.2 * y + k) + rng.normal(0, 8, (h, w)) for k in range(c)], -1)
    img[h // 2:, : w // 3] = 30
    return np.clip(img, 0, 255).astype(np.uint8)

files = {}
def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    files[name] = data

save("tf_rgb_420.jpg", tf.io.encode_jpeg(smooth(13, 17, 3, 1), quality=90).numpy())
save("tf_rgb_444.jpg", tf.io.encode_jpeg(smooth(16, 16, 3, 2), quality=75, chroma_downsampling=False).numpy())
save("tf_gray.jpg", tf.io.encode_jpeg(smooth(9, 20, 1, 3), quality=85).numpy())
for name, kw in [("pillow_progressive.jpg", {"progressive": True, "quality": 80}),
                 ("pillow_422.jpg", {"subsampling": 1, "quality": 70})]:
    b = io.BytesIO()
    Image.fromarray(smooth(21, 11, 3, 4)).save(b, "JPEG", **kw)
    save(name, b.getvalue())

# TensorFlow's default inverse DCT is libjpeg's fast integer one; "INTEGER_ACCURATE" is the
# slow exact one. Both are recorded.
cases = []
for name, data in files.items():
    for channels in [0, 1, 3]:
        y = tf.io.decode_jpeg(data, channels=channels, dct_method="INTEGER_ACCURATE").numpy()
        fast = tf.io.decode_jpeg(data, channels=channels).numpy()
        cases.append({"file": name, "channels": channels, "shape": list(y.shape), "data": y.reshape(-1).tolist(),
                      "default_data": fast.reshape(-1).tolist()})
with open(os.path.join(HERE, "jpeg.json"), "w") as f:
    json.dump(cases, f)
print(len(files), "files,", len(cases), "cases")
