/** Parameters of the hashing embedder: user-facing `HashingOptions` -> validated `HashingParams`. */
import { TidepoolError } from '../../errors.js';

/**
 * Version of everything that decides which vector a text gets: the tokenizer, the token hash, the
 * TF and IDF formulas and the projection. Bump it when any of them changes, so that checkpoints,
 * document-frequency files and manifests made under the old definition are not reused.
 */
export const HASHING_SCHEME_VERSION = 1;

/** Smallest bucket count. */
export const MIN_BUCKETS = 2 ** 4;
/** Largest bucket count: 2^26 buckets already take 256 MiB of term counts per worker. */
export const MAX_BUCKETS = 2 ** 26;
/** Largest output dimension. */
export const MAX_DIM = 4096;

/** What a user may set (all optional). */
export interface HashingOptions {
  /** Size of the hashed feature space; a power of two. @default 1048576 (2^20) */
  buckets?: number | undefined;
  /** Length of the output vectors. @default 256 */
  dim?: number | undefined;
  /** Seed of the random projection, an unsigned 32-bit integer. @default 0 */
  seed?: number | undefined;
}

/** Complete, validated parameters. */
export interface HashingParams {
  readonly buckets: number;
  readonly dim: number;
  readonly seed: number;
}

/** @default 2^20 */
export const DEFAULT_BUCKETS = 2 ** 20;
/** @default 256 */
export const DEFAULT_DIM = 256;
/** @default 0 */
export const DEFAULT_SEED = 0;

/** Validates every field, collecting all problems into one `E_USAGE` error. */
export function resolveHashingOptions(options: HashingOptions = {}): HashingParams {
  const problems: string[] = [];
  const { buckets = DEFAULT_BUCKETS, dim = DEFAULT_DIM, seed = DEFAULT_SEED } = options;
  if (!Number.isInteger(buckets) || buckets < MIN_BUCKETS || buckets > MAX_BUCKETS || (buckets & (buckets - 1)) !== 0) {
    problems.push(`options.buckets must be a power of two from ${MIN_BUCKETS} to ${MAX_BUCKETS} (2^4 to 2^26), got ${String(buckets)}`);
  }
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    problems.push(`options.dim must be an integer from 1 to ${MAX_DIM}, got ${String(dim)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    problems.push(`options.seed must be an integer from 0 to 4294967295, got ${String(seed)}`);
  }
  if (problems.length > 0) {
    throw new TidepoolError('E_USAGE', `invalid hashing embedder options:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return { buckets, dim, seed };
}

/** A stable name for manifests and checkpoint keys: equal names mean equal vectors for equal inputs and IDF. */
export function hashingModelKey(params: HashingParams): string {
  return `hashing-v${HASHING_SCHEME_VERSION}:buckets=${params.buckets}:dim=${params.dim}:seed=${params.seed}`;
}
