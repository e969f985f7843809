"""GPU peer of bench/gpu.mjs: the naive farthest-first (k-center greedy) loop in PyTorch, one GPU.

One pass over all N points per pick, as a PyTorch user writes it:

    min_d = dist(X, X[first]); picks = [first]
    repeat k - 1 times: i = argmax(min_d); picks.append(i); min_d = minimum(min_d, dist(X, X[i]))

with dist, the squared Euclidean distance to one center, in one of three forms (--form):
    sub       ((X - c) ** 2).sum(1), eager (three kernels, two N x d temporaries); in fp16 the sum
              accumulates and returns float32 (sum(..., dtype=float32)), the difference and square
              are float16
    mm        |x|^2 - 2 x.c + |c|^2 with |x|^2 computed once (float32) and x.c a matrix-vector
              product (cuBLAS; in fp16 with float32 output where torch.mm takes out_dtype, else the
              float16 product is widened), clamped at 0: one read of X per pick
    compiled  torch.compile of ((X.float() - c.float()) ** 2).sum(1): one fused kernel, float32
              arithmetic on the stored values (exactly the greedy on the float16 values in fp16)
min_d is float32 in every form. torch.argmax returns the first maximal index, so ties go to the
lowest row, as in tidepool. X lives on the GPU in --precision (fp16: rounded from the float32 file).
The loop never syncs the host except every 128 picks for the time box; it is timed with
torch.cuda.synchronize around it, after one untimed warm-up distance (cuBLAS handles, compilation).

    torch_greedy.py --npy X.npy --k K [--first 0] [--precision fp32|fp16] [--form sub|mm|compiled]
                    [--max-seconds S] [--out picks.json]
        --max-seconds: stop the loop after about S seconds and extrapolate linearly to k (every pick
        costs one pass, so the per-pick cost is flat). Prints one JSON line (the summary); --out
        also gets the picks.
"""
import argparse
import json
import time

import numpy as np
import torch

CHUNK_ROWS = 1 << 18


def load(path: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """The .npy matrix on the GPU in dtype, copied in chunks (host memory stays at one chunk)."""
    host = np.load(path, mmap_mode="r")
    if host.ndim != 2 or host.dtype not in (np.float32, np.float16):
        raise SystemExit(f"{path}: expected a 2-D float32/float16 matrix, found {host.dtype} {host.shape}")
    n, d = host.shape
    X = torch.empty((n, d), dtype=dtype, device=device)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        X[start:stop] = torch.from_numpy(np.array(host[start:stop], dtype=host.dtype)).to(device).to(dtype)
    return X


def distance_function(form: str, X: torch.Tensor):
    """dist(c) -> float32 squared distances of every row of X to c (shape [1, d])."""
    if form == "sub":
        if X.dtype == torch.float32:
            return lambda c: ((X - c) ** 2).sum(1), "float32 throughout"
        return lambda c: torch.sum((X - c) ** 2, dim=1, dtype=torch.float32), "float16 difference and square, float32 sum"
    if form == "mm":
        norms = torch.empty(X.shape[0], dtype=torch.float32, device=X.device)
        for start in range(0, X.shape[0], CHUNK_ROWS):
            part = X[start:start + CHUNK_ROWS].float()
            norms[start:start + CHUNK_ROWS] = (part * part).sum(1)
        if X.dtype == torch.float32:
            note = "float32 GEMV (cuBLAS; TF32 off: torch.backends.cuda.matmul.allow_tf32 = False)"

            def dot(c):
                return torch.mm(X, c.t()).squeeze(1)
        else:
            try:
                torch.mm(X[:2], X[:1].t(), out_dtype=torch.float32)
                note = "float16 GEMV with float32 output (torch.mm out_dtype)"

                def dot(c):
                    return torch.mm(X, c.t(), out_dtype=torch.float32).squeeze(1)
            except (TypeError, RuntimeError):
                note = "float16 GEMV, float16 output widened to float32"

                def dot(c):
                    return torch.mm(X, c.t()).squeeze(1).float()

        def dist(c):
            c_norm = (c.float() * c.float()).sum()
            return (norms - 2 * dot(c) + c_norm).clamp_(min=0)
        return dist, f"|x|^2 - 2 x.c + |c|^2: {note}"
    if form == "compiled":
        fused = torch.compile(lambda X, c: ((X.float() - c.float()) ** 2).sum(1), dynamic=False)
        return (lambda c: fused(X, c)), "torch.compile fused kernel, float32 arithmetic"
    raise SystemExit(f"unknown --form {form}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npy", required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--precision", choices=["fp32", "fp16"], default="fp32")
    parser.add_argument("--form", choices=["sub", "mm", "compiled"], default="sub")
    parser.add_argument("--max-seconds", type=float, default=0, help="time box of the loop (0: none)")
    parser.add_argument("--out", help="JSON file for the summary with the picks")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    device = torch.device("cuda")
    dtype = torch.float16 if args.precision == "fp16" else torch.float32

    started = time.perf_counter()
    X = load(args.npy, dtype, device)
    torch.cuda.synchronize()
    load_seconds = time.perf_counter() - started
    n, d = X.shape
    k = min(args.k, n)

    warm = time.perf_counter()
    dist, arithmetic = distance_function(args.form, X)
    first = X[args.first:args.first + 1]
    dist(first)
    torch.cuda.synchronize()
    warmup_seconds = time.perf_counter() - warm

    picks = torch.empty(k, dtype=torch.int64, device=device)
    picks[0] = args.first
    loop_started = time.perf_counter()
    min_d = dist(first).clone()
    run = 1
    while run < k:
        index = torch.argmax(min_d)
        picks[run] = index
        center = X.index_select(0, index.view(1))
        torch.minimum(min_d, dist(center), out=min_d)
        run += 1
        if args.max_seconds > 0 and run % 128 == 0:
            torch.cuda.synchronize()
            if time.perf_counter() - loop_started > args.max_seconds:
                break
    torch.cuda.synchronize()
    loop_seconds = time.perf_counter() - loop_started

    per_pick = loop_seconds / run
    summary = {
        "n": n,
        "d": d,
        "k": k,
        "first": args.first,
        "precision": args.precision,
        "form": args.form,
        "arithmetic": arithmetic,
        "picksRun": run,
        "loadSeconds": load_seconds,
        "warmupSeconds": warmup_seconds,
        "seconds": loop_seconds,
        "secondsPerPick": per_pick,
        "extrapolatedSeconds": per_pick * k,
        # min_d holds every pick's distances, so after all k picks its max is the covering radius.
        "radius": float(min_d.max().sqrt()) if run == k else None,
        "peakGpuMiB": round(torch.cuda.max_memory_allocated() / 2**20),
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({**summary, "picks": picks[:run].tolist()}, handle)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
