#!/usr/bin/env python3
"""model2vec-style inference in Python/numpy: the peer of `tidepool embed` on a static model.

model2vec's StaticModel.encode (MinishLab/model2vec, model2vec/model.py) tokenizes with the Rust
`tokenizers` package; neither `tokenizers` nor `model2vec` can be installed here (no PyPI), so the
tokenizer is a pure-Python WordPiece of the same BERT pipeline (BertNormalizer with clean_text,
CJK padding, lowercase + strip accents, BertPreTokenizer, greedy longest-match WordPiece), with a
whole-word cache as a fair Python implementation would have. Tokenizing and lookup+mean are timed
separately: the lookup+mean figure is what model2vec itself would spend after its (Rust) tokenizer.

Usage: model2vec_numpy_peer.py TEXTS.jsonl MODEL_DIR [--max-length 512] [--inspect FILE --check N]
TEXTS.jsonl: one JSON string per line. Prints one JSON summary line.
"""
import json
import struct
import sys
import time
import unicodedata

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[base + start : base + end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_chinese(cp):
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FA1F


class WordPiece:
    def __init__(self, tokenizer_json):
        model = tokenizer_json["model"]
        self.vocab = dict(model["vocab"])
        for added in tokenizer_json.get("added_tokens", []):
            self.vocab[added["content"]] = added["id"]
        self.prefix = model["continuing_subword_prefix"]
        self.max_chars = model.get("max_input_chars_per_word", 100)
        self.unk = self.vocab[model["unk_token"]]
        self.cache = {}

    def normalize(self, text):
        if text.isascii():
            return text.lower()
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")):
                continue
            if ch.isspace():
                out.append(" ")
            elif is_chinese(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out).lower()
        return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")

    def words(self, text):
        word = []
        for ch in text:
            if ch.isspace():
                if word:
                    yield "".join(word)
                    word = []
            elif is_punctuation(ch):
                if word:
                    yield "".join(word)
                    word = []
                yield ch
            else:
                word.append(ch)
        if word:
            yield "".join(word)

    def word_ids(self, word):
        if len(word) > self.max_chars:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text):
        ids = []
        cache = self.cache
        for word in self.words(self.normalize(text)):
            pieces = cache.get(word)
            if pieces is None:
                pieces = cache[word] = self.word_ids(word)
            ids.extend(pieces)
        return ids


def main():
    args = sys.argv[1:]
    texts_path, model_dir = args[0], args[1]
    max_length = int(args[args.index("--max-length") + 1]) if "--max-length" in args else 512
    inspect = args[args.index("--inspect") + 1] if "--inspect" in args else None
    check = int(args[args.index("--check") + 1]) if "--check" in args else 16
    with open(texts_path, encoding="utf8") as f:
        texts = [json.loads(line) for line in f]
    load_start = time.perf_counter()
    tensors = read_safetensors(f"{model_dir}/model.safetensors")
    embeddings = tensors["embeddings"].astype(np.float32)
    weights = tensors.get("weights")
    mapping = tensors.get("mapping")
    with open(f"{model_dir}/config.json", encoding="utf8") as f:
        normalize = json.load(f).get("normalize", True)
    with open(f"{model_dir}/tokenizer.json", encoding="utf8") as f:
        tokenizer_json = json.load(f)
    wordpiece = WordPiece(tokenizer_json)
    lengths = sorted(len(token) for token in wordpiece.vocab)
    median = int(np.median(lengths))
    load_seconds = time.perf_counter() - load_start

    # model2vec's tokenize: cut the text to max_length x median token length, encode, drop unk, cut to max_length.
    t0 = time.perf_counter()
    ids = []
    for text in texts:
        row = [i for i in wordpiece.encode(text[: max_length * median]) if i != wordpiece.unk]
        ids.append(row[:max_length])
    tokenize_seconds = time.perf_counter() - t0

    # model2vec's _encode_batch: mean of the (weighted) vectors, then normalise.
    t1 = time.perf_counter()
    dim = embeddings.shape[1]
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for r, row in enumerate(ids):
        if not row:
            continue
        rows = embeddings[row if mapping is None else mapping[row]]
        if weights is not None:
            rows = rows * weights[row][:, None]
        out[r] = rows.mean(axis=0)
    if normalize:
        out = out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-32)
    lookup_seconds = time.perf_counter() - t1

    if inspect:
        with open(inspect, "w", encoding="utf8") as f:
            json.dump({"vectors": out[:check].tolist(), "tokens": [len(row) for row in ids]}, f)
    total = tokenize_seconds + lookup_seconds
    print(json.dumps({
        "rows": len(texts), "tokens": sum(len(row) for row in ids), "loadSeconds": load_seconds,
        "tokenizeSeconds": tokenize_seconds, "lookupMeanSeconds": lookup_seconds, "seconds": total,
        "rowsPerSecond": len(texts) / total, "lookupMeanRowsPerSecond": len(texts) / lookup_seconds,
        "numpy": np.__version__, "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
