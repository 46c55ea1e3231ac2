"""A small class-per-directory image folder and what Keras's image_dataset_from_directory
(tf_keras 2.21) loads from it, unshuffled: the class names, the file order, the labels and
the resized images. Writes data/images/<class>/*.png and image_dataset.json.

Run: python gen_image_dataset.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os, shutil
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "data", "images")
shutil.rmtree(ROOT, ignore_errors=True)
rng = np.random.default_rng(5)
layout = {"bird": [(7, 9, 3), (5, 5, 3)], "cat": [(6, 8, 1), (9, 4, 4), (8, 8, 3)], "dog": [(4, 6, 3)]}
for cls, shapes in layout.items():
    for i, shape in enumerate(shapes):
        sub = os.path.join(ROOT, cls, "more") if i == 2 else os.path.join(ROOT, cls)
        os.makedirs(sub, exist_ok=True)
        img = rng.integers(0, 256, size=shape, dtype=np.uint8)
        with open(os.path.join(sub, f"img{i}.png"), "wb") as f:
            f.write(tf.io.encode_png(img).numpy())
with open(os.path.join(ROOT, "cat", "notes.txt"), "w") as f:
    f.write("not an image")

cases = []
for kw in [{"image_size": (5, 4)}, {"image_size": (6, 6), "color_mode": "grayscale", "label_mode": "categorical"},
           {"image_size": (4, 8), "crop_to_aspect_ratio": True, "interpolation": "nearest", "color_mode": "rgba"}]:
    ds = keras.utils.image_dataset_from_directory(ROOT, shuffle=False, batch_size=None, **kw)
    items = [(np.asarray(x).reshape(-1).tolist(), list(x.shape), np.asarray(y).reshape(-1).tolist()) for x, y in ds]
    cases.append({"kw": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                  "class_names": ds.class_names,
                  "file_paths": [os.path.relpath(p, ROOT) for p in ds.file_paths],
                  "images": [i[0] for i in items], "shapes": [i[1] for i in items], "labels": [i[2] for i in items]})
with open(os.path.join(HERE, "image_dataset.json"), "w") as f:
    json.dump(cases, f)
print(len(cases), "cases", cases[0]["file_paths"])
