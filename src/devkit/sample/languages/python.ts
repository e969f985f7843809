/** Python: 4-space indentation, docstring inside the code, snake_case. */
import type { Dialect, FunctionShape, ValueKind } from '../dialect.js';

const HINTS: Record<ValueKind, string> = { id: 'str', count: 'int', list: 'list', map: 'dict', flag: 'bool', object: 'object' };
const DEFAULTS: Partial<Record<ValueKind, string>> = { count: '10', flag: 'False', map: 'None', object: 'None' };

function parameter(fn: FunctionShape, index: number): string {
  const param = fn.params[index]!;
  const hinted = (fn.style & 1) === 1;
  const fallback = index === fn.params.length - 1 ? DEFAULTS[param.kind] : undefined;
  const name = hinted ? `${param.name}: ${HINTS[param.kind]}` : param.name;
  if (fallback === undefined) return name;
  return hinted ? `${name} = ${fallback}` : `${name}=${fallback}`;
}

/** The Python dialect. */
export const python: Dialect = {
  language: 'python',
  extension: '.py',
  indent: '    ',
  casing: 'snake',
  functionCasing: 'snake',
  blockEnd: null,
  elseLine: 'else:',
  docInCode: true,
  nil: 'None',
  emptyList: () => '[]',
  emptyMap: '{}',
  ref: (name) => name,
  member: (fn, field) => (fn.isMethod ? `self._${field}` : `_${field}`),
  call: (target, method, args) => `${target}.${method}(${args.join(', ')})`,
  str: (text) => `"${text}"`,
  declare: (name, expr) => `${name} = ${expr}`,
  assign: (target, expr) => `${target} = ${expr}`,
  statement: (expr) => expr,
  append: (list, item) => `${list}.append(${item})`,
  put: (map, key, value) => `${map}[${key}] = ${value}`,
  size: (expr) => `len(${expr})`,
  isEmpty: (expr) => `not ${expr}`,
  isNil: (expr) => `${expr} is None`,
  ifOpen: (condition) => `if ${condition}:`,
  forOpen: (item, list) => `for ${item} in ${list}:`,
  returnLine: (expr) => `return ${expr}`,
  throwLine: (message) => `raise ValueError("${message}")`,
  log: (message, arg) => `logger.debug("${message} %s", ${arg})`,
  guarded: (name, expr, message) => [
    [0, 'try:'],
    [1, `${name} = ${expr}`],
    [0, 'except (KeyError, ValueError) as exc:'],
    [1, `raise RuntimeError("${message}") from exc`],
  ],
  signature: (fn) => {
    const params = fn.params.map((_, index) => parameter(fn, index));
    if (fn.isMethod) params.unshift('self');
    const returns = (fn.style & 1) === 1 ? ` -> ${HINTS[fn.returns]}` : '';
    const decorator = fn.isMethod && fn.params.length === 0 && (fn.style & 6) === 6 ? ['@property'] : [];
    return [...decorator, `def ${fn.name}(${params.join(', ')})${returns}:`];
  },
  docSummary: (_fn, summary) => summary,
  docComment: () => [],
};
