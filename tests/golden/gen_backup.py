"""Golden values for BackupAndRestore(save_freq=<int>) from a real TensorFlow run
(tf_keras 2.21, Keras 2). Writes backup.json.

Dense(3) with zero-initialized weights on 5 samples of 4 features (x = i / 20 for element i,
y = sin(i) for element i), Adam(0.05), MSE, batch 1, no shuffling, 4 epochs. The first fit
backs up every 2 batches and fails at the start of batch 3 of epoch 2 (0-based); a second
fit with a fresh model and the same callback resumes from the backup. Recorded: the resumed
run's epochs and losses, its final weights, and an uninterrupted run's losses.

Run: python gen_backup.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os, shutil, tempfile
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

x = (np.arange(20, dtype=np.float32) / 20).reshape(5, 4)
y = np.sin(np.arange(15, dtype=np.float32)).reshape(5, 3)

def fresh():
    m = keras.Sequential([keras.layers.Dense(3, kernel_initializer="zeros", input_shape=(4,))])
    m.compile(keras.optimizers.Adam(0.05), "mse")
    return m

class Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch == 2 and batch == 3:
            raise RuntimeError("interrupted")

args = dict(epochs=4, batch_size=1, shuffle=False, verbose=0)
whole = fresh().fit(x, y, **args).history["loss"]
d = tempfile.mkdtemp()
try:
    fresh().fit(x, y, callbacks=[keras.callbacks.BackupAndRestore(d, save_freq=2), Interrupt()], **args)
except RuntimeError:
    pass
m = fresh()
h = m.fit(x, y, callbacks=[keras.callbacks.BackupAndRestore(d, save_freq=2)], **args)
out = {
    "uninterrupted_loss": [float(v) for v in whole],
    "resumed_epochs": h.epoch,
    "resumed_loss": [float(v) for v in h.history["loss"]],
    "kernel": m.get_weights()[0].ravel().tolist(),
    "bias": m.get_weights()[1].ravel().tolist(),
    "backup_left": os.path.exists(os.path.join(d, "chief")),
}
shutil.rmtree(d)
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "backup.json"), "w"), indent=1)
print(out)
