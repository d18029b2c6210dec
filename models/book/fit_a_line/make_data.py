#!/usr/bin/env python3
"""A small synthetic stand-in for the UCI housing data, in the layout prepare_data.py writes.

    python3 make_data.py [--out data] [--rows 500] [--seed 1]

writes OUT/housing.train.npy and OUT/housing.test.npy (float64 arrays of rows x 14: thirteen
features scaled as prepare_data.py scales them, then the price) and OUT/train.list,
OUT/test.list naming them as data/... (run the chapter from the folder that holds data/).
The price is a fixed linear function of the features plus noise, so a trained fit_a_line
model predicts it far better than the mean price does. Standard library only (no numpy).
"""
import argparse
import os
import random
import struct


def write_npy(path, rows):
    n, m = len(rows), len(rows[0])
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (n, m)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for r in rows:
            f.write(struct.pack("<%dd" % m, *r))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    weights = [rng.uniform(-10, 10) for _ in range(13)]
    rows = []
    for _ in range(a.rows):
        # (x - mean) / (max - min) leaves each feature within about [-0.5, 0.5].
        x = [rng.uniform(-0.5, 0.5) for _ in range(13)]
        price = 22.5 + sum(w * v for w, v in zip(weights, x)) + rng.gauss(0, 0.5)
        rows.append(x + [price])
    os.makedirs(a.out, exist_ok=True)
    offset = int(len(rows) * 0.8)
    write_npy(os.path.join(a.out, "housing.train.npy"), rows[:offset])
    write_npy(os.path.join(a.out, "housing.test.npy"), rows[offset:])
    with open(os.path.join(a.out, "train.list"), "w") as f:
        f.write("data/housing.train.npy\n")
    with open(os.path.join(a.out, "test.list"), "w") as f:
        f.write("data/housing.test.npy\n")


if __name__ == "__main__":
    main()
