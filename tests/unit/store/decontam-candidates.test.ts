import { describe, expect, it } from 'vitest';
import { parseCandidateLine, parseMatchEvidence, parseRemovedLine, type MatchEvidence } from '../../../src/store/decontam-candidates.js';

const match: MatchEvidence = { item: { path: 'he.jsonl', line: 3 }, record: { text: 'abc def', from: 0, length: 7, spans: [[0, 3], [4, 7]] }, benchmark: { text: 'abc', from: 10, length: 20, spans: [] } };

describe('removed.jsonl lines and their evidence, as the report reads them', () => {
  it('reads a line with evidence, and one from before evidence was recorded (no match)', () => {
    const withMatch = JSON.stringify({ row_id: 12, code: 'x', contamination: [{ benchmark: 'he/0', detector: 'ngram', score: 0.8, evidence: 'abc', match }] });
    expect(parseRemovedLine(withMatch, 'removed.jsonl', 1)).toEqual({ label: 'row_id 12', entries: [{ benchmark: 'he/0', detector: 'ngram', score: 0.8, evidence: 'abc', match }] });
    const old = JSON.stringify({ instruction: `write\n  ${'x'.repeat(90)}`, output: 'o', contamination: [{ benchmark: 'he/0', detector: 'exact', score: 1, evidence: 'abc' }] });
    expect(parseRemovedLine(old, 'removed.jsonl', 7)).toEqual({ label: `removed.jsonl line 7: write ${'x'.repeat(74)}…`, entries: [{ benchmark: 'he/0', detector: 'exact', score: 1, evidence: 'abc', match: undefined }] });
  });

  it('names the file and line of a line that is not a removed record', () => {
    expect(() => parseRemovedLine('{"a":1}', 'out/removed.jsonl', 4)).toThrow(/out\/removed\.jsonl:4: not a removed record/);
    expect(() => parseRemovedLine('{"contamination":[{"benchmark":1}]}', 'r.jsonl', 2)).toThrow(/r\.jsonl:2/);
  });

  it('names the file and line of a line that is not JSON at all, in either file, with E_BAD_RECORD', () => {
    expect(() => parseRemovedLine('{"contamination": [', 'out/removed.jsonl', 9)).toThrow(expect.objectContaining({ code: 'E_BAD_RECORD', message: expect.stringMatching(/^out\/removed\.jsonl:9: not a removed record/) as unknown }) as Error);
    expect(() => parseCandidateLine('not json', 'out/candidates.jsonl', 5)).toThrow(expect.objectContaining({ code: 'E_BAD_RECORD', message: expect.stringMatching(/^out\/candidates\.jsonl:5: not a candidates line/) as unknown }) as Error);
  });

  it('drops evidence whose spans would mark the wrong characters (overlapping, out of the text), rather than show it wrongly', () => {
    expect(parseMatchEvidence(match)).toEqual(match);
    const spans = (list: unknown) => ({ ...match, record: { ...match.record, spans: list } });
    expect(parseMatchEvidence(spans([[0, 8]]))).toBeUndefined();
    expect(parseMatchEvidence(spans([[4, 7], [0, 3]]))).toBeUndefined();
    expect(parseMatchEvidence(spans([[3, 2]]))).toBeUndefined();
    expect(parseMatchEvidence(spans([[0.5, 2]]))).toBeUndefined();
    expect(parseMatchEvidence({ ...match, item: { path: 'he.jsonl' } })).toBeUndefined();
    expect(parseMatchEvidence(undefined)).toBeUndefined();
  });
});
