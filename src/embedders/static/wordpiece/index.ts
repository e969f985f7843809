/** The project's own exact WordPiece tokenizer for BERT-style tokenizer.json files. */
export { parseWordPieceConfig } from './config.js';
export type { WordPieceConfig, WordPieceParse } from './config.js';
export { normalizeBert } from './normalizer.js';
export { WordPieceTokenizer } from './tokenizer.js';
