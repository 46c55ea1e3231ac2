"""Golden values for Keras losses, metrics and layers from a real TensorFlow run
(tf_keras 2.21, Keras 2). Writes keras.json.

Layers get deterministic weights: every weight w of n elements is set to
0.1 * sin(0.7 * i + 0.3 * k) (i the element index, k the weight's index in layer.weights),
reshaped to the weight's shape; inputs are 0.5 * cos(0.37 * i) over the flattened input.

Run: TF_ENABLE_ONEDNN_OPTS=1 python gen_keras.py (TensorFlow 2.21 + tf_keras 2.21; TensorFlow's
own CPU kernel refuses the dilated transposed convolution, oneDNN's runs it. Cases added later
were appended to the file, the earlier ones kept as first written: some of their last bits
differ between the two kernels, within 1e-6).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

L = keras.losses
yt2 = [[0.0, 1.0], [0.0, 0.0]]
yp2 = [[0.6, 0.4], [0.4, 0.6]]
probs = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]
logits = [[1.0, 2.0, -1.0], [0.5, -0.3, 2.2], [0.0, 0.0, 0.1]]
onehot = [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
sparse = [1, 2, 0]
reg_t = [[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]]
reg_p = [[0.5, 1.5, 1.0], [2.0, 0.0, 0.7]]
pos_p = [[0.5, 1.5, 1.0], [2.0, 0.1, 0.7]]
sw = [0.3, 0.7]
sw3 = [0.3, 0.7, 1.0]

def loss_case(name, cls, kw, t, p, w=None):
    yp = tf.constant(p, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(yp)
        v = cls(**kw)(tf.constant(t, tf.float32) if not isinstance(t[0], int) else tf.constant(t), yp, sample_weight=None if w is None else tf.constant(w))
    return {"name": name, "kw": kw, "y_true": t, "y_pred": p, "sample_weight": w, "value": float(v),
            "grad": tape.gradient(v, yp).numpy().tolist()}

losses = [
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {}, sparse, probs),
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"from_logits": True}, sparse, logits),
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"from_logits": True}, sparse, logits, sw3),
    loss_case("categorical_crossentropy", L.CategoricalCrossentropy, {}, onehot, probs),
    loss_case("categorical_crossentropy", L.CategoricalCrossentropy, {"from_logits": True}, onehot, logits),
    loss_case("categorical_crossentropy", L.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, onehot, logits),
    loss_case("binary_crossentropy", L.BinaryCrossentropy, {}, yt2, yp2),
    loss_case("binary_crossentropy", L.BinaryCrossentropy, {"from_logits": True}, yt2, [[1.5, -0.4], [0.2, 2.0]]),
    loss_case("binary_crossentropy", L.BinaryCrossentropy, {"label_smoothing": 0.2}, yt2, yp2, sw),
    loss_case("mean_squared_error", L.MeanSquaredError, {}, reg_t, reg_p),
    loss_case("mean_squared_error", L.MeanSquaredError, {}, reg_t, reg_p, sw),
    loss_case("mean_absolute_error", L.MeanAbsoluteError, {}, reg_t, reg_p),
    loss_case("huber_loss", L.Huber, {}, reg_t, reg_p),
    loss_case("huber_loss", L.Huber, {"delta": 0.5}, reg_t, reg_p),
    loss_case("kl_divergence", L.KLDivergence, {}, yt2, yp2),
    loss_case("cosine_similarity", L.CosineSimilarity, {}, reg_t, reg_p),
    loss_case("hinge", L.Hinge, {}, yt2, yp2),
    loss_case("squared_hinge", L.SquaredHinge, {}, yt2, yp2),
    loss_case("log_cosh", L.LogCosh, {}, reg_t, reg_p),
    loss_case("poisson", L.Poisson, {}, reg_t, pos_p),
    loss_case("mean_absolute_percentage_error", L.MeanAbsolutePercentageError, {}, reg_t, reg_p),
    loss_case("mean_squared_logarithmic_error", L.MeanSquaredLogarithmicError, {}, reg_t, reg_p, sw),
    loss_case("categorical_hinge", L.CategoricalHinge, {}, onehot, logits),
    loss_case("hinge", L.Hinge, {}, [[-1.0, 1.0], [1.0, -1.0]], yp2),
    loss_case("binary_focal_crossentropy", L.BinaryFocalCrossentropy, {}, yt2, yp2),
    loss_case("binary_focal_crossentropy", L.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "from_logits": True}, yt2, [[1.5, -0.4], [0.2, 2.0]]),
    loss_case("binary_focal_crossentropy", L.BinaryFocalCrossentropy, {"label_smoothing": 0.2}, yt2, yp2, sw),
    loss_case("categorical_focal_crossentropy", L.CategoricalFocalCrossentropy, {}, onehot, probs),
    loss_case("categorical_focal_crossentropy", L.CategoricalFocalCrossentropy, {"alpha": 0.5, "gamma": 3.0, "from_logits": True}, onehot, logits),
    loss_case("categorical_focal_crossentropy", L.CategoricalFocalCrossentropy, {"label_smoothing": 0.1}, onehot, probs, sw3),
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"ignore_class": 2}, sparse, probs),
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": -1}, [1, -1, 0], logits, sw3),
    loss_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 255},
              [[1, 255], [0, 2]], [[[1.0, 2.0, -1.0], [0.5, -0.3, 2.2]], [[0.0, 0.0, 0.1], [2.0, 1.0, 0.5]]]),
]

# Losses of a softmax's or sigmoid's output: Keras computes them from the logits the
# activation recorded (`_keras_logits`), so saturated outputs keep their exact loss and
# gradient instead of clipped probabilities'.
saturated = [[10.0, -10.0, 0.0], [1.0, 2.0, 3.0], [-30.0, 25.0, 0.0]]
def activation_case(name, cls, kw, activation, t, z):
    z = tf.constant(z, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        v = cls(**kw)(tf.constant(t), keras.activations.get(activation)(z))
    return {"name": name, "kw": kw, "activation": activation, "y_true": t, "logits": z.numpy().tolist(),
            "value": float(v), "grad": tape.gradient(v, z).numpy().tolist()}

activation_losses = [
    activation_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {}, "softmax", [1, 2, 0], saturated),
    activation_case("sparse_categorical_crossentropy", L.SparseCategoricalCrossentropy, {"from_logits": True}, "softmax", [1, 2, 0], saturated),
    activation_case("categorical_crossentropy", L.CategoricalCrossentropy, {"label_smoothing": 0.1}, "softmax", [[0.0, 1, 0], [0, 0, 1], [1, 0, 0]], saturated),
    activation_case("binary_crossentropy", L.BinaryCrossentropy, {}, "sigmoid", [[0.0, 1, 1], [1, 0, 0], [1, 0, 1]], saturated),
    activation_case("binary_crossentropy", L.BinaryCrossentropy, {"label_smoothing": 0.2}, "sigmoid", [[0.0, 1, 1], [1, 0, 0], [1, 0, 1]], saturated),
    activation_case("binary_focal_crossentropy", L.BinaryFocalCrossentropy, {}, "sigmoid", [[0.0, 1, 1], [1, 0, 0], [1, 0, 1]], saturated),
    activation_case("categorical_focal_crossentropy", L.CategoricalFocalCrossentropy, {}, "softmax", [[0.0, 1, 0], [0, 0, 1], [1, 0, 0]], saturated),
]

M = keras.metrics
def metric_case(name, m, updates):
    for u in updates:
        m.update_state(*[tf.constant(x) for x in u])
    return {"name": name, "updates": updates, "result": float(m.result())}

bin_t = [0, 1, 1, 0, 1, 0, 1, 1]
bin_p = [0.1, 0.8, 0.4, 0.3, 0.9, 0.6, 0.55, 0.2]
metrics = [
    metric_case("auc", M.AUC(), [[bin_t[:5], bin_p[:5]], [bin_t[5:], bin_p[5:]]]),
    metric_case("precision", M.Precision(), [[bin_t, bin_p]]),
    metric_case("recall", M.Recall(), [[bin_t, bin_p]]),
    metric_case("binary_accuracy", M.BinaryAccuracy(), [[[[1], [0], [1]], [[0.7], [0.6], [0.2]]]]),
    metric_case("categorical_accuracy", M.CategoricalAccuracy(), [[onehot, probs]]),
    metric_case("sparse_categorical_accuracy", M.SparseCategoricalAccuracy(), [[sparse, probs], [[0, 1], [[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]]]]),
    metric_case("top_k_categorical_accuracy", M.TopKCategoricalAccuracy(k=2), [[onehot, probs]]),
    metric_case("mean", M.Mean(), [[[1.0, 2.0, 4.0]], [[10.0]]]),
    metric_case("mean_weighted", M.Mean(), [[[1.0, 2.0, 4.0], [1.0, 0.0, 0.5]]]),
    metric_case("sparse_categorical_crossentropy_ignore_class", M.SparseCategoricalCrossentropy(ignore_class=2), [[sparse, probs], [[0, 2], [[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]]]]),
]

def fill(n, k):
    i = np.arange(n)
    return (0.1 * np.sin(0.7 * i + 0.3 * k)).astype(np.float32)

def layer_case(name, layer, in_shape, training=False, extra=None):
    n = int(np.prod(in_shape))
    x = (0.5 * np.cos(0.37 * np.arange(n))).reshape(in_shape).astype(np.float32)
    layer(tf.constant(x))  # build
    layer.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(layer.weights)])
    y = layer(tf.constant(x), training=training)
    outs = y if isinstance(y, list) else [y]
    case = {"name": name, "input_shape": list(in_shape), "training": training,
            "weights": [list(w.shape) for w in layer.weights],
            "outputs": [np.asarray(o).reshape(-1).tolist() for o in outs],
            "output_shapes": [list(o.shape) for o in outs]}
    if extra:
        case.update(extra(layer))
    # Gradients of sum_o sum_i r_i o_i, r_i = sin(1.3 i + 0.5), with respect to the input
    # and each trainable weight.
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = sum(tf.reduce_sum(tf.reshape(o, [-1]) * tf.sin(1.3 * tf.range(tf.size(o), dtype=tf.float32) + 0.5))
                   for o in (y if isinstance(y, list) else [y]))
    trainable = [k for k, w in enumerate(layer.weights) if w.trainable]
    grads = tape.gradient(loss, [xt] + [layer.weights[k] for k in trainable])
    case["trainable"] = trainable
    case["grads"] = [np.asarray(g).reshape(-1).tolist() for g in grads]
    return case

layers = [
    layer_case("dense", keras.layers.Dense(4, activation="tanh"), (2, 3)),
    layer_case("conv2d", keras.layers.Conv2D(3, 3, strides=2, padding="same", activation="relu"), (2, 5, 5, 2)),
    layer_case("conv1d", keras.layers.Conv1D(2, 3), (2, 6, 3)),
    layer_case("depthwise_conv2d", keras.layers.DepthwiseConv2D(2, depth_multiplier=2), (1, 4, 4, 2)),
    layer_case("conv2d_transpose", keras.layers.Conv2DTranspose(2, 3, strides=2), (1, 3, 3, 2)),
    layer_case("conv2d_transpose_same", keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same"), (1, 3, 3, 2)),
    # A stride above the kernel: Keras's output length is input * stride.
    layer_case("conv2d_transpose_wide_stride", keras.layers.Conv2DTranspose(2, 2, strides=3), (1, 3, 3, 2)),
    layer_case("batch_normalization_train", keras.layers.BatchNormalization(), (4, 3), training=True,
               extra=lambda l: {"moving_mean": l.moving_mean.numpy().tolist(), "moving_variance": l.moving_variance.numpy().tolist()}),
    layer_case("batch_normalization_infer", keras.layers.BatchNormalization(), (4, 3)),
    layer_case("layer_normalization", keras.layers.LayerNormalization(), (2, 5)),
    layer_case("simple_rnn", keras.layers.SimpleRNN(3, return_sequences=True), (2, 4, 2)),
    layer_case("lstm", keras.layers.LSTM(3), (2, 4, 2)),
    layer_case("lstm_state", keras.layers.LSTM(3, return_sequences=True, return_state=True), (2, 4, 2)),
    layer_case("gru", keras.layers.GRU(3), (2, 4, 2)),
    layer_case("gru_state", keras.layers.GRU(3, return_state=True, go_backwards=True), (2, 4, 2)),
    layer_case("up_sampling2d", keras.layers.UpSampling2D(2), (1, 2, 3, 1)),
    layer_case("zero_padding2d", keras.layers.ZeroPadding2D(1), (1, 2, 2, 1)),
    layer_case("global_average_pooling2d", keras.layers.GlobalAveragePooling2D(), (2, 3, 3, 2)),
    layer_case("max_pooling2d", keras.layers.MaxPooling2D(), (1, 4, 4, 1)),
    layer_case("average_pooling2d", keras.layers.AveragePooling2D(pool_size=3, strides=1, padding="same"), (1, 3, 3, 1)),
    layer_case("conv1d_causal", keras.layers.Conv1D(2, 3, padding="causal", dilation_rate=2), (2, 7, 3)),
    layer_case("conv2d_dilated", keras.layers.Conv2D(2, 2, padding="same", dilation_rate=2), (1, 5, 5, 2)),
    layer_case("global_max_pooling2d", keras.layers.GlobalMaxPooling2D(), (2, 3, 3, 2)),
    layer_case("simple_rnn_state", keras.layers.SimpleRNN(3, return_state=True, go_backwards=True), (2, 4, 2)),
    layer_case("relu_layer", keras.layers.ReLU(max_value=0.3, negative_slope=0.2, threshold=0.1), (2, 5)),
    layer_case("relu_layer_max", keras.layers.ReLU(max_value=0.2), (2, 5)),
    layer_case("leaky_relu_layer", keras.layers.LeakyReLU(), (2, 5)),
    layer_case("softmax_layer", keras.layers.Softmax(axis=1), (2, 3, 2)),
    layer_case("elu_layer", keras.layers.ELU(alpha=0.5), (2, 5)),
    layer_case("max_pooling1d", keras.layers.MaxPooling1D(pool_size=3, strides=2, padding="same"), (2, 7, 3)),
    layer_case("average_pooling1d", keras.layers.AveragePooling1D(pool_size=2, strides=1, padding="same"), (2, 5, 3)),
    layer_case("global_average_pooling1d", keras.layers.GlobalAveragePooling1D(), (2, 4, 3)),
    layer_case("global_max_pooling1d", keras.layers.GlobalMaxPooling1D(keepdims=True), (2, 4, 3)),
    layer_case("repeat_vector", keras.layers.RepeatVector(3), (2, 4)),
    layer_case("cropping1d", keras.layers.Cropping1D((1, 2)), (2, 6, 3)),
    layer_case("cropping2d", keras.layers.Cropping2D(((1, 0), (0, 2))), (1, 4, 5, 2)),
    layer_case("bidirectional_lstm", keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)), (2, 4, 2)),
    layer_case("bidirectional_gru_sum", keras.layers.Bidirectional(keras.layers.GRU(3), merge_mode="sum"), (2, 4, 2)),
    layer_case("bidirectional_rnn_state", keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_state=True)), (2, 4, 2)),
    layer_case("time_distributed_dense", keras.layers.TimeDistributed(keras.layers.Dense(3)), (2, 4, 5)),
    layer_case("time_distributed_conv", keras.layers.TimeDistributed(keras.layers.Conv2D(2, 2)), (2, 3, 4, 4, 1)),
    layer_case("separable_conv2d", keras.layers.SeparableConv2D(3, 2, padding="same", depth_multiplier=2), (1, 4, 5, 2)),
    layer_case("separable_conv2d_strided", keras.layers.SeparableConv2D(2, 3, strides=2, activation="relu"), (2, 5, 5, 3)),
    layer_case("up_sampling1d", keras.layers.UpSampling1D(3), (2, 3, 2)),
    layer_case("zero_padding1d", keras.layers.ZeroPadding1D((2, 1)), (2, 3, 2)),
    layer_case("layer_normalization_axes", keras.layers.LayerNormalization(axis=[1, 2]), (2, 3, 4)),
    layer_case("layer_normalization_axis1", keras.layers.LayerNormalization(axis=1, center=False), (2, 3, 4)),
    layer_case("prelu", keras.layers.PReLU(), (2, 3, 4)),
    layer_case("prelu_shared", keras.layers.PReLU(shared_axes=[1]), (2, 3, 4)),
    layer_case("thresholded_relu", keras.layers.ThresholdedReLU(theta=0.2), (2, 5)),
    layer_case("group_normalization", keras.layers.GroupNormalization(groups=2), (2, 3, 4)),
    layer_case("group_normalization_4d", keras.layers.GroupNormalization(groups=3, epsilon=1e-5), (2, 2, 3, 6)),
    layer_case("group_normalization_axis1", keras.layers.GroupNormalization(groups=2, axis=1, center=False), (2, 4, 3)),
    layer_case("unit_normalization", keras.layers.UnitNormalization(), (2, 5)),
    layer_case("conv3d", keras.layers.Conv3D(3, 3, strides=2, padding="same", activation="relu"), (2, 5, 5, 5, 2)),
    layer_case("conv3d_dilated", keras.layers.Conv3D(2, (2, 3, 2), dilation_rate=(2, 1, 1)), (1, 5, 4, 4, 2)),
    layer_case("conv3d_strided", keras.layers.Conv3D(2, (3, 2, 2), strides=(2, 1, 2), use_bias=False), (1, 6, 4, 5, 1)),
    layer_case("conv3d_transpose", keras.layers.Conv3DTranspose(2, 3, strides=2), (1, 2, 3, 3, 2)),
    layer_case("conv3d_transpose_same", keras.layers.Conv3DTranspose(2, (3, 2, 2), strides=(2, 1, 2), padding="same"), (1, 3, 2, 3, 2)),
    layer_case("max_pooling3d", keras.layers.MaxPooling3D(), (1, 4, 4, 4, 2)),
    layer_case("max_pooling3d_same", keras.layers.MaxPooling3D(pool_size=3, strides=2, padding="same"), (2, 5, 4, 5, 2)),
    layer_case("average_pooling3d", keras.layers.AveragePooling3D(), (1, 4, 4, 4, 2)),
    layer_case("average_pooling3d_same", keras.layers.AveragePooling3D(pool_size=(2, 3, 2), strides=(2, 1, 2), padding="same"), (1, 5, 4, 5, 2)),
    layer_case("global_average_pooling3d", keras.layers.GlobalAveragePooling3D(), (2, 3, 3, 3, 2)),
    layer_case("global_max_pooling3d", keras.layers.GlobalMaxPooling3D(keepdims=True), (2, 3, 3, 3, 2)),
    layer_case("up_sampling3d", keras.layers.UpSampling3D((2, 1, 3)), (1, 2, 3, 2, 1)),
    layer_case("zero_padding3d", keras.layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1))), (1, 2, 2, 2, 1)),
    layer_case("cropping3d", keras.layers.Cropping3D(((1, 0), (0, 1), (1, 1))), (1, 3, 3, 4, 2)),
    layer_case("conv1d_transpose", keras.layers.Conv1DTranspose(2, 3, strides=2), (2, 4, 3)),
    layer_case("conv1d_transpose_wide_stride", keras.layers.Conv1DTranspose(2, 1, strides=2), (1, 3, 2)),
    layer_case("conv1d_transpose_same_dilated", keras.layers.Conv1DTranspose(3, 2, padding="same", dilation_rate=2), (1, 5, 2)),
    layer_case("depthwise_conv1d", keras.layers.DepthwiseConv1D(3, depth_multiplier=2, strides=2, padding="same"), (2, 7, 3)),
    layer_case("depthwise_conv1d_dilated", keras.layers.DepthwiseConv1D(2, dilation_rate=2, activation="tanh"), (1, 6, 2)),
    layer_case("separable_conv1d", keras.layers.SeparableConv1D(4, 3, depth_multiplier=2), (2, 6, 3)),
    layer_case("separable_conv1d_causal", keras.layers.SeparableConv1D(2, 2, padding="causal", strides=1, activation="relu"), (1, 5, 3)),
    layer_case("conv2d_groups", keras.layers.Conv2D(6, 3, groups=2, padding="same"), (2, 5, 4, 4)),
    layer_case("conv1d_groups_causal", keras.layers.Conv1D(4, 2, groups=4, padding="causal"), (2, 6, 4)),
    layer_case("conv3d_groups", keras.layers.Conv3D(4, 2, groups=2, strides=(1, 2, 1)), (1, 3, 4, 3, 2)),
    layer_case("einsum_dense", keras.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", activation="tanh"), (2, 3)),
    layer_case("einsum_dense_heads", keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), (2, 4, 5)),
    layer_case("einsum_dense_left_elided", keras.layers.EinsumDense("...b,bc->...c", output_shape=3, bias_axes="c"), (2, 3, 4)),
    layer_case("einsum_dense_right_elided", keras.layers.EinsumDense("ab...,bc->ac...", output_shape=2, bias_axes="c"), (2, 3, 4)),
    layer_case("einsum_dense_merge", keras.layers.EinsumDense("abcd,cde->abe", output_shape=(None, 3)), (2, 3, 2, 4)),
    layer_case("conv_lstm2d", keras.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True), (2, 3, 4, 4, 2)),
    layer_case("conv_lstm2d_state", keras.layers.ConvLSTM2D(2, (2, 3), strides=(1, 2), return_state=True, go_backwards=True), (1, 3, 4, 5, 2)),
]

def attention_case(name, layer, q_shape, v_shape, mask=None, causal=False):
    """MultiHeadAttention(query, value): output and attention scores, and the gradients of
    sum(r * output) + sum(r2 * scores) with respect to the query, the value and each weight."""
    q = (0.5 * np.cos(0.37 * np.arange(int(np.prod(q_shape))))).reshape(q_shape).astype(np.float32)
    v = (0.4 * np.sin(0.23 * np.arange(int(np.prod(v_shape))) + 0.1)).reshape(v_shape).astype(np.float32)
    qt, vt = tf.constant(q), tf.constant(v)
    m = None if mask is None else tf.constant(mask)
    layer(qt, vt)  # build
    layer.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) for k, w in enumerate(layer.weights)])
    with tf.GradientTape() as tape:
        tape.watch([qt, vt])
        out, scores = layer(qt, vt, attention_mask=m, return_attention_scores=True, use_causal_mask=causal)
        r = lambda t, a: tf.sin(a * tf.range(tf.size(t), dtype=tf.float32) + 0.5)
        loss = tf.reduce_sum(tf.reshape(out, [-1]) * r(out, 1.3)) + tf.reduce_sum(tf.reshape(scores, [-1]) * r(scores, 0.7))
    grads = tape.gradient(loss, [qt, vt] + layer.weights)
    return {"name": name, "query_shape": list(q_shape), "value_shape": list(v_shape),
            "mask": None if mask is None else np.asarray(mask).astype(int).reshape(-1).tolist(),
            "mask_shape": None if mask is None else list(np.asarray(mask).shape), "causal": causal,
            "weights": [list(w.shape) for w in layer.weights], "weight_names": [w.name for w in layer.weights],
            "output": np.asarray(out).reshape(-1).tolist(), "output_shape": list(out.shape),
            "scores": np.asarray(scores).reshape(-1).tolist(), "scores_shape": list(scores.shape),
            "grads": [np.asarray(g).reshape(-1).tolist() for g in grads]}

def luong_case(name, layer, q_shape, v_shape, causal=False, with_key=False):
    """Attention / AdditiveAttention([query, value(, key)]): output, weights, and gradients."""
    q = (0.5 * np.cos(0.37 * np.arange(int(np.prod(q_shape))))).reshape(q_shape).astype(np.float32)
    v = (0.4 * np.sin(0.23 * np.arange(int(np.prod(v_shape))) + 0.1)).reshape(v_shape).astype(np.float32)
    qt, vt = tf.constant(q), tf.constant(v)
    kt = tf.constant(v[..., ::-1].copy()) if with_key else None
    inputs = [qt, vt] + ([kt] if with_key else [])
    layer(inputs)  # build
    layer.set_weights([fill(int(np.prod(w.shape)), k).reshape(w.shape) + 1.0 for k, w in enumerate(layer.weights)])
    with tf.GradientTape() as tape:
        tape.watch([qt, vt])
        out, scores = layer(inputs, return_attention_scores=True, use_causal_mask=causal)
        r = lambda t, a: tf.sin(a * tf.range(tf.size(t), dtype=tf.float32) + 0.5)
        loss = tf.reduce_sum(tf.reshape(out, [-1]) * r(out, 1.3)) + tf.reduce_sum(tf.reshape(scores, [-1]) * r(scores, 0.7))
    grads = tape.gradient(loss, [qt, vt] + layer.weights)
    return {"name": name, "query_shape": list(q_shape), "value_shape": list(v_shape), "causal": causal, "with_key": with_key,
            "weights": [list(w.shape) for w in layer.weights],
            "output": np.asarray(out).reshape(-1).tolist(), "scores": np.asarray(scores).reshape(-1).tolist(),
            "grads": [np.asarray(g).reshape(-1).tolist() for g in grads]}

luong = [
    luong_case("dot", keras.layers.Attention(), (2, 3, 4), (2, 5, 4)),
    luong_case("dot_scaled_causal", keras.layers.Attention(use_scale=True), (2, 4, 3), (2, 4, 3), causal=True),
    luong_case("concat_key", keras.layers.Attention(score_mode="concat", use_scale=True), (1, 3, 2), (1, 4, 2), with_key=True),
    luong_case("additive", keras.layers.AdditiveAttention(), (2, 3, 4), (2, 5, 4)),
    luong_case("additive_unscaled_causal", keras.layers.AdditiveAttention(use_scale=False), (1, 4, 3), (1, 4, 3), causal=True),
]

mask243 = np.array([[[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]]], bool)
attention = [
    attention_case("self", keras.layers.MultiHeadAttention(num_heads=2, key_dim=3), (2, 4, 5), (2, 4, 5)),
    attention_case("cross_masked", keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, output_shape=4), (2, 4, 5), (2, 3, 6), mask=mask243),
    attention_case("causal_no_bias", keras.layers.MultiHeadAttention(num_heads=1, key_dim=4, use_bias=False), (1, 5, 3), (1, 5, 3), causal=True),
]

def normalization_case(name, layer, adapt, x, dataset_batch=None):
    """Normalization: the statistics adapt() learns (from a tensor, or a dataset of batches)
    and the layer's output on x."""
    if adapt is not None:
        data = np.asarray(adapt, np.float32)
        layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(dataset_batch) if dataset_batch else data)
    out = layer(tf.constant(np.asarray(x, np.float32)))
    return {"name": name, "adapt": None if adapt is None else np.asarray(adapt, np.float32).reshape(-1).tolist(),
            "adapt_shape": None if adapt is None else list(np.asarray(adapt).shape), "dataset_batch": dataset_batch,
            "x": np.asarray(x, np.float32).reshape(-1).tolist(), "x_shape": list(np.asarray(x).shape),
            "weights": [np.asarray(w).reshape(-1).tolist() for w in layer.weights],
            "output": np.asarray(out).reshape(-1).tolist(), "output_shape": list(out.shape)}

feats = [[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]]
seq = (np.cos(0.7 * np.arange(42)) * 3 + np.arange(42) * 0.1).reshape(7, 3, 2)
normalization = [
    normalization_case("features", keras.layers.Normalization(axis=-1), feats, [[0.0, 7.0, 4.0], [1.0, 8.0, 5.5]]),
    normalization_case("all_values", keras.layers.Normalization(axis=None), [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0]),
    normalization_case("invert", keras.layers.Normalization(axis=None, invert=True), [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0]),
    normalization_case("given", keras.layers.Normalization(mean=3.0, variance=2.0), None, [[1.0], [2.0], [3.0]]),
    normalization_case("given_per_feature", keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.0]), None, [[1.0, 2.0], [3.0, 2.5]]),
    normalization_case("axis1_sequences", keras.layers.Normalization(axis=1), seq, seq[:2]),
    normalization_case("dataset_batches", keras.layers.Normalization(axis=-1), seq.reshape(21, 2), seq.reshape(21, 2)[:4], dataset_batch=4),
]

def augmentation_case(name, layer, training=True):
    """An augmentation layer with a one-value factor range (so deterministic) while training,
    or at inference."""
    x = (np.cos(0.61 * np.arange(2 * 5 * 7 * 2)) * 2).reshape(2, 5, 7, 2).astype(np.float32)
    y = layer(tf.constant(x), training=training)
    return {"name": name, "training": training, "output": np.asarray(y).reshape(-1).tolist(), "output_shape": list(y.shape)}

augmentation = [
    augmentation_case("rotation_quarter", keras.layers.RandomRotation((0.25, 0.25))),
    augmentation_case("rotation_constant_nearest", keras.layers.RandomRotation((0.1, 0.1), fill_mode="constant", fill_value=0.5, interpolation="nearest")),
    augmentation_case("rotation_wrap", keras.layers.RandomRotation((-0.15, -0.15), fill_mode="wrap")),
    augmentation_case("zoom_in", keras.layers.RandomZoom((-0.3, -0.3))),
    augmentation_case("zoom_wrap", keras.layers.RandomZoom((0.2, 0.2), width_factor=(-0.1, -0.1), fill_mode="wrap")),
    augmentation_case("translation", keras.layers.RandomTranslation((0.2, 0.2), (-0.1, -0.1))),
    augmentation_case("translation_nearest", keras.layers.RandomTranslation((-0.3, -0.3), (0.25, 0.25), fill_mode="nearest", interpolation="nearest")),
    augmentation_case("resizing", keras.layers.Resizing(3, 9)),
    augmentation_case("resizing_nearest", keras.layers.Resizing(8, 4, interpolation="nearest")),
    augmentation_case("resizing_crop_to_aspect_ratio", keras.layers.Resizing(4, 3, crop_to_aspect_ratio=True)),
    augmentation_case("center_crop", keras.layers.CenterCrop(3, 4)),
    augmentation_case("center_crop_upsize", keras.layers.CenterCrop(6, 4)),
    augmentation_case("random_crop_inference", keras.layers.RandomCrop(3, 6), training=False),
    augmentation_case("brightness", keras.layers.RandomBrightness((0.1, 0.1), value_range=(-1.0, 1.5))),
]

init_moments = {}
for ini in ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "orthogonal"]:
    w = keras.initializers.get(ini)(shape=(200, 300)).numpy()
    init_moments[ini] = {"mean": float(w.mean()), "std": float(w.std()), "max_abs": float(np.abs(w).max())}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras.json"), "w") as f:
    json.dump({"losses": losses, "activation_losses": activation_losses, "metrics": metrics, "layers": layers, "attention": attention, "luong": luong, "normalization": normalization, "augmentation": augmentation, "initializers": init_moments}, f)
print(len(losses), "losses,", len(metrics), "metrics,", len(layers), "layers")
