/** Shared texts and paths for the decontam tests. */
import { fileURLToPath } from 'node:url';

/** Folder of the synthetic benchmark fixtures. */
export const BENCHMARKS = fileURLToPath(new URL('../../fixtures/benchmarks/', import.meta.url));

/** The first HumanEval-style fixture problem, prompt plus solution, as its file holds it. */
export const RUNNING_MAXIMUM = `from typing import List


def running_maximum(values: List[int]) -> List[int]:
    """ Return a list where each position holds the largest value seen so far.
    >>> running_maximum([3, 1, 4, 1, 5])
    [3, 3, 4, 4, 5]
    """
    result = []
    current = None
    for value in values:
        if current is None or value > current:
            current = value
        result.append(current)
    return result
`;

/** The same function with every name, the docstring and the layout changed: exact misses it, n-grams do not. */
export const RUNNING_MAXIMUM_RENAMED = `def prefix_peaks(seq: Sequence[int]) -> Sequence[int]:
    '''Peaks of every prefix.'''
    out = []
    best = None
    for item in seq:
        if best is None or item > best:
            best = item
        out.append(best)
    return out
`;

/** Code unrelated to every fixture problem. */
export const UNRELATED = `def parse_config(path):
    with open(path) as handle:
        lines = [line.strip() for line in handle if line.strip()]
    settings = {}
    for line in lines:
        key, _, raw = line.partition('=')
        settings[key.strip()] = raw.strip()
    return settings
`;
