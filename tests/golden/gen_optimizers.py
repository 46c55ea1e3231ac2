"""Golden optimizer trajectories from a real TensorFlow run (tf_keras = Keras 2 optimizers).

Problem: w (float32 [3]) from [1.0, -2.0, 3.0], loss = 0.5 * sum(k * (w - t)^2) with
k = [1.0, 2.0, 0.5], t = [0.3, -0.1, 0.7]; gradients from a GradientTape, 100 steps of
optimizer.apply_gradients. Writes optimizers.json: name -> list of w after each step.

Run: TF_USE_LEGACY_KERAS=1 python gen_optimizers.py  (TensorFlow 2.21, tf_keras 2.21)
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf
import tf_keras as keras

K = tf.constant([1.0, 2.0, 0.5])
T = tf.constant([0.3, -0.1, 0.7])
S = keras.optimizers.schedules

CASES = {
    "sgd": lambda: keras.optimizers.SGD(0.1),
    "sgd_momentum": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: keras.optimizers.Adam(0.1),
    "adam_amsgrad": lambda: keras.optimizers.Adam(0.1, amsgrad=True),
    "adamw": lambda: keras.optimizers.AdamW(0.1, weight_decay=0.05),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.05),
    "rmsprop_momentum": lambda: keras.optimizers.RMSprop(0.05, momentum=0.5),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.05, momentum=0.5, centered=True),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "adagrad": lambda: keras.optimizers.Adagrad(0.5),
    "adamax": lambda: keras.optimizers.Adamax(0.1),
    "nadam": lambda: keras.optimizers.Nadam(0.1),
    "ftrl": lambda: keras.optimizers.Ftrl(0.5, l1_regularization_strength=0.01, l2_regularization_strength=0.01),
    "adam_clipnorm": lambda: keras.optimizers.Adam(0.1, clipnorm=0.5),
    "sgd_clipvalue": lambda: keras.optimizers.SGD(0.1, clipvalue=0.2),
    "sgd_global_clipnorm": lambda: keras.optimizers.SGD(0.1, global_clipnorm=0.3),
    "sgd_exponential_decay": lambda: keras.optimizers.SGD(S.ExponentialDecay(0.1, 10, 0.5)),
    "adam_piecewise": lambda: keras.optimizers.Adam(S.PiecewiseConstantDecay([20, 50], [0.1, 0.05, 0.01])),
    "sgd_cosine": lambda: keras.optimizers.SGD(S.CosineDecay(0.1, 100)),
    "sgd_polynomial": lambda: keras.optimizers.SGD(S.PolynomialDecay(0.1, 50)),
    "lion": lambda: keras.optimizers.Lion(0.02),
    "lion_betas": lambda: keras.optimizers.Lion(0.05, beta_1=0.5, beta_2=0.9),
    "adafactor": lambda: keras.optimizers.Adafactor(0.1),
    "adafactor_absolute_step": lambda: keras.optimizers.Adafactor(0.05, relative_step=False, clip_threshold=0.5),
    "sgd_inverse_time": lambda: keras.optimizers.SGD(S.InverseTimeDecay(0.1, 10, 0.5)),
    "sgd_inverse_time_staircase": lambda: keras.optimizers.SGD(S.InverseTimeDecay(0.1, 10, 0.5, staircase=True)),
    "sgd_cosine_restarts": lambda: keras.optimizers.SGD(S.CosineDecayRestarts(0.1, 10)),
    "sgd_cosine_restarts_flat": lambda: keras.optimizers.SGD(S.CosineDecayRestarts(0.1, 15, t_mul=1.0, m_mul=0.8, alpha=0.1)),
    "sgd_cosine_warmup": lambda: keras.optimizers.SGD(S.CosineDecay(0.01, 60, alpha=0.05, warmup_target=0.1, warmup_steps=20)),
    "adafactor_schedule": lambda: keras.optimizers.Adafactor(S.ExponentialDecay(0.1, 10, 0.5)),
}

out = {}
for name, make in CASES.items():
    opt = make()
    w = tf.Variable([1.0, -2.0, 3.0])
    traj = []
    for _ in range(100):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_sum(K * tf.square(w - T))
        g = tape.gradient(loss, w)
        opt.apply_gradients([(g, w)])
        traj.append([float(v) for v in w.numpy()])
    out[name] = traj
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json"), "w") as f:
    json.dump(out, f)
print("wrote", len(out), "cases")
