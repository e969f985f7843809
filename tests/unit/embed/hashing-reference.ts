/**
 * Brute-force reference of the hashing embedder, written from the documented definitions and not
 * from the implementation: string tokens (the tokenizer is held to its own reference), a token hash
 * written out again, a dense TF-IDF vector over every bucket, a dense projection matrix, a dense
 * matrix product and a normalisation, all in float64.
 */
import { tokenize } from '../../../src/embedders/hashing/tokenize.js';

const u32 = (x: number): number => x >>> 0;
const mul = (a: number, b: number): number => Number((BigInt(u32(a)) * BigInt(u32(b))) & 0xffffffffn);

/** FNV-1a over UTF-16 code units, then murmur3 fmix32 (BigInt products: no Math.imul). */
export function referenceHash(token: string): number {
  let h = 0x811c9dc5;
  for (const unit of Array.from(token, (_, i) => token.charCodeAt(i))) h = mul(u32(h ^ unit), 0x01000193);
  h = u32(h ^ (h >>> 16));
  h = mul(h, 0x85ebca6b);
  h = u32(h ^ (h >>> 13));
  h = mul(h, 0xc2b2ae35);
  return u32(h ^ (h >>> 16));
}

function fmix32(x: number): number {
  x = mul(u32(x ^ (x >>> 16)), 0x85ebca6b);
  x = mul(u32(x ^ (x >>> 13)), 0xc2b2ae35);
  return u32(x ^ (x >>> 16));
}

function lowbias32(x: number): number {
  x = mul(u32(x ^ (x >>> 16)), 0x7feb352d);
  x = mul(u32(x ^ (x >>> 15)), 0x846ca68b);
  return u32(x ^ (x >>> 16));
}

/** Per bucket: how many of `texts` have a token in it; and N. */
export function referenceDocumentFrequency(texts: readonly string[], buckets: number): { counts: number[]; documents: number } {
  const counts = new Array<number>(buckets).fill(0);
  for (const text of texts) {
    for (const bucket of new Set(tokenize(text).map((t) => referenceHash(t) % buckets))) counts[bucket]!++;
  }
  return { counts, documents: texts.length };
}

/** ln((1 + N) / (1 + df)) + 1. */
export function referenceIdf(counts: readonly number[], documents: number): number[] {
  return counts.map((df) => Math.log((1 + documents) / (1 + df)) + 1);
}

/** The buckets x dim matrix, row by row from a stateful splitmix32 generator, entries +-1/sqrt(dim). */
export function referenceProjection(seed: number, buckets: number, dim: number): Float64Array[] {
  const golden = 0x9e3779b9;
  const rows: Float64Array[] = [];
  for (let bucket = 0; bucket < buckets; bucket++) {
    let state = fmix32(u32(fmix32(seed) ^ mul(bucket, golden)));
    const next = (): number => lowbias32((state = u32(state + golden)));
    const row = new Float64Array(dim);
    let word = 0;
    for (let j = 0; j < dim; j++) {
      if (j % 32 === 0) word = next();
      row[j] = (Math.floor(word / 2 ** (j % 32)) % 2 === 1 ? 1 : -1) / Math.sqrt(dim);
    }
    rows.push(row);
  }
  return rows;
}

/** Dense TF-IDF (sublinear TF) times the dense projection, L2-normalised; zeros stay zero. */
export function referenceEmbed(text: string, idf: readonly number[], projection: readonly Float64Array[], dim: number): number[] {
  const buckets = projection.length;
  const tf = new Array<number>(buckets).fill(0);
  for (const token of tokenize(text)) tf[referenceHash(token) % buckets]!++;
  const weights = tf.map((count, b) => (count === 0 ? 0 : (1 + Math.log(count)) * idf[b]!));
  const out = new Array<number>(dim).fill(0);
  for (let j = 0; j < dim; j++) {
    for (let b = 0; b < buckets; b++) out[j]! += weights[b]! * projection[b]![j]!;
  }
  const norm = Math.hypot(...out);
  return norm === 0 ? out : out.map((v) => v / norm);
}

/** Small code-like corpus shared by the tests. */
export const SNIPPETS: readonly string[] = [
  'def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n',
  'def fib(num):\n    """Return the num-th Fibonacci number."""\n    if num < 2:\n        return num\n    return fib(num - 1) + fib(num - 2)\n',
  'SELECT user_id, COUNT(*) AS order_count FROM orders WHERE created_at >= NOW() - INTERVAL 7 DAY GROUP BY user_id;',
  'public class HttpClientFactory {\n  private final Map<String, HttpClient> clients = new HashMap<>();\n  public HttpClient create(String name) { return clients.computeIfAbsent(name, HttpClient::new); }\n}',
  'const parseHTTPResponse_v2 = async (res) => { const body = await res.json(); return body?.data ?? []; };',
  'func main() {\n\tx := 10\n\tfor i := 0; i < x; i++ {\n\t\tfmt.Println(i)\n\t}\n}',
  'fn add(a: i32, b: i32) -> i32 { a + b } // add two numbers',
  '#include <stdio.h>\nint main(void) { printf("hello, world\\n"); return 0; }',
];
