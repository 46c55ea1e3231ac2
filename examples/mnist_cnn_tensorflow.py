"""The `mnist_cnn` example in TensorFlow, for its comparison figures: the TensorFlow 2.0
overview's CNN on Fashion-MNIST, one epoch at batch 32, test accuracy per seed.

    python examples/mnist_cnn_tensorflow.py cosine 0,1,2   # Adam(CosineDecay(1e-3, 1875))
    python examples/mnist_cnn_tensorflow.py constant 0,1,2 # Adam(1e-3)

Needs `pip install tensorflow-cpu tf_keras` (Keras 2 by default; TF_USE_LEGACY_KERAS=0 runs
Keras 3) and the Debian package dataset-fashion-mnist.
"""
import gzip, os, sys
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

keras = tf.keras
DIR = "/usr/share/datasets/fashion-mnist/"


def idx(name, offset):
    with gzip.open(DIR + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


x_train = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28, 1).astype("float32") / 255
y_train = idx("train-labels-idx1-ubyte.gz", 8)
x_test = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28, 1).astype("float32") / 255
y_test = idx("t10k-labels-idx1-ubyte.gz", 8)
recipe = sys.argv[1] if len(sys.argv) > 1 else "cosine"
seeds = sys.argv[2] if len(sys.argv) > 2 else "0"
for seed in map(int, seeds.split(",")):
    keras.utils.set_random_seed(seed)
    L = keras.layers
    model = keras.Sequential([
        L.Conv2D(32, 5, padding="same", activation="relu", input_shape=(28, 28, 1)),
        L.MaxPooling2D(),
        L.Conv2D(64, 5, padding="same", activation="relu"),
        L.MaxPooling2D(),
        L.Flatten(),
        L.Dense(1024, activation="relu"),
        L.Dropout(0.3),
        L.Dense(10, activation="softmax"),
    ])
    steps = -(-len(x_train) // 32)
    lr = keras.optimizers.schedules.CosineDecay(1e-3, steps) if recipe == "cosine" else 1e-3
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x_train, y_train, epochs=1, verbose=0)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"{recipe} seed {seed}: test accuracy {accuracy:.4f}", flush=True)
