"""GPU peer of bench/gpu.mjs: sentence embeddings with Hugging Face transformers' BertModel on one GPU.

The model is built from the model folder's config.json (BertConfig; no download, no pooler), cast to
--precision, and run with transformers' default attention (SDPA). Its weights are the ONNX model's
when --onnx is given and the onnx package is importable (the tidepool native model names its
initializers as BertModel's state dict, linear weights stored [in, out]), so the vectors can be
compared with tidepool's; otherwise they stay random (speed is the same).

Input: the token ids tidepool's tokenizer produced (bench/gpu.mjs writes them), as two .npy files:
ids (int32, every row's ids concatenated, special tokens included) and lengths (int32, one per row).
Rows are sorted by length (longest first, as sentence-transformers does) and cut into batches of at
most --batch-tokens rows x padded length; each batch is padded to its longest row. Then masked mean
pooling over the token vectors (float32) and L2 normalisation.

Timed (torch.cuda.synchronize on both ends): moving every batch to the GPU, the forward pass,
pooling and bringing the pooled vectors back to the host; after one untimed warm-up batch (the
longest). Not timed: building the model, loading weights, padding the batches on the host.

    torch_embed.py --model-dir DIR --ids ids.npy --lengths lengths.npy [--precision fp16|fp32]
                   [--batch-tokens 16384] [--onnx DIR/onnx/model.onnx] [--check 64 --check-out v.npy]
                   [--max-seconds S]
        --check N: write the vectors of the first N rows (input order) to --check-out (float32 .npy).
        --max-seconds: stop after about S seconds of embedding (rows/s is then over the rows done).
        Prints one JSON line.
"""
import argparse
import json
import time

import numpy as np
import torch
from transformers import BertConfig, BertModel


def load_onnx_weights(model: BertModel, path: str) -> dict:
    """Copies the ONNX initializers named like the state dict into the model."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as error:
        return {"loaded": 0, "note": f"onnx not importable ({error}): random weights"}
    graph = onnx.load(path).graph
    state = model.state_dict()
    loaded = 0
    with torch.no_grad():
        for initializer in graph.initializer:
            if initializer.name not in state:
                continue
            array = numpy_helper.to_array(initializer)
            target = state[initializer.name]
            # Linear weights are stored [in, out] in the ONNX graph, [out, in] in torch.
            if array.ndim == 2 and "embeddings" not in initializer.name:
                array = array.T
            if tuple(array.shape) != tuple(target.shape):
                raise SystemExit(f"{initializer.name}: ONNX shape {array.shape}, model shape {tuple(target.shape)}")
            target.copy_(torch.from_numpy(np.ascontiguousarray(array)))
            loaded += 1
    names = {initializer.name for initializer in graph.initializer}
    expected = [name for name in state if not name.endswith("position_ids")]
    missing = [name for name in expected if name not in names]
    return {"loaded": loaded, "expected": len(expected), "missing": missing[:10], "note": "weights from the ONNX model" if not missing else "SOME WEIGHTS MISSING"}


def plan_batches(lengths: np.ndarray, batch_tokens: int) -> list:
    """Row indices per batch: longest first, rows x padded length <= batch_tokens (at least one row)."""
    order = np.argsort(-lengths, kind="stable")
    batches, current, longest = [], [], 0
    for row in order:
        length = int(lengths[row])
        if current and (len(current) + 1) * max(longest, length) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(int(row))
        longest = max(longest, length)
    if current:
        batches.append(current)
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--lengths", required=True)
    parser.add_argument("--precision", choices=["fp32", "fp16"], default="fp16")
    parser.add_argument("--batch-tokens", type=int, default=16384)
    parser.add_argument("--onnx")
    parser.add_argument("--check", type=int, default=0)
    parser.add_argument("--check-out")
    parser.add_argument("--max-seconds", type=float, default=0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    device = torch.device("cuda")
    dtype = torch.float16 if args.precision == "fp16" else torch.float32

    started = time.perf_counter()
    config = BertConfig.from_json_file(f"{args.model_dir}/config.json")
    model = BertModel(config, add_pooling_layer=False)
    weights = load_onnx_weights(model, args.onnx) if args.onnx else {"loaded": 0, "note": "random weights"}
    model = model.to(device=device, dtype=dtype).eval()
    build_seconds = time.perf_counter() - started

    ids = np.load(args.ids).astype(np.int64)
    lengths = np.load(args.lengths).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    rows = len(lengths)
    batches = []
    padded_tokens = 0
    for members in plan_batches(lengths, args.batch_tokens):
        width = int(lengths[members].max())
        input_ids = np.zeros((len(members), width), dtype=np.int64)
        mask = np.zeros((len(members), width), dtype=np.int64)
        for slot, row in enumerate(members):
            input_ids[slot, : lengths[row]] = ids[offsets[row]:offsets[row + 1]]
            mask[slot, : lengths[row]] = 1
        padded_tokens += len(members) * width
        batches.append((members, torch.from_numpy(input_ids).pin_memory(), torch.from_numpy(mask).pin_memory()))

    def embed(input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        input_ids = input_ids.to(device, non_blocking=True)
        mask = mask.to(device, non_blocking=True)
        hidden = model(input_ids=input_ids, attention_mask=mask, token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        weight = mask.unsqueeze(-1).to(torch.float32)
        pooled = (hidden.float() * weight).sum(1) / weight.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled, dim=1)

    with torch.inference_mode():
        warm = time.perf_counter()
        embed(batches[0][1], batches[0][2]).cpu()
        torch.cuda.synchronize()
        warmup_seconds = time.perf_counter() - warm

        # Rows the time box left out stay NaN (bench/gpu.mjs skips them).
        vectors = np.full((min(args.check, rows), config.hidden_size), np.nan, dtype=np.float32)
        done_rows = done_tokens = 0
        torch.cuda.synchronize()
        loop_started = time.perf_counter()
        pending = []
        for members, input_ids, mask in batches:
            pending.append((members, embed(input_ids, mask).to("cpu", non_blocking=True)))
            done_rows += len(members)
            done_tokens += int(lengths[members].sum())
            if args.max_seconds > 0 and len(pending) % 16 == 0:
                torch.cuda.synchronize()
                if time.perf_counter() - loop_started > args.max_seconds:
                    break
        torch.cuda.synchronize()
        seconds = time.perf_counter() - loop_started
    for members, pooled in pending:
        for slot, row in enumerate(members):
            if row < len(vectors):
                vectors[row] = pooled[slot].numpy()
    if args.check_out and len(vectors) > 0:
        np.save(args.check_out, vectors)

    print(json.dumps({
        "rows": done_rows,
        "rowsTotal": rows,
        "tokens": done_tokens,
        "tokensTotal": int(lengths.sum()),
        "paddedTokensTotal": padded_tokens,
        "paddingFraction": 1 - int(lengths.sum()) / padded_tokens,
        "batches": len(batches),
        "batchTokens": args.batch_tokens,
        "precision": args.precision,
        "attention": getattr(model.config, "_attn_implementation", None),
        "seconds": seconds,
        "rowsPerSecond": done_rows / seconds,
        "tokensPerSecond": done_tokens / seconds,
        "buildSeconds": build_seconds,
        "warmupSeconds": warmup_seconds,
        "weights": weights,
        "peakGpuMiB": round(torch.cuda.max_memory_allocated() / 2**20),
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
    }))


if __name__ == "__main__":
    main()
