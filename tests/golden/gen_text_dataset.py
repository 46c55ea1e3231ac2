"""Golden batches of keras.utils.text_dataset_from_directory from a real TensorFlow run
(tf_keras 2.21): a small tree of .txt files (written by this script and, identically, by the
Rust test), read without shuffling (the order NumPy's shuffle gives cannot be reproduced).
`max_length` cuts bytes, which can split a character: the incomplete
character's bytes are dropped here, as tf cuts at the character boundary before it (its
strings are UTF-8 text). Writes text_dataset.json.

Run: python gen_text_dataset.py (TensorFlow 2.21 + tf_keras 2.21).
"""
import json, os, tempfile
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf
import tf_keras as keras

TREE = {
    "neg/b.txt": "Awful. Just awful.",
    "neg/a.txt": "Boring plot, dull cast <br />and a bad end.",
    "neg/deeper/c.txt": "Dreadful — truly.",
    "neg/notes.md": "not a text file for Keras",
    "pos/z.txt": "Great fun!",
    "pos/m.txt": "Straße, café: superb acting.",
    "pos/a b.txt": "Lovely, lovely film",
    "unsup/x.txt": "neither",
}

root = tempfile.mkdtemp()
for rel, text in TREE.items():
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w", encoding="utf-8").write(text)

cases = []
def case(name, **args):
    try:
        ds = keras.utils.text_dataset_from_directory(root, shuffle=False, **args)
    except ValueError as e:
        cases.append({"name": name, "args": args, "error": str(e)})
        return
    batches = []
    for texts, labels in ds:
        batches.append({"texts": [t.decode("utf-8", errors="ignore") for t in texts.numpy().tolist()], "labels": labels.numpy().tolist()})
    cases.append({"name": name, "args": args, "class_names": ds.class_names,
                  "batches": batches})

case("default", batch_size=3)
case("class_names", class_names=["unsup", "pos", "neg"], batch_size=4)
case("class_names_not_all", class_names=["pos", "neg"], batch_size=4)
case("binary_three_classes", label_mode="binary", batch_size=2)
case("categorical", label_mode="categorical", batch_size=8)
case("max_length", max_length=10, batch_size=8)
case("validation", validation_split=0.3, subset="validation", batch_size=8)
case("training", validation_split=0.3, subset="training", batch_size=8)

json.dump({"tensorflow": tf.__version__, "tree": TREE, "cases": cases}, open("text_dataset.json", "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
