"""The peer for the ingest benchmark: what a user's plain Python script would do with the same file.

Reads a CodeSearchNet-style .jsonl.gz line by line, json.loads each line, keeps records with string
code/docstring/language, and drops exact duplicates of whitespace-stripped code (a set of hashes).
It writes nothing, so it is a lower bound on such a script's time. Prints one JSON line.
"""
import gzip
import hashlib
import json
import re
import resource
import sys
import time

WHITESPACE = re.compile(r"\s+")


def main(path: str) -> None:
    started = time.perf_counter()
    seen = set()
    read = kept = duplicates = rejected = 0
    with gzip.open(path, "rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            read += 1
            try:
                record = json.loads(line)
                code = record.get("code", record.get("func_code_string"))
                if not isinstance(code, str) or not isinstance(record.get("docstring", record.get("func_documentation_string")), str):
                    raise ValueError("missing field")
            except ValueError:
                rejected += 1
                continue
            key = hashlib.md5(WHITESPACE.sub("", code).encode()).digest()[:8]
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            kept += 1
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"read": read, "kept": kept, "duplicates": duplicates, "rejected": rejected, "seconds": seconds, "peakRssMiB": peak_mib}))


if __name__ == "__main__":
    main(sys.argv[1])
