export { applyEdits, parseJs, walkJs, type Edit, type ParsedJs, type Visit } from './parse.js';
export { reprintWithPrettier, type PrettierStyle } from './prettier.js';
export { freshJsNames, jsBoundNames, renameJsIdentifiers, renameJsWithMapping } from './rename.js';
export { isJsProblem, jsSolutionOf } from './solution.js';
export { stripJsComments } from './strip-comments.js';
export { addRedundantParentheses, drawPrettierStyle, jsStyle, type JsStyleOptions } from './style.js';
export { JS_SEEDED, JS_TRANSFORMATIONS, plantJsCopies, type JsBenchmarkSolution, type JsTransformation, type PlantedJsCopy } from './transform.js';
