/** JavaScript: functions, methods and exported function expressions; JSDoc before the code. */
import { commentLines, type Dialect } from '../dialect.js';

/** The JavaScript dialect. */
export const javascript: Dialect = {
  language: 'javascript',
  extension: '.js',
  indent: '  ',
  casing: 'camel',
  functionCasing: 'camel',
  blockEnd: '}',
  elseLine: '} else {',
  docInCode: false,
  nil: 'null',
  emptyList: () => '[]',
  emptyMap: '{}',
  ref: (name) => name,
  member: (fn, field) => (fn.isMethod ? `this.${field}` : field),
  call: (target, method, args) => `${target}.${method}(${args.join(', ')})`,
  str: (text) => `'${text}'`,
  declare: (name, expr) => `const ${name} = ${expr};`,
  assign: (target, expr) => `${target} = ${expr};`,
  statement: (expr) => `${expr};`,
  append: (list, item) => `${list}.push(${item});`,
  put: (map, key, value) => `${map}[${key}] = ${value};`,
  size: (expr) => `${expr}.length`,
  isEmpty: (expr, kind) => (kind === 'map' ? `Object.keys(${expr}).length === 0` : kind === 'list' ? `${expr}.length === 0` : `!${expr}`),
  isNil: (expr) => `${expr} == null`,
  ifOpen: (condition) => `if (${condition}) {`,
  forOpen: (item, list) => `for (const ${item} of ${list}) {`,
  returnLine: (expr) => `return ${expr};`,
  throwLine: (message) => `throw new Error('${message}');`,
  log: (message, arg) => `debug('${message} %o', ${arg});`,
  guarded: (name, expr, message) => [
    [0, `let ${name};`],
    [0, 'try {'],
    [1, `${name} = ${expr};`],
    [0, '} catch (err) {'],
    [1, `throw new Error('${message}: ' + err.message);`],
    [0, '}'],
  ],
  signature: (fn) => {
    const params = fn.params.map((p) => p.name).join(', ');
    const asyncKeyword = (fn.style & 1) === 1 ? 'async ' : '';
    switch ((fn.style >>> 1) % 4) {
      case 0: return [`${asyncKeyword}function ${fn.name}(${params}) {`];
      case 1: return [`${asyncKeyword}${fn.name}(${params}) {`];
      case 2: return [`${fn.className}.prototype.${fn.name} = ${asyncKeyword}function (${params}) {`];
      default: return [`exports.${fn.name} = ${asyncKeyword}function ${fn.name}(${params}) {`];
    }
  },
  docSummary: (_fn, summary) => summary,
  docComment: (fn, summary, details) => {
    const lines = ['/**', ...commentLines(' * ', summary, details)];
    if ((fn.style & 8) === 8) {
      for (const p of fn.params) lines.push(` * @param {*} ${p.name} - the ${p.noun}`);
    }
    lines.push(' */');
    return lines;
  },
};
