"""A second peer for the select benchmark: plain float32 numpy k-center greedy, one pass per pick.

What a numpy user writes when the sklearn loop is too slow: keep X in float32, precompute the
squared row norms once, and per pick get squared distances as |x|^2 + |c|^2 - 2 X @ c (one BLAS
matrix-vector product, a memory-bandwidth-bound pass over X), fold them in with np.minimum and
take np.argmax. Squared float32 distances by expansion carry ~1e-7 absolute error, so near-ties may
break differently from exact float64 greedy.

    kcenter_numpy32.py X.npy --k K [--first 0] [--max-picks P]
        Same options and JSON line as kcenter_peer.py.
"""
import argparse
import json
import time

import numpy as np

from peer_common import blas_info, peak_rss_mib


def select(path: str, k: int, first: int, max_picks: int) -> dict:
    started = time.perf_counter()
    X = np.load(path)
    if X.dtype != np.float32:
        X = X.astype(np.float32)
    n = X.shape[0]
    k = min(k, n)
    picks_to_run = k if max_picks <= 0 else min(k, max_picks)
    norms = np.einsum("ij,ij->i", X, X)
    min_distances = np.full(n, np.inf, dtype=np.float32)
    setup = time.perf_counter() - started

    loop_started = time.perf_counter()
    picks = []
    for t in range(picks_to_run):
        ind = first if t == 0 else int(np.argmax(min_distances))
        dist = X @ X[ind]
        dist *= np.float32(-2)
        dist += norms
        dist += norms[ind]
        np.minimum(min_distances, dist, out=min_distances)
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
        "radius": float(np.sqrt(max(float(min_distances.max()), 0.0))) if picks_to_run == k else None,
        "peakRssMiB": peak_rss_mib(),
        "blas": blas_info(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("embeddings")
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--max-picks", type=int, default=0, help="run only the first P picks and extrapolate to k")
    args = parser.parse_args()
    print(json.dumps(select(args.embeddings, args.k, args.first, args.max_picks)))


if __name__ == "__main__":
    main()
