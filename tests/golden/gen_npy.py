"""Writes small .npy/.npz files with NumPy itself for tests/npy.rs.

Run: /path/to/venv/bin/python tests/golden/gen_npy.py
"""
import os

import numpy as np

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
np.save(os.path.join(d, "f32_2x3.npy"), np.arange(6, dtype="<f4").reshape(2, 3) / 4)
np.save(os.path.join(d, "i64_vec.npy"), np.array([-3, 0, 7, 2**40], dtype="<i8"))
np.save(os.path.join(d, "u8_fortran.npy"), np.asfortranarray(np.arange(6, dtype="u1").reshape(2, 3)))
np.save(os.path.join(d, "bool_scalar.npy"), np.array(True))
np.save(os.path.join(d, "f64_big_endian.npy"), np.array([1.5, -2.25], dtype=">f8"))
x = np.arange(12, dtype="<i4").reshape(3, 4)
y = np.array([0.5, 1.5, 2.5], dtype="<f8")
np.savez(os.path.join(d, "pair.npz"), x=x, y=y)
np.savez_compressed(os.path.join(d, "pair_compressed.npz"), x=x, y=y)
print("ok")
