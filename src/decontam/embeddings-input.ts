/**
 * `--embeddings DIR`: the output of `tidepool embed` for the very pairs being checked. Its manifest
 * names the model (and, for the hashing model, its parameters and the text template, from which the
 * IDF weights are recounted over the same pairs); its vectors are read in step with pairs.arrow.
 */
import { dirname } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { TidepoolError } from '../errors.js';
import { resolveEmbedModel, type EmbedModel } from '../embedders/model.js';
import { resolveModelOptions, type EmbedDevice, type ResolvedEndpointOptions } from '../embedders/options.js';
import { compileTemplate, type TextTemplate } from '../store/pairs-template.js';
import type { PairsInput } from '../store/pairs-input.js';
import { resolveEmbeddingsPath } from '../store/embeddings-file.js';
import { readArrowBatches, readArrowSchema } from '../store/arrow-file.js';
import { copyRowsAsFloat32, embeddingMatrix, type EmbeddingValues } from '../store/embeddings.js';
import { describeFile, readManifest, sha256File, type ManifestFile } from '../store/manifest.js';
import type { ProgressSink } from '../util/progress.js';

/** What `--embeddings` holds. */
export interface EmbeddingsSource {
  path: string;
  file: ManifestFile;
  model: EmbedModel;
  /** The template the rows were embedded with (hashing: the IDF is recounted over these texts). */
  template: TextTemplate;
}

/** Device and batch settings for re-opening an ONNX model named by the manifest; the servers (and `--model`, when given) for one embedded on servers. */
export interface ModelSettings {
  device: EmbedDevice;
  batchTokens: number | undefined;
  /** `--model` when the user gave it (checked against the manifest's endpoint model). */
  model?: string | undefined;
  endpoint?: ResolvedEndpointOptions | undefined;
}

/**
 * Opens `--embeddings` and checks that it was made from `pairs` (by checksum) with a model that can
 * still be loaded as it was (by the model key stored in the file).
 */
export async function openEmbeddings(location: string, pairs: PairsInput, settings: ModelSettings, log: ProgressSink | undefined): Promise<EmbeddingsSource> {
  const path = resolveEmbeddingsPath(location);
  const manifest = await readManifest(dirname(path));
  if (manifest.stage !== 'embed') throw new TidepoolError('E_MANIFEST', `${dirname(path)}/manifest.json is from stage "${manifest.stage}", not embed; pass the output folder of \`tidepool embed\` to --embeddings`, { path });
  pairs.sha256 ??= await sha256File(pairs.path);
  const source = manifest.inputs[0];
  if (source?.sha256 !== pairs.sha256) {
    throw new TidepoolError('E_INPUT_MISSING', `${path} was embedded from ${source?.path ?? 'another file'} (sha256 ${source?.sha256.slice(0, 12) ?? '?'}…), not from ${pairs.path} (sha256 ${pairs.sha256.slice(0, 12)}…); run \`tidepool embed --data ${pairs.path}\` again, or drop --embeddings`, { path });
  }
  const parameters = manifest.parameters as { model?: Record<string, unknown>; text?: unknown };
  const described = parameters.model ?? {};
  if (described.kind === 'endpoint') return openEndpointEmbeddings(path, source.rows, described, compileTemplate(typeof parameters.text === 'string' ? parameters.text : '{docstring}\\n{code}'), settings, log);
  if (settings.endpoint !== undefined) {
    throw new TidepoolError('E_USAGE', `${path} was embedded with a local model (${typeof described.name === 'string' ? described.name : 'named in its manifest'}), not on servers: drop --endpoint (and --model), or drop --embeddings to embed on the servers`, { path });
  }
  if (described.name !== 'hashing' && typeof described.dir !== 'string') {
    throw new TidepoolError('E_MANIFEST', `${dirname(path)}/manifest.json names no model (parameters.model has neither name "hashing" nor a folder nor an endpoint model); re-run \`tidepool embed\` with this tidepool`, { path });
  }
  const options = described.name === 'hashing'
    ? resolveModelOptions({ model: 'hashing', hashing: { buckets: described.buckets as number, dim: described.dim as number, seed: described.seed as number } })
    : resolveModelOptions({ model: typeof described.dir === 'string' ? described.dir : '', maxLength: described.maxLength as number | undefined, device: settings.device,
        // The file the manifest names (manifests from before variants name model.onnx, the fp32 variant).
        variant: typeof described.variant === 'string' ? described.variant : 'fp32', batchTokens: settings.batchTokens });
  const model = await resolveEmbedModel(options, log);
  const stored = (await readArrowSchema(path)).metadata.get('tidepool.model');
  if (stored !== model.key) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} was made with model ${stored ?? '(unnamed)'}, but the model its manifest names now loads as ${model.key}: the model files changed since. Re-embed, or drop --embeddings.`, { path });
  }
  const template = compileTemplate(typeof parameters.text === 'string' ? parameters.text : '{docstring}\\n{code}');
  return { path, file: await describeFile(path, source.rows), model, template };
}

/**
 * `--embeddings` made on remote servers (manifest model `{kind: "endpoint", name, dim, endpoints}`): the
 * benchmark items must be embedded by the same model, so the user passes the servers again. The URLs the
 * manifest shows are not used as a default: they are stripped of credentials (so may not work as they
 * are), are often a run's own short-lived server, and decontam should not send texts to a host that its
 * command line does not name. They are quoted in the message instead.
 */
async function openEndpointEmbeddings(path: string, rows: number | undefined, described: Record<string, unknown>, template: TextTemplate, settings: ModelSettings, log: ProgressSink | undefined): Promise<EmbeddingsSource> {
  const name = typeof described.name === 'string' ? described.name : '?';
  const stored = (await readArrowSchema(path)).metadata.get('tidepool.model') ?? `endpoint:${name}:dim=${String(described.dim)}`;
  const shown = Array.isArray(described.endpoints) ? described.endpoints.map(String).join(',') : 'URL';
  if (settings.endpoint === undefined) {
    throw new TidepoolError('E_USAGE', `${path} was embedded on remote servers with model ${name} (${String(described.dim)} dimensions; ${stored}), and decontam must embed the benchmark items with the same model: pass --endpoint URL of a server that serves ${name} (it was embedded on ${shown}; the key from OPENAI_API_KEY or --api-key)${name.startsWith('openai:') ? `, or --model ${name} for OpenAI's API` : ''}`, { path, model: stored });
  }
  const asked = settings.model ?? name;
  if (asked !== name) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} was embedded with endpoint model ${name} (${stored}), but --model ${asked} was given: decontam must embed the benchmark items with the same model. Pass --model ${name} (or drop --model), or drop --embeddings.`, { path, model: stored, given: asked });
  }
  const model = await resolveEmbedModel(resolveModelOptions({ model: asked, endpoint: settings.endpoint }), log);
  if (model.key !== stored) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} was embedded with ${stored}, but the servers given (${model.kind === 'endpoint' ? model.client.shownURLs.join(', ') : '?'}) answer ${model.key}: other vectors than the stored ones. Point --endpoint at a server that serves ${name} with ${String(described.dim)} dimensions, or drop --embeddings.`, { path, model: stored, given: model.key });
  }
  return { path, file: await describeFile(path, rows), model, template };
}

/** Reads vectors of `embeddings.arrow` in row order, skipping rows nobody asks for. */
export class EmbeddingCursor {
  private readonly batches: AsyncGenerator<RecordBatch>;
  private rowIds: ArrayLike<bigint | number> = [];
  private values: EmbeddingValues = { precision: 'fp32', values: new Float32Array(0) };
  private at = 0;
  private rows = 0;

  constructor(readonly path: string, readonly dim: number) {
    this.batches = readArrowBatches(path);
  }

  /** The vectors of `rowIds` (in increasing file order), as rows x dim float32. */
  async take(rowIds: readonly number[]): Promise<Float32Array> {
    const { dim } = this;
    const out = new Float32Array(rowIds.length * dim);
    for (const [index, wanted] of rowIds.entries()) {
      for (;;) {
        if (this.at === this.rows && !(await this.nextBatch())) {
          throw new TidepoolError('E_INPUT_MISSING', `${this.path} has no vector for row_id ${wanted} of pairs.arrow (or not in the same order); re-embed these pairs, or drop --embeddings`, { path: this.path, rowId: wanted });
        }
        if (Number(this.rowIds[this.at]) === wanted) break;
        this.at++;
      }
      copyRowsAsFloat32(this.values, dim, this.at, 1, out, index);
      this.at++;
    }
    return out;
  }

  /** Stops reading. */
  async close(): Promise<void> {
    await this.batches.return(undefined);
  }

  private async nextBatch(): Promise<boolean> {
    const next = await this.batches.next();
    if (next.done === true) return false;
    const column = next.value.getChild('embedding');
    if (column === null) throw new TidepoolError('E_SCHEMA', `${this.path} has no "embedding" column; pass the output of \`tidepool embed\``, { path: this.path });
    const matrix = embeddingMatrix(column, 'embedding');
    if (matrix.dim !== this.dim) throw new TidepoolError('E_SCHEMA', `${this.path}: vectors have ${matrix.dim} values, the manifest's model makes ${this.dim}`, { path: this.path });
    this.values = matrix;
    this.rowIds = next.value.getChild('row_id')!.toArray() as BigInt64Array;
    this.rows = next.value.numRows;
    this.at = 0;
    return true;
  }
}
