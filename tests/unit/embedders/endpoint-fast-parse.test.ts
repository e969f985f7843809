/** The byte-level reader of base64 answers: the same vectors as JSON.parse + parseEmbeddings, or a hand-back to them. */
import { describe, expect, it } from 'vitest';
import { parseBase64Answer, parseEmbeddings } from '../../../src/embedders/endpoint/wire.js';

const dim = 5;
const rows = [0, 1, 2].map((row) => Array.from({ length: dim }, (_, k) => row * 10 + k + 0.25));
const b64 = (values: readonly number[]): string => Buffer.from(new Float32Array(values).buffer).toString('base64');
/** An OpenAI-style answer, items in `order`, each item's keys as `item` writes them. */
function answer(order: number[], item: (index: number) => Record<string, unknown>, extra: Record<string, unknown> = { usage: { prompt_tokens: 42, total_tokens: 42 } }): Record<string, unknown> {
  return { object: 'list', data: order.map(item), model: 'sim-embed', ...extra };
}
const openai = (index: number): Record<string, unknown> => ({ object: 'embedding', index, embedding: b64(rows[index]!) });
const teiOrder = (index: number): Record<string, unknown> => ({ object: 'embedding', embedding: b64(rows[index]!), index });

describe('parseBase64Answer', () => {
  it('reads the vectors and tokens a JSON parse reads, for either key order, any item order and spaced JSON', () => {
    const bodies = [
      JSON.stringify(answer([0, 1, 2], openai)),
      JSON.stringify(answer([2, 0, 1], teiOrder)),
      JSON.stringify(answer([1, 2, 0], openai), null, 2),
      // Python's json.dumps default: a space after every colon and comma.
      JSON.stringify(answer([0, 1, 2], openai)).replaceAll(':', ': ').replaceAll(',', ', '),
    ];
    for (const text of bodies) {
      const fast = parseBase64Answer(Buffer.from(text), 3, dim);
      expect(fast).toBeDefined();
      expect(Array.from(fast!.vectors)).toEqual(rows.flat().map((value) => Math.fround(value)));
      expect(fast!.tokens).toBe(42);
      expect(fast).toEqual(parseEmbeddings(JSON.parse(text), 3, dim, 'E'));
    }
  });

  it('counts 0 tokens when the answer has no usage', () => {
    expect(parseBase64Answer(Buffer.from(JSON.stringify(answer([0, 1, 2], openai, {}))), 3, dim)?.tokens).toBe(0);
  });

  it('hands every other answer back to the JSON path (undefined)', () => {
    const hand = (body: unknown, count = 3): unknown => parseBase64Answer(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), count, dim);
    expect(hand(answer([0, 1, 2], (index) => ({ index, embedding: rows[index] })))).toBeUndefined(); // floats
    expect(hand(answer([0, 1, 2], (index) => ({ embedding: b64(rows[index]!) })))).toBeUndefined(); // no index
    expect(hand(answer([0, 0, 2], openai))).toBeUndefined(); // a repeated index
    expect(hand(answer([0, 1, 2], (index) => ({ index: index + 0.5, embedding: b64(rows[index]!) })))).toBeUndefined(); // not an integer
    expect(hand(answer([0, 1, 2], (index) => ({ index: index === 2 ? 3 : index, embedding: b64(rows[index]!) })))).toBeUndefined(); // out of range
    expect(hand(answer([0, 1, 2], openai), 2)).toBeUndefined(); // more items than inputs
    expect(hand(answer([0, 1], openai))).toBeUndefined(); // fewer
    expect(hand(answer([0, 1, 2], (index) => ({ index, embedding: b64([...rows[index]!, 1]) })))).toBeUndefined(); // another dimension
    expect(hand(answer([0, 1, 2], (index) => ({ index, embedding: `!${b64(rows[index]!).slice(1)}` })))).toBeUndefined(); // not base64
    expect(hand({ error: { message: 'overloaded' } })).toBeUndefined();
    expect(hand('')).toBeUndefined();
  });
});
