/** Piscina worker of the embedding pool: holds one model (loaded on first use) and embeds batches of texts. */
import { Piscina } from 'piscina';
import { serializeError } from '../errors.js';
import { DocumentFrequency, HashingEmbedder } from './hashing/index.js';
import { loadModelFolder } from './onnx/model-folder.js';
import { OnnxEmbedder } from './onnx/embedder.js';
import { StaticEmbedder } from './static/embedder.js';
import { loadStaticModelFolder } from './static/model-folder.js';
import type { DfReply, EmbedReply, EmbedTask, WorkerReply } from './protocol.js';

let onnx: { key: string; embedder: Promise<OnnxEmbedder> } | undefined;
let hashing: { key: string; embedder: HashingEmbedder } | undefined;
let staticModel: { key: string; embedder: Promise<StaticEmbedder> } | undefined;

function staticEmbedder(task: Extract<EmbedTask, { kind: 'static' }>): Promise<StaticEmbedder> {
  const key = JSON.stringify(task.model);
  if (staticModel?.key !== key) staticModel = { key, embedder: loadStaticModelFolder(task.model.dir, { maxLength: task.model.maxLength }).then((folder) => StaticEmbedder.create(folder)) };
  return staticModel.embedder;
}

async function onnxEmbedder(task: Extract<EmbedTask, { kind: 'onnx' }>): Promise<OnnxEmbedder> {
  const key = JSON.stringify(task.model);
  if (onnx?.key !== key) {
    const { dir, maxLength, device, batchTokens, variant } = task.model;
    const embedder = loadModelFolder(dir, maxLength === undefined ? { variant } : { maxLength, variant }).then((folder) => OnnxEmbedder.create(folder, { device, batchTokens }));
    onnx = { key, embedder };
  }
  return onnx.embedder;
}

function hashingEmbedder(task: Extract<EmbedTask, { kind: 'hashing' }>): HashingEmbedder {
  if (hashing?.key !== task.idfKey) hashing = { key: task.idfKey, embedder: new HashingEmbedder(task.params, new Float32Array(task.idf)) };
  return hashing.embedder;
}

function documentFrequencies(task: Extract<EmbedTask, { kind: 'df' }>): DfReply {
  const df = new DocumentFrequency(task.params.buckets);
  df.add(task.texts);
  let touched = 0;
  for (const count of df.counts) if (count > 0) touched++;
  const buckets = new Uint32Array(touched);
  const counts = new Uint32Array(touched);
  for (let b = 0, i = 0; b < df.counts.length; b++) {
    if (df.counts[b]! > 0) {
      buckets[i] = b;
      counts[i++] = df.counts[b]!;
    }
  }
  return { kind: 'df', buckets, counts, documents: df.documents };
}

async function run(task: EmbedTask): Promise<EmbedReply | DfReply> {
  if (task.kind === 'df') return documentFrequencies(task);
  if (task.kind === 'hashing') {
    const embedder = hashingEmbedder(task);
    const vectors = new Float32Array(task.texts.length * embedder.params.dim);
    const zero = embedder.embedInto(task.texts, vectors);
    let empty = 0;
    for (const text of task.texts) if (text.trim() === '') empty++;
    return { kind: 'vectors', vectors, tokens: 0, paddedTokens: 0, truncated: 0, empty, zeroVectors: zero.length };
  }
  if (task.kind === 'static') {
    const result = (await staticEmbedder(task)).embed(task.texts);
    return { kind: 'vectors', vectors: result.vectors, tokens: result.tokens, paddedTokens: result.tokens, truncated: result.truncated, empty: result.empty, zeroVectors: result.zeroVectors };
  }
  const embedder = await onnxEmbedder(task);
  const result = await embedder.embed(task.texts);
  return { kind: 'vectors', vectors: result.vectors, tokens: result.tokens, paddedTokens: result.paddedTokens, truncated: result.truncated, empty: result.empty, zeroVectors: 0 };
}

/** Embeds one task; the vectors move back without copying. */
export default async function embedTask(task: EmbedTask): Promise<unknown> {
  let reply: WorkerReply;
  try {
    reply = await run(task);
  } catch (error) {
    return { kind: 'error', error: serializeError(error) } satisfies WorkerReply;
  }
  const buffers = reply.kind === 'vectors' ? [reply.vectors.buffer] : [reply.buckets.buffer, reply.counts.buffer];
  const transferable = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: reply };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
}
