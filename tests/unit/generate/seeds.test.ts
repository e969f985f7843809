import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutSeed, MAX_SEED_LINES } from '../../../src/generate/seeds.js';
import { seededRandom } from '../../../src/util/random.js';

const codeLines = fc.array(fc.oneof(fc.constant(''), fc.constant('   '), fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''))), { minLength: 1, maxLength: 60 });

describe('cutSeed', () => {
  it('is a contiguous slice of 1..15 lines, deterministic per seed', () => {
    fc.assert(fc.property(codeLines, fc.nat(), (lines, seed) => {
      const code = lines.join('\n');
      const seedCut = cutSeed(code, seededRandom(seed));
      expect(seedCut.lineCount).toBeGreaterThanOrEqual(1);
      expect(seedCut.lineCount).toBeLessThanOrEqual(Math.min(MAX_SEED_LINES, lines.length));
      expect(seedCut.startLine + seedCut.lineCount).toBeLessThanOrEqual(lines.length);
      expect(seedCut.text).toBe(lines.slice(seedCut.startLine, seedCut.startLine + seedCut.lineCount).join('\n'));
      expect(cutSeed(code, seededRandom(seed))).toEqual(seedCut);
    }));
  });

  it('is blank only when every line of the code is blank', () => {
    fc.assert(fc.property(codeLines, fc.nat(), (lines, seed) => {
      const seedCut = cutSeed(lines.join('\n'), seededRandom(seed));
      const codeHasText = lines.some((line) => line.trim() !== '');
      expect(seedCut.text.trim() !== '').toBe(codeHasText);
    }));
  });

  it('skips blank windows even when the random source keeps choosing them', () => {
    const code = ['', '', '', '', 'x = 1'].join('\n');
    const seedCut = cutSeed(code, () => 0); // length 1, start 0: always blank
    expect(seedCut).toEqual({ text: 'x = 1', startLine: 4, lineCount: 1 });
  });

  it('drops \\r of CRLF lines and survives a random source returning 1', () => {
    const seedCut = cutSeed('a\r\nb\r\nc', () => 1);
    expect(seedCut).toEqual({ text: 'a\nb\nc', startLine: 0, lineCount: 3 }); // 1 picks the longest length
  });
});
