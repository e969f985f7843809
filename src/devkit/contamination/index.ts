export { blackStyle, type BlackStyleOptions } from './black-style.js';
export { embedAmong } from './embed.js';
export { tokenize, untokenize, type Token, type TokenKind } from './python-tokens.js';
export { boundNames, freshNames, renameIdentifiers } from './rename.js';
export { reprintWithPython } from './reprint.js';
export { solutionOf, type BenchmarkSolution } from './solution.js';
export { stripDocs } from './strip-docs.js';
export { plantCopies, SEEDED, TRANSFORMATIONS, type PlantedCopy, type PlantOptions, type Transformation } from './transform.js';
export * from './js/index.js';
