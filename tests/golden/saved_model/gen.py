"""Writes the SavedModel fixtures with a real TensorFlow 2 (run once; the outputs are kept).

python gen.py   (TensorFlow 2.21)

tf_net/: `tf.saved_model.save` of Net with new values in its variables (only its variables/
checkpoint is kept: saved_model.pb holds TensorFlow's kernels' GraphDef, which tf does not run).
golden.npz: the variables, an input `x` and the `serving_default` output `y` for it.
"""
import os, shutil
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))

class Dense(tf.Module):
    def __init__(self):
        self.kernel = tf.Variable(tf.zeros([4, 3]))
        self.bias = tf.Variable(tf.zeros([3]))

class Net(tf.Module):
    def __init__(self):
        self.dense = Dense()
        self.steps = tf.Variable(0, dtype=tf.int64, trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32)])
    def serve(self, x):
        self.steps.assign_add(1)
        return tf.nn.relu(x @ self.dense.kernel + self.dense.bias)

net = Net()
rng = np.random.default_rng(7)
kernel = rng.normal(size=[4, 3]).astype(np.float32)
bias = rng.normal(size=[3]).astype(np.float32)
net.dense.kernel.assign(kernel)
net.dense.bias.assign(bias)
net.steps.assign(5)
x = rng.normal(size=[2, 4]).astype(np.float32)

d = os.path.join(here, "tf_net")
shutil.rmtree(d, ignore_errors=True)
tf.saved_model.save(net, d, signatures=net.serve)
loaded = tf.saved_model.load(d)
out = loaded.signatures["serving_default"](x=tf.constant(x))
print({k: v.numpy() for k, v in out.items()})
y = out["output_0"].numpy()
for f in os.listdir(d):
    if f != "variables":
        p = os.path.join(d, f)
        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
np.savez(os.path.join(here, "golden.npz"), kernel=kernel, bias=bias, x=x, y=y)
print(sorted(tf.train.list_variables(os.path.join(d, "variables", "variables"))))
