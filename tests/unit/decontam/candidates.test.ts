import { describe, expect, it } from 'vitest';
import { floorsFor, formatCandidateLine, parseCandidateLine, passingFindings, shiftCandidateLine, type Candidate, type CandidateLine } from '../../../src/decontam/candidates.js';
import { formatHistograms, scoreHistograms } from '../../../src/decontam/histogram.js';

const candidate = (detector: Candidate['detector'], score: number, item = 0, benchmark = 'he/T/0'): Candidate => ({ item, benchmark, detector, score, evidence: 'x' });

describe('candidates.jsonl lines', () => {
  it('floors are the constants, or the threshold when it is lower', () => {
    expect(floorsFor({ ngram: 0.5, embedding: 0.9 })).toEqual({ ngram: 0.2, embedding: 0.7 });
    expect(floorsFor({ ngram: 0.1, embedding: 0.5 })).toEqual({ ngram: 0.1, embedding: 0.5 });
  });

  it('round-trip, with `record` first so that a merge can renumber a line', () => {
    const line: CandidateLine = { record: 7, row_id: 12, removed: true, candidates: [candidate('ngram', 0.55)], kept: '{"a": 1}' };
    const text = formatCandidateLine(line);
    expect(text.startsWith('{"record":7,')).toBe(true);
    expect(parseCandidateLine(text, 'c.jsonl', 1)).toEqual(line);
    expect(parseCandidateLine(shiftCandidateLine(text, 100), 'c.jsonl', 1)).toEqual({ ...line, record: 107 });
    expect(() => parseCandidateLine('{"record":1,"removed":true,"candidates":[]}', 'c.jsonl', 3)).toThrow(/c\.jsonl:3/);
  });

  it('a candidate passes at a score equal to the threshold; exact always passes', () => {
    const found = passingFindings([candidate('exact', 0.1), candidate('ngram', 0.5), candidate('ngram', 0.49), candidate('embedding', 0.9), candidate('embedding', 0.8999)], { ngram: 0.5, embedding: 0.9 });
    expect(found.exact.map((c) => c.score)).toEqual([0.1]);
    expect(found.ngram.map((c) => c.score)).toEqual([0.5]);
    expect(found.embedding.map((c) => c.score)).toEqual([0.9]);
  });
});

describe('score histograms', () => {
  it('bins every scored candidate of its benchmark from the floor up to 1 and counts those at or above the threshold', () => {
    const lines: CandidateLine[] = [
      { record: 0, removed: false, candidates: [candidate('ngram', 0.2), candidate('ngram', 0.24, 1, 'mb/T/1'), candidate('exact', 1)] },
      { record: 3, removed: true, candidates: [candidate('ngram', 0.5), candidate('ngram', 1), candidate('embedding', 0.71)] },
    ];
    const [heNgram, heEmbed, mbNgram] = scoreHistograms(lines, ['he', 'mb'], ['ngram', 'embedding'], { ngram: 0.2, embedding: 0.7 }, { ngram: 0.5, embedding: 0.9 });
    expect(heNgram!.bins).toHaveLength(16);
    expect(heNgram!.bins.filter((bin) => bin.count > 0).map((bin) => [bin.from, bin.count])).toEqual([[0.2, 1], [0.5, 1], [0.95, 1]]);
    expect([heNgram!.candidates, heNgram!.atOrAbove]).toEqual([3, 2]);
    expect([heEmbed!.candidates, heEmbed!.atOrAbove]).toEqual([1, 0]);
    expect(mbNgram!.bins[0]!.count).toBe(1);
    const text = formatHistograms([heNgram!]);
    expect(text).toMatch(/0\.50-0\.55 \|#+ *\| +1 {2}<- threshold 0\.5/);
  });
});
