# Writes npy/testdata/numpy/structured_ri.npy: a structured {real, imag}
# array as h5py returns MATLAB complex numbers, saved by numpy itself
# (run with /usr/bin/python3; numpy 1.24).
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
a = np.zeros((2, 3), dtype=[("real", "<f8"), ("imag", ">f4")])
a["real"] = np.arange(6).reshape(2, 3) * 1.5
a["imag"] = -np.arange(6).reshape(2, 3)
np.save(os.path.join(here, "numpy", "structured_ri.npy"), a)
