"""Golden values for Keras's threshold, F-score, R2, IoU and other metrics from a real
TensorFlow run (tf_keras 2.21, Keras 2). Writes metrics.json: for each case the metric's
class and keyword arguments, the update_state calls, and the result after each call.

Run: python gen_metrics.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
import tf_keras as keras

M = keras.metrics

def case(cls, kw, updates):
    m = getattr(M, cls)(**kw)
    results = []
    for u in updates:
        args = [tf.constant(x, tf.float32) if x is not None and cls not in ("MeanIoU", "IoU") else (None if x is None else tf.constant(x)) for x in u]
        m.update_state(args[0], args[1], sample_weight=args[2] if len(args) > 2 else None)
        results.append(np.asarray(m.result()).reshape(-1).tolist())
    return {"class": cls, "kw": kw, "updates": [list(u) + [None] * (3 - len(u)) for u in updates], "results": results}

bin_t = [0, 1, 1, 0, 1, 0, 1, 1, 0, 1]
bin_p = [0.1, 0.8, 0.4, 0.3, 0.9, 0.6, 0.55, 0.2, 0.75, 0.65]
bin_w = [1.0, 0.5, 2.0, 1.0, 0.0, 1.5, 1.0, 1.0, 0.25, 1.0]
multi_t = [[0, 1, 0], [1, 0, 1], [0, 0, 1], [1, 1, 0]]
multi_p = [[0.2, 0.7, 0.4], [0.6, 0.65, 0.3], [0.1, 0.3, 0.8], [0.5, 0.45, 0.9]]
multi_t2 = [[1, 0, 0], [0, 1, 1]]
multi_p2 = [[0.9, 0.05, 0.3], [0.3, 0.2, 0.6]]
logits = [-2.0, 1.5, 0.2, -0.4, 2.5, 0.3, 0.1, -1.2, 1.0, 0.6]
reg_t = [[0.5, 1.0], [1.5, -0.5], [2.0, 0.3], [-1.0, 0.8]]
reg_p = [[0.7, 0.9], [1.2, -0.1], [2.4, 0.5], [-0.6, 0.2]]

two = lambda t, p, w=None: [[t[:5], p[:5]] + ([w[:5]] if w else []), [t[5:], p[5:]] + ([w[5:]] if w else [])]

cases = [
    case("Precision", {"thresholds": 0.7}, two(bin_t, bin_p)),
    case("Precision", {"top_k": 2}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("Precision", {"class_id": 1}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("Recall", {"top_k": 1, "class_id": 2}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("Recall", {"thresholds": 0.3}, two(bin_t, bin_p, bin_w)),
    case("TruePositives", {}, two(bin_t, bin_p, bin_w)),
    case("FalsePositives", {"thresholds": 0.25}, two(bin_t, bin_p)),
    case("TrueNegatives", {}, two(bin_t, bin_p, bin_w)),
    case("FalseNegatives", {"thresholds": 0.6}, two(bin_t, bin_p)),
    case("AUC", {}, two(bin_t, bin_p, bin_w)),
    case("AUC", {"num_thresholds": 10, "summation_method": "minoring"}, two(bin_t, bin_p)),
    case("AUC", {"curve": "PR"}, two(bin_t, bin_p)),
    case("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}, two(bin_t, bin_p, bin_w)),
    case("AUC", {"from_logits": True}, two(bin_t, logits)),
    case("AUC", {}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("PrecisionAtRecall", {"recall": 0.5}, two(bin_t, bin_p)),
    case("RecallAtPrecision", {"precision": 0.8}, two(bin_t, bin_p, bin_w)),
    case("SensitivityAtSpecificity", {"specificity": 0.5}, two(bin_t, bin_p)),
    case("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 20}, two(bin_t, bin_p)),
    case("PrecisionAtRecall", {"recall": 0.6, "class_id": 0}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("F1Score", {"average": "micro"}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("F1Score", {"average": "macro", "threshold": 0.5}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("F1Score", {"average": "weighted"}, [[multi_t, multi_p, [1.0, 0.5, 2.0, 1.0]], [multi_t2, multi_p2, [0.3, 1.0]]]),
    case("FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.4}, [[multi_t, multi_p], [multi_t2, multi_p2]]),
    case("R2Score", {}, [[reg_t[:2], reg_p[:2]], [reg_t[2:], reg_p[2:]]]),
    case("R2Score", {"class_aggregation": "variance_weighted_average"}, [[reg_t, reg_p, [1.0, 0.5, 2.0, 1.0]]]),
    case("R2Score", {"num_regressors": 1}, [[reg_t, reg_p]]),
    case("MeanIoU", {"num_classes": 3}, [[[0, 1, 2, 2, 1], [0, 2, 2, 1, 1]], [[1, 0, 0], [1, 0, 2], [1.0, 0.5, 2.0]]]),
    case("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, [[[0, 1, 2, 2, 1], [0, 2, 2, 1, 1]], [[1, 0, 0], [1, 0, 2]]]),
    case("BinaryIoU", {"target_class_ids": [0, 1], "threshold": 0.5}, two(bin_t, bin_p, bin_w)),
    case("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, two(bin_t, bin_p)),
    case("CosineSimilarity", {}, [[reg_t, reg_p], [[[1.0, 0.0]], [[0.5, 0.5]]]]),
]

# Sum takes (values, sample_weight): re-run those two with the right call.
def sum_case(updates):
    m = M.Sum()
    results = []
    for values, _, w in updates:
        m.update_state(tf.constant(values), sample_weight=None if w is None else tf.constant(w))
        results.append([float(m.result())])
    return {"class": "Sum", "kw": {}, "updates": [[v, None, w] for v, _, w in updates], "results": results}

cases += [
    sum_case([[[1.0, 2.0, 4.0], None, None], [[10.0], None, None]]),
    sum_case([[[1.0, 2.0, 4.0], None, [1.0, 0.0, 0.5]]]),
]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.json"), "w") as f:
    json.dump({"cases": cases}, f)
print(len(cases), "cases")
