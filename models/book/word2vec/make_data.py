#!/usr/bin/env python3
"""A small synthetic corpus in the place of the PTB files ngram.py names.

    python3 make_data.py [--out data] [--sentences 1500] [--words 40] [--seed 1]

writes OUT/simple-examples/data/ptb.train.txt and ptb.valid.txt (one sentence a line) and
OUT/train.list, OUT/test.list naming them. The vocabulary is --words words, '<unk>' among them
as in PTB; each must be seen more than the provider's cutoff of 50 times to enter the
dictionary (about 8 words a sentence: give at least 7 sentences a word). Each sentence walks a fixed
cycle of the words from a random start, so the fifth word of an n-gram follows from the
fourth: a model that learns predicts it far better than the unigram frequencies do.
Standard library only.
"""
import argparse
import os
import random

def sentence(rng, order):
    at = rng.randrange(len(order))
    n = rng.randint(4, 12)
    return " ".join(order[(at + i) % len(order)] for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--sentences", type=int, default=1500)
    ap.add_argument("--words", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    order = ["<unk>"] + ["w%02d" % i for i in range(a.words - 1)]
    rng.shuffle(order)
    d = os.path.join(a.out, "simple-examples", "data")
    os.makedirs(d, exist_ok=True)
    for name, n in (("ptb.train.txt", a.sentences), ("ptb.valid.txt", a.sentences // 5)):
        with open(os.path.join(d, name), "w") as f:
            for _ in range(n):
                f.write(" " + sentence(rng, order) + " \n")
    with open(os.path.join(a.out, "train.list"), "w") as f:
        f.write("data/simple-examples/data/ptb.train.txt\n")
    with open(os.path.join(a.out, "test.list"), "w") as f:
        f.write("data/simple-examples/data/ptb.valid.txt\n")


if __name__ == "__main__":
    main()
