#!/usr/bin/env python3
"""A small synthetic MovieLens in the layout the chapter's preprocess.sh leaves in data/.

    python3 make_data.py [--out data] [--users 200] [--movies 120] [--ratings 9000] [--seed 1]

writes OUT/meta.bin (the pickle meta_generator.py writes: meta['movie'] and meta['user'] with
'__meta__': {'raw_meta': [...], 'feature_map': [...]} and the feature values per id),
OUT/ratings.dat.train and OUT/ratings.dat.test (`user::movie::score::timestamp` lines, a tenth
of each user's ratings held out as split.py does) and OUT/train.list, OUT/test.list.
Each user likes the genre given by their occupation: they rate movies of that genre 5 and the
others 1, so a model that learns beats the constant predictor by far. Standard library only;
the pickle is protocol 2, which Python 2 reads.
"""
import argparse
import os
import pickle
import random

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Thriller"]
AGES = [1, 18, 25, 35, 45, 50, 56]
LETTERS = "abcdefghijklmnopqrstuvwxyz "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--movies", type=int, default=120)
    ap.add_argument("--ratings", type=int, default=9000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    title_chars = list(LETTERS)  # the char_based dict, in first-seen order
    movies = {}
    by_genre = {g: [] for g in range(len(GENRES))}
    for mid in range(1, a.movies + 1):
        title = "".join(rng.choice(LETTERS[:-1]) for _ in range(rng.randint(3, 9)))
        genre = rng.randrange(len(GENRES))
        one_hot = [1.0 if g == genre else 0.0 for g in range(len(GENRES))]
        movies[mid] = [[title_chars.index(ch) for ch in title], one_hot]
        by_genre[genre].append(mid)
    users = {}
    liked = {}
    for uid in range(1, a.users + 1):
        occupation = rng.randrange(21)
        users[uid] = [rng.randrange(2), rng.randrange(len(AGES)), occupation]
        liked[uid] = occupation % len(GENRES)

    movie_meta = [
        {"is_key": True, "max": a.movies, "min": 1, "count": a.movies, "type": "id"},
        {"name": "title", "dict": title_chars, "type": "embedding", "seq": "sequence"},
        {"dict": GENRES, "name": "genres", "type": "one_hot_dense"},
    ]
    user_meta = [
        {"is_key": True, "max": a.users, "min": 1, "count": a.users, "type": "id"},
        {"name": "gender", "dict": ["F", "M"], "type": "embedding", "seq": "no_sequence"},
        {"name": "age", "dict": [str(x) for x in AGES], "type": "embedding", "seq": "no_sequence"},
        {"name": "occupation", "dict": [str(x) for x in range(21)], "type": "embedding",
         "seq": "no_sequence"},
    ]
    meta = {
        "movie": dict(movies, __meta__={"raw_meta": movie_meta, "feature_map": [1, 2]}),
        "user": dict(users, __meta__={"raw_meta": user_meta, "feature_map": [1, 2, 3]}),
    }
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "meta.bin"), "wb") as f:
        pickle.dump(meta, f, 2)

    per_user = {u: [] for u in users}
    for _ in range(a.ratings):
        uid = rng.randint(1, a.users)
        likes = rng.random() < 0.5
        genre = liked[uid] if likes else rng.choice(
            [g for g in range(len(GENRES)) if g != liked[uid]])
        mid = rng.choice(by_genre[genre] or [1])
        score = 5 if movies[mid][1][liked[uid]] == 1.0 else 1
        per_user[uid].append("%d::%d::%d::%d" % (uid, mid, score, 978300000 + rng.randrange(10**6)))
    train, test = [], []
    for uid in sorted(per_user):
        lines = per_user[uid]
        rng.shuffle(lines)
        n_test = int(len(lines) * 0.1)
        test += lines[:n_test]
        train += lines[n_test:]
    rng.shuffle(train)
    for name, lines in (("ratings.dat.train", train), ("ratings.dat.test", test)):
        with open(os.path.join(a.out, name), "w") as f:
            f.write("".join(l + "\n" for l in lines))
    with open(os.path.join(a.out, "train.list"), "w") as f:
        f.write("./data/ratings.dat.train\n")
    with open(os.path.join(a.out, "test.list"), "w") as f:
        f.write("./data/ratings.dat.test\n")


if __name__ == "__main__":
    main()
