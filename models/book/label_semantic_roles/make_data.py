#!/usr/bin/env python3
"""A small synthetic CoNLL-05 set in the layout the chapter's get_data.sh leaves in data/.

    python3 make_data.py [--out data] [--train 600] [--test 100] [--seed 1]

writes OUT/feature (training) and OUT/test_feature: nine tab-separated columns per line, as
extract_dict_feature.py writes them (sentence, predicate, ctx_n2, ctx_n1, ctx_0, ctx_p1,
ctx_p2, marks, labels), OUT/word_dict, OUT/label_dict, OUT/predicate_dict (one entry a line,
id = line number) and OUT/train.list, OUT/test.list.

The marks come from the verb's place as extract_dict_feature.py computes them (1 on the verb
and up to two words either side). The rule to learn: the words left of the marked window form
an A0 chunk, the window a V chunk, the words right of it an A1 chunk (IOB tags). The chapter's
word embedding is static and zero until a pretrained one is loaded, so the rule depends only on
what the tagger can see: the marks. Standard library only.
"""
import argparse
import os
import random

LABELS = ["B-A0", "I-A0", "B-A1", "I-A1", "B-V", "I-V", "O"]


def chunk(tag, n):
    return ["B-" + tag] + ["I-" + tag] * (n - 1) if n else []


def line(rng, words, verbs):
    n = rng.randint(5, 12)
    sent = [rng.choice(words) for _ in range(n)]
    v = rng.randrange(n)
    sent[v] = rng.choice(verbs)
    lo, hi = max(0, v - 2), min(n - 1, v + 2)
    mark = [1 if lo <= i <= hi else 0 for i in range(n)]
    ctx = lambda i, edge: sent[i] if 0 <= i < n else edge
    labels = chunk("A0", lo) + chunk("V", hi - lo + 1) + chunk("A1", n - 1 - hi)
    cols = [" ".join(sent), sent[v], ctx(v - 2, "bos"), ctx(v - 1, "bos"), sent[v],
            ctx(v + 1, "eos"), ctx(v + 2, "eos"), " ".join(map(str, mark)), " ".join(labels)]
    return "\t".join(cols)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--test", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = ["word%d" % i for i in range(50)]
    verbs = ["verb%d" % i for i in range(8)]
    os.makedirs(a.out, exist_ok=True)
    for name, entries in (("word_dict", ["<unk>", "bos", "eos"] + words + verbs),
                          ("label_dict", LABELS), ("predicate_dict", verbs)):
        with open(os.path.join(a.out, name), "w") as f:
            f.write("".join(e + "\n" for e in entries))
    for name, n in (("feature", a.train), ("test_feature", a.test)):
        with open(os.path.join(a.out, name), "w") as f:
            f.write("".join(line(rng, words, verbs) + "\n" for _ in range(n)))
    with open(os.path.join(a.out, "train.list"), "w") as f:
        f.write("./data/feature\n")
    with open(os.path.join(a.out, "test.list"), "w") as f:
        f.write("./data/test_feature\n")


if __name__ == "__main__":
    main()
