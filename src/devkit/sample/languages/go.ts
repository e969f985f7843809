/** Go: tabs, `(T, error)` results, `if err != nil` instead of exceptions, comment before the code. */
import { commentLines, type Dialect, type ValueKind } from '../dialect.js';
import { capitalize } from '../vocabulary.js';

function goType(kind: ValueKind, noun: string): string {
  switch (kind) {
    case 'id': return 'string';
    case 'count': return 'int';
    case 'list': return `[]*${capitalize(noun)}`;
    case 'map': return 'map[string]interface{}';
    case 'flag': return 'bool';
    case 'object': return `*${capitalize(noun)}`;
  }
}

/** The Go dialect. */
export const go: Dialect = {
  language: 'go',
  extension: '.go',
  indent: '\t',
  casing: 'camel',
  functionCasing: 'pascal',
  blockEnd: '}',
  elseLine: '} else {',
  docInCode: false,
  nil: 'nil',
  emptyList: (noun) => `[]*${capitalize(noun)}{}`,
  emptyMap: 'map[string]interface{}{}',
  ref: (name) => name,
  member: (fn, field) => (fn.isMethod ? `${fn.receiver}.${field}` : `default${capitalize(field)}`),
  call: (target, method, args) => `${target}.${capitalize(method)}(${args.join(', ')})`,
  str: (text) => `"${text}"`,
  declare: (name, expr) => `${name} := ${expr}`,
  assign: (target, expr) => `${target} = ${expr}`,
  statement: (expr) => expr,
  append: (list, item) => `${list} = append(${list}, ${item})`,
  put: (map, key, value) => `${map}[${key}] = ${value}`,
  size: (expr) => `len(${expr})`,
  isEmpty: (expr, kind) => (kind === 'id' ? `${expr} == ""` : kind === 'flag' ? `!${expr}` : `len(${expr}) == 0`),
  isNil: (expr) => `${expr} == nil`,
  ifOpen: (condition) => `if ${condition} {`,
  forOpen: (item, list) => `for _, ${item} := range ${list} {`,
  returnLine: (expr) => `return ${expr}, nil`,
  throwLine: (message) => `return nil, errors.New("${message}")`,
  log: (message, arg) => `log.Printf("${message} %v", ${arg})`,
  guarded: (name, expr, message) => [
    [0, `${name}, err := ${expr}`],
    [0, 'if err != nil {'],
    [1, `return nil, fmt.Errorf("${message}: %w", err)`],
    [0, '}'],
  ],
  signature: (fn) => {
    const params = fn.params.map((p) => `${p.name} ${goType(p.kind, p.noun)}`).join(', ');
    const results = `(${goType(fn.returns, fn.returnNoun)}, error)`;
    const context = (fn.style & 1) === 1 ? (params === '' ? 'ctx context.Context' : `ctx context.Context, ${params}`) : params;
    const recv = fn.isMethod ? `(${fn.receiver} *${fn.className}) ` : '';
    return [`func ${recv}${fn.name}(${context}) ${results} {`];
  },
  docSummary: (fn, summary) => `${fn.name} ${summary.charAt(0).toLowerCase()}${summary.slice(1)}`,
  docComment: (_fn, summary, details) => commentLines('// ', summary, details),
};
