/** PHP: `$` sigils, `->` members, PSR-2 brace on its own line, PHPDoc before the code. */
import { commentLines, type Dialect, type ValueKind } from '../dialect.js';
import { capitalize } from '../vocabulary.js';

const HINTS: Partial<Record<ValueKind, string>> = { id: 'string', count: 'int', list: 'array', map: 'array', flag: 'bool' };
const VISIBILITY = ['public', 'public', 'protected', 'private', 'public static'] as const;

/** The PHP dialect. */
export const php: Dialect = {
  language: 'php',
  extension: '.php',
  indent: '    ',
  casing: 'camel',
  functionCasing: 'camel',
  blockEnd: '}',
  elseLine: '} else {',
  docInCode: false,
  nil: 'null',
  emptyList: () => '[]',
  emptyMap: '[]',
  ref: (name) => `$${name}`,
  member: (fn, field) => (fn.isMethod ? `$this->${field}` : `static::$${field}`),
  call: (target, method, args) => `${target}->${method}(${args.join(', ')})`,
  str: (text) => `'${text}'`,
  declare: (name, expr) => `$${name} = ${expr};`,
  assign: (target, expr) => `${target} = ${expr};`,
  statement: (expr) => `${expr};`,
  append: (list, item) => `${list}[] = ${item};`,
  put: (map, key, value) => `${map}[${key}] = ${value};`,
  size: (expr) => `count(${expr})`,
  isEmpty: (expr) => `empty(${expr})`,
  isNil: (expr) => `${expr} === null`,
  ifOpen: (condition) => `if (${condition}) {`,
  forOpen: (item, list) => `foreach (${list} as $${item}) {`,
  returnLine: (expr) => `return ${expr};`,
  throwLine: (message) => `throw new \\InvalidArgumentException('${message}');`,
  log: (message, arg) => `$this->logger->debug('${message}', ['value' => ${arg}]);`,
  guarded: (name, expr, message) => [
    [0, 'try {'],
    [1, `$${name} = ${expr};`],
    [0, '} catch (\\Exception $e) {'],
    [1, `throw new \\RuntimeException('${message}', 0, $e);`],
    [0, '}'],
  ],
  signature: (fn) => {
    const hinted = (fn.style & 1) === 1;
    const params = fn.params.map((p) => {
      const hint = hinted ? HINTS[p.kind] ?? capitalize(p.noun) : undefined;
      return hint === undefined ? `$${p.name}` : `${hint} $${p.name}`;
    });
    const visibility = fn.isMethod ? VISIBILITY[(fn.style >>> 1) % VISIBILITY.length]! + ' ' : '';
    return [`${visibility}function ${fn.name}(${params.join(', ')})`, '{'];
  },
  docSummary: (_fn, summary) => summary,
  docComment: (fn, summary, details) => {
    const lines = ['/**', ...commentLines(' * ', summary, details)];
    if ((fn.style & 16) === 16) {
      for (const p of fn.params) lines.push(` * @param ${HINTS[p.kind] ?? 'mixed'} $${p.name}`);
      lines.push(` * @return ${HINTS[fn.returns] ?? capitalize(fn.returnNoun)}`);
    }
    lines.push(' */');
    return lines;
  },
};
