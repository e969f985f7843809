/**
 * The shape of the project's own small BERT encoder ("tidepool-mini-bert"): the model the tests and
 * the demo embed with, because no pretrained weights can be downloaded where tidepool is built.
 * Its weights are random, not trained: it has BERT's architecture and speed profile, not its quality.
 */
import { InternalError } from '../../errors.js';

/** Folder name of the native model under `native-models/`. */
export const NATIVE_MODEL_NAME = 'tidepool-mini-bert';

/** Hyper-parameters of the native BERT encoder (names follow Hugging Face's `BertConfig`). */
export interface MiniBertConfig {
  /** WordPiece vocabulary entries, special tokens included. */
  vocabSize: number;
  /** Width of every token vector. */
  hiddenSize: number;
  /** Transformer layers. */
  numHiddenLayers: number;
  /** Attention heads per layer; must divide {@link hiddenSize}. */
  numAttentionHeads: number;
  /** Width of the feed-forward layer. */
  intermediateSize: number;
  /** Positions the model has embeddings for: the longest input it accepts. */
  maxPositionEmbeddings: number;
  /** Token type (segment) embeddings. */
  typeVocabSize: number;
  /** Epsilon of every LayerNormalization. */
  layerNormEps: number;
  /** Tokens sentence-transformers feeds it (`sentence_bert_config.json`). */
  maxSeqLength: number;
  /** Seed of the weight generator. */
  seed: number;
}

/** The configuration `native-models/tidepool-mini-bert/` is built with. */
export const MINI_BERT_CONFIG: Readonly<MiniBertConfig> = Object.freeze({
  vocabSize: 4096,
  hiddenSize: 128,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 512,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  maxSeqLength: 256,
  seed: 0x7469_6465, // "tide"
});

/** Throws when a configuration cannot describe a BERT encoder (a bug in the caller: it is never user input). */
export function checkMiniBertConfig(config: Readonly<MiniBertConfig>): void {
  const problems: string[] = [];
  const positive = ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize', 'maxSeqLength'] as const;
  for (const key of positive) {
    if (!Number.isInteger(config[key]) || config[key] <= 0) problems.push(`${key} must be a positive integer, got ${config[key]}`);
  }
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    problems.push(`hiddenSize (${config.hiddenSize}) must be a multiple of numAttentionHeads (${config.numAttentionHeads})`);
  }
  if (config.maxSeqLength > config.maxPositionEmbeddings) {
    problems.push(`maxSeqLength (${config.maxSeqLength}) must not exceed maxPositionEmbeddings (${config.maxPositionEmbeddings})`);
  }
  if (!(config.layerNormEps > 0)) problems.push(`layerNormEps must be positive, got ${config.layerNormEps}`);
  if (!Number.isInteger(config.seed) || config.seed < 0 || config.seed > 0xffff_ffff) problems.push(`seed must be a 32-bit unsigned integer, got ${config.seed}`);
  if (problems.length > 0) throw new InternalError(`invalid native model configuration: ${problems.join('; ')}`, { problems });
}
