"""Writes the checkpoint fixtures with a real TensorFlow 2 (run once; the outputs are kept).

TF_USE_LEGACY_KERAS=1 python gen.py   (TensorFlow 2.21, tf_keras 2.21)
"""
import os, shutil
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
import tf_keras as keras

here = os.path.dirname(os.path.abspath(__file__))
def fresh(name):
    d = os.path.join(here, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d

# 1. A tf.Module and a root variable.
class Net(tf.Module):
    def __init__(self):
        self.l1 = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="kernel")
        self.b = tf.Variable([0.5, -0.5], name="bias")
        self.steps = tf.Variable(7, dtype=tf.int64, trainable=False)
d = fresh("module")
ck = tf.train.Checkpoint(net=Net(), step=tf.Variable(3))
print(ck.save(os.path.join(d, "ckpt")))

# 2. A module with a Keras Adam optimizer after one step; then the values after a second step.
class WB(tf.Module):
    def __init__(self):
        self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
        self.b = tf.Variable([0.5, -0.5])
net = WB()
opt = keras.optimizers.Adam(0.1)
def step():
    with tf.GradientTape() as t:
        y = tf.matmul([[1.0, 2.0]], net.w) + net.b
        loss = tf.reduce_sum(y * y)
    g = t.gradient(loss, [net.w, net.b])
    opt.apply_gradients(zip(g, [net.w, net.b]))
step()
d = fresh("adam")
print(tf.train.Checkpoint(net=net, optimizer=opt).save(os.path.join(d, "ckpt")))
step()
np.set_printoptions(precision=9)
print("after second step: w", net.w.numpy().tolist(), "b", net.b.numpy().tolist())

# 3. Keras Sequential save_weights (TF format), weights set explicitly.
m = keras.Sequential([keras.layers.Flatten(input_shape=(2, 2)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
m.set_weights([np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5, np.array([0.1, -0.2, 0.3], np.float32),
               np.arange(6, dtype=np.float32).reshape(3, 2) / 5 - 0.4, np.array([0.05, -0.05], np.float32)])
d = fresh("sequential")
m.save_weights(os.path.join(d, "weights"))
x = np.arange(8, dtype=np.float32).reshape(2, 2, 2) / 8
print("sequential predict", m(x).numpy().tolist())
