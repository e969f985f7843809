/**
 * The rows `generate` works on: the coreset's row ids (in rank order) looked up in `pairs.arrow`,
 * streamed batch by batch so only the coreset's rows are kept in memory.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileTemplate } from '../store/pairs-template.js';
import { openPairs, pairsLineage, type PairsInput } from '../store/pairs-input.js';
import { TidepoolError } from '../errors.js';
import { readArrowBatches } from '../store/arrow-file.js';
import { assertSameSource, readUpstream, type Lineage } from '../store/lineage.js';
import { describeFile, type ManifestFile } from '../store/manifest.js';
import { CORESET_FILE, readCoresetRowIds } from '../store/coreset.js';
import type { SourceRow } from './units.js';

/** The inputs of a run. */
export interface GenerateInput {
  rows: SourceRow[];
  pairs: PairsInput;
  coreset: ManifestFile;
  /** The pairs and coreset files the records derive from (and what those derive from). */
  lineage: Lineage;
  /** Rows in the coreset before `limit`. */
  coresetRows: number;
}

/**
 * Reads the coreset at `coreset` (folder or `coreset.arrow`) and its rows from `data`'s `pairs.arrow`.
 * @param limit keep only the first `limit` coreset rows (by rank).
 * @throws TidepoolError naming the file when either is missing, or a coreset row id is not in the pairs.
 */
export async function readGenerateInput(data: string, coreset: string, limit?: number): Promise<GenerateInput> {
  const coresetPath = existsSync(coreset) && statSync(coreset).isDirectory() ? join(coreset, CORESET_FILE) : coreset;
  if (!existsSync(coresetPath)) {
    throw new TidepoolError('E_INPUT_MISSING', `${coresetPath} not found: point --coreset at the output folder of \`tidepool select\` (it holds ${CORESET_FILE})`, { path: coresetPath });
  }
  const pairs = await openPairs(data, compileTemplate('{language}{docstring}{code}'));
  const coresetFile = await readUpstream(coresetPath, 'coreset');
  assertSameSource('pairs', { label: `--coreset ${coresetPath}`, lineage: coresetFile.lineage }, { label: `--data ${pairs.path}`, lineage: pairs.lineage }, 'Generate from the pairs the coreset was selected from, or select a coreset from embeddings of these pairs.');
  const allIds = await readCoresetRowIds(coresetPath);
  if (allIds.length === 0) throw new TidepoolError('E_INPUT_EMPTY', `${coresetPath} holds no rows; run \`tidepool select\` with --k of at least 1`, { path: coresetPath });
  const ids = limit === undefined ? allIds : allIds.slice(0, limit);
  const wanted = new Map<number, number>();
  for (const [rank, id] of ids.entries()) {
    if (wanted.has(id)) throw new TidepoolError('E_FORMAT_INVALID', `${coresetPath}: row_id ${id} appears twice (ranks ${wanted.get(id)} and ${rank}); re-run \`tidepool select\``, { path: coresetPath, rowId: id });
    wanted.set(id, rank);
  }
  const rows: (SourceRow | undefined)[] = new Array<SourceRow | undefined>(ids.length);
  let found = 0;
  for await (const batch of readArrowBatches(pairs.path)) {
    const rowIds = batch.getChild('row_id')!;
    const language = batch.getChild('language')!;
    const docstring = batch.getChild('docstring')!;
    const code = batch.getChild('code')!;
    for (let i = 0; i < batch.numRows; i++) {
      const rowId = Number(rowIds.get(i) as bigint);
      const rank = wanted.get(rowId);
      if (rank === undefined || rows[rank] !== undefined) continue;
      rows[rank] = { rowId, language: String(language.get(i) ?? ''), docstring: String(docstring.get(i) ?? ''), code: String(code.get(i) ?? '') };
      found++;
    }
    if (found === ids.length) break;
  }
  if (found < ids.length) {
    const missing = ids.filter((_, rank) => rows[rank] === undefined);
    throw new TidepoolError('E_INPUT_MISSING', `${coresetPath} names ${missing.length} row_id(s) not in ${pairs.path} (first: ${missing.slice(0, 5).join(', ')}); select the coreset from embeddings of this very pairs.arrow`, { path: coresetPath, missing: missing.length });
  }
  const described = await describeFile(coresetPath, allIds.length, coresetFile.sha256 === undefined ? undefined : Promise.resolve(coresetFile.sha256));
  const lineage: Lineage = { ...coresetFile.lineage, coreset: coresetFile.lineage.coreset ?? { path: coresetPath, sha256: described.sha256 }, ...(await pairsLineage(pairs)) };
  return { rows: rows as SourceRow[], pairs, coreset: described, lineage, coresetRows: allIds.length };
}
