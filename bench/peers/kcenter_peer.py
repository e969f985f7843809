"""The peer for the select benchmark: the k-center greedy loop WaveCoder ships.

WaveCoder picks its diverse coreset with google/active-learning's KCenterGreedy: the features are
cast to float64, the first center's distances seed min_distances, and every pick computes
sklearn.metrics.pairwise_distances(X, X[[ind]]) (one full pass over X), folds it in with
np.minimum and takes np.argmax as the next center. This is that loop, written afresh.

    kcenter_peer.py X.npy --k K [--first 0] [--max-picks P]
        Runs the loop; with --max-picks it stops after P picks and extrapolates linearly to k (every
        pick costs one full pass, so the per-pick cost is flat). Prints one JSON line:
        {"picks", "seconds", "secondsPerPick", "extrapolatedSeconds", "setupSeconds", "radius", ...}.

    kcenter_peer.py X.npy --agreement PICKS.json
        PICKS.json holds {"a": [...], "b": [...]} (two pick lists in pick order). Prints the first
        index where they differ and, there, each candidate's float64 Euclidean min-distance to the
        common earlier picks with their relative difference (greedy's near-tie contract: 1e-6).

    kcenter_peer.py X.npy --radii RADII.json
        RADII.json holds {"picks": [...], "radii": [...], "tolerance": T} (a run's picks and the radius
        it recorded for each). Recomputes every pick's radius independently, in float64: its
        Euclidean distance to the nearest earlier pick. Prints how many differ from the recorded ones
        by more than T in squared distance, and the largest difference.
"""
import argparse
import json
import time

import numpy as np
from sklearn.metrics import pairwise_distances

from peer_common import blas_info, peak_rss_mib


def select(path: str, k: int, first: int, max_picks: int) -> dict:
    started = time.perf_counter()
    X = np.load(path)
    X = X.astype(np.float64)
    n = X.shape[0]
    k = min(k, n)
    picks_to_run = k if max_picks <= 0 else min(k, max_picks)
    setup = time.perf_counter() - started

    loop_started = time.perf_counter()
    min_distances = None
    picks = []
    for _ in range(picks_to_run):
        ind = first if min_distances is None else int(np.argmax(min_distances))
        dist = pairwise_distances(X, X[[ind]], metric="euclidean")
        min_distances = dist if min_distances is None else np.minimum(min_distances, dist)
        picks.append(ind)
    loop = time.perf_counter() - loop_started

    per_pick = loop / max(picks_to_run, 1)
    return {
        "n": n,
        "d": X.shape[1],
        "k": k,
        "picksRun": picks_to_run,
        "picks": picks,
        "seconds": setup + loop,
        "setupSeconds": setup,
        "secondsPerPick": per_pick,
        "extrapolatedSeconds": setup + per_pick * k,
        # Every pick's distances are folded in, so when all k ran this is the exact covering radius.
        "radius": float(np.max(min_distances)) if picks_to_run == k else None,
        "peakRssMiB": peak_rss_mib(),
        "blas": blas_info(),
    }


def agreement(path: str, picks_path: str) -> dict:
    with open(picks_path) as handle:
        lists = json.load(handle)
    a, b = lists["a"], lists["b"]
    compared = min(len(a), len(b))
    index = next((i for i in range(compared) if a[i] != b[i]), None)
    result = {"compared": compared, "firstDifference": index}
    if index is None:
        return result
    X = np.load(path, mmap_mode="r")
    if index == 0:
        result.update({"a": {"row": a[0], "minDistance": None}, "b": {"row": b[0], "minDistance": None}, "relativeDifference": None})
        return result
    earlier = np.asarray(X[np.asarray(a[:index])], dtype=np.float64)

    def min_distance(row: int) -> float:
        return float(np.sqrt(((earlier - np.asarray(X[row], dtype=np.float64)) ** 2).sum(axis=1)).min())

    da, db = min_distance(a[index]), min_distance(b[index])
    result.update({
        "a": {"row": a[index], "minDistance": da},
        "b": {"row": b[index], "minDistance": db},
        "relativeDifference": abs(da - db) / max(da, db) if max(da, db) > 0 else 0.0,
    })
    return result


def radii(path: str, radii_path: str) -> dict:
    with open(radii_path) as handle:
        given = json.load(handle)
    picks, recorded, tolerance = given["picks"], given["radii"], given["tolerance"]
    X = np.load(path, mmap_mode="r")
    P = np.asarray(X[np.asarray(picks)], dtype=np.float64)
    norms = (P * P).sum(axis=1)
    worst, over, checked = 0.0, 0, 0
    block = 1024
    for start in range(1, len(picks), block):
        end = min(start + block, len(picks))
        # Squared distances of picks [start, end) to every pick before end, float64.
        d2 = norms[start:end, None] + norms[None, :end] - 2.0 * (P[start:end] @ P[:end].T)
        mask = np.arange(end)[None, :] >= np.arange(start, end)[:, None]
        d2[mask] = np.inf
        exact = np.maximum(d2.min(axis=1), 0.0)
        mine = np.asarray(recorded[start:end], dtype=np.float64) ** 2
        diff = np.abs(mine - exact)
        worst = max(worst, float(diff.max()))
        over += int((diff > tolerance).sum())
        checked += end - start
    return {"checked": checked, "over": over, "largestDifference": worst, "tolerance": tolerance}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("embeddings")
    parser.add_argument("--k", type=int)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--max-picks", type=int, default=0, help="run only the first P picks and extrapolate to k")
    parser.add_argument("--agreement", help="JSON file {a: picks, b: picks} to compare instead of selecting")
    parser.add_argument("--radii", help="JSON file {picks, radii, tolerance} whose radii to recompute instead of selecting")
    args = parser.parse_args()
    if args.radii:
        print(json.dumps(radii(args.embeddings, args.radii)))
    elif args.agreement:
        print(json.dumps(agreement(args.embeddings, args.agreement)))
    elif args.k is None:
        parser.error("--k is required")
    else:
        print(json.dumps(select(args.embeddings, args.k, args.first, args.max_picks)))


if __name__ == "__main__":
    main()
