/**
 * A tiny XML well-formedness check for the chart builders' SVG (no DOM in Node): balanced tags, one
 * root, quoted attributes without `<`, and `&` only in entity references.
 */

/** An element as the check saw it: name, attributes, children and text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const NAME = /^[A-Za-z_][\w.:-]*/;

/** Parses `text` as one XML element; throws naming the offset of the first problem. */
export function parseXml(text: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${at}: ${why} near ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 30))}`);
  };
  const checkText = (chunk: string, where: number) => {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === '&' && !ENTITY.test(chunk.slice(i))) {
        at = where + i;
        fail('bare &');
      }
      if (chunk[i] === '>') {
        at = where + i;
        fail('bare > in text');
      }
    }
  };
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (at < text.length) {
    const next = text.indexOf('<', at);
    const chunk = text.slice(at, next === -1 ? text.length : next);
    checkText(chunk, at);
    stack.at(-1)!.text += chunk;
    if (next === -1) break;
    at = next;
    if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at);
      if (end === -1) fail('unclosed comment');
      at = end + 3;
      continue;
    }
    if (text.startsWith('</', at)) {
      const name = NAME.exec(text.slice(at + 2))?.[0] ?? fail('bad closing tag');
      const open = stack.pop();
      if (open === undefined || open === root || open.name !== name) fail(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      at += 2 + name.length;
      while (text[at] === ' ') at++;
      if (text[at] !== '>') fail('closing tag not ended by >');
      at++;
      continue;
    }
    const name = NAME.exec(text.slice(at + 1))?.[0] ?? fail('bad tag name');
    at += 1 + name.length;
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const spaces = /^\s*/.exec(text.slice(at))![0].length;
      at += spaces;
      if (text.startsWith('/>', at)) {
        at += 2;
        stack.at(-1)!.children.push(element);
        break;
      }
      if (text[at] === '>') {
        at += 1;
        stack.at(-1)!.children.push(element);
        stack.push(element);
        break;
      }
      if (spaces === 0) fail('attributes must be separated by spaces');
      const attribute = NAME.exec(text.slice(at))?.[0] ?? fail('bad attribute name');
      if (Object.hasOwn(element.attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      at += attribute.length;
      if (text[at] !== '=') fail(`attribute ${attribute} has no value`);
      const quote = text[at + 1];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} is not quoted`);
      const end = text.indexOf(quote!, at + 2);
      if (end === -1) fail('unclosed attribute value');
      const value = text.slice(at + 2, end);
      if (value.includes('<')) fail(`< in attribute ${attribute}`);
      checkText(value.replaceAll('>', ''), at + 2);
      element.attributes[attribute] = value;
      at = end + 1;
    }
  }
  if (stack.length !== 1) fail(`unclosed <${stack.at(-1)!.name}>`);
  if (root.children.length !== 1 || root.text.trim() !== '') fail('expected exactly one root element');
  return root.children[0]!;
}

/** Every element below (and including) `element` named `name`, optionally with a class. */
export function findAll(element: XmlElement, name: string, className?: string): XmlElement[] {
  const out: XmlElement[] = [];
  const visit = (node: XmlElement) => {
    if (node.name === name && (className === undefined || (node.attributes.class ?? '').split(' ').includes(className))) out.push(node);
    node.children.forEach(visit);
  };
  visit(element);
  return out;
}

/** All text inside `element`, entity references decoded. */
export function textOf(element: XmlElement): string {
  const raw = element.text + element.children.map(textOf).join('');
  return raw.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '');
}
