/**
 * The report draws pairs, embeddings and a coreset together: refuse files of different runs (a coreset
 * of 5,000 picks over other embeddings drew a wrong map and blamed the time budget) before drawing.
 */
import { assertSameSource, readUpstream, type Lineage } from '../store/lineage.js';

/**
 * Throws `E_INPUT_MISMATCH` when the report's pairs, embeddings and coreset do not derive from each
 * other (as their manifests record); files without manifests are not compared.
 */
export async function assertInputsMatch(files: { pairs: string | null; embeddings: string | null; coreset: string | null }): Promise<void> {
  const read = async (path: string | null, table: 'pairs' | 'embeddings' | 'coreset'): Promise<{ label: string; lineage: Lineage } | null> =>
    path === null ? null : { label: path, lineage: (await readUpstream(path, table)).lineage };
  const [pairs, embeddings, coreset] = await Promise.all([read(files.pairs, 'pairs'), read(files.embeddings, 'embeddings'), read(files.coreset, 'coreset')]);
  const fix = 'Point the report at the outputs of one run (`--work DIR`, or the stage flags), or rerun the stages after the one that changed.';
  if (embeddings !== null && coreset !== null) assertSameSource('embeddings', coreset, embeddings, fix);
  if (pairs !== null && embeddings !== null) assertSameSource('pairs', embeddings, pairs, fix);
  if (pairs !== null && coreset !== null) assertSameSource('pairs', coreset, pairs, fix);
}
