#!/usr/bin/env python3
"""Small synthetic digits in MNIST's idx files, where mnist_provider.py reads them.

    python3 make_data.py [--out data] [--train 2000] [--test 500] [--seed 1]

writes OUT/raw_data/{train,t10k}-images-idx3-ubyte and -labels-idx1-ubyte (big-endian idx
headers, 28x28 uint8 images) and OUT/train.list, OUT/test.list naming the prefixes as
./data/raw_data/train and ./data/raw_data/t10k. Digit k is a bright stroke whose place and
direction depend on k, drawn at a random offset over noise, so the classes are separable but
not by a single pixel. Standard library only.
"""
import argparse
import os
import random
import struct


def image(rng, k):
    px = [rng.randint(0, 60) for _ in range(28 * 28)]
    dx, dy = rng.randint(-1, 1), rng.randint(-1, 1)
    for t in range(6, 22):
        if k < 5:
            r, c = 4 + 4 * k + dy, t + dx  # a horizontal stroke in one of five rows
        else:
            r, c = t + dy, 4 + 4 * (k - 5) + dx  # a vertical stroke in one of five columns
        for w in (0, 1):
            rr, cc = (r + w, c) if k < 5 else (r, c + w)
            if 0 <= rr < 28 and 0 <= cc < 28:
                px[rr * 28 + cc] = rng.randint(200, 255)
    return px


def write(prefix, n, rng):
    labels = [rng.randrange(10) for _ in range(n)]
    with open(prefix + "-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28))
        for k in labels:
            f.write(bytes(image(rng, k)))
    with open(prefix + "-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 2049, n))
        f.write(bytes(labels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--test", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    raw = os.path.join(a.out, "raw_data")
    os.makedirs(raw, exist_ok=True)
    write(os.path.join(raw, "train"), a.train, rng)
    write(os.path.join(raw, "t10k"), a.test, rng)
    with open(os.path.join(a.out, "train.list"), "w") as f:
        f.write("./data/raw_data/train\n")
    with open(os.path.join(a.out, "test.list"), "w") as f:
        f.write("./data/raw_data/t10k\n")


if __name__ == "__main__":
    main()
