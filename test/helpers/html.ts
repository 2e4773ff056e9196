import { type DefaultTreeAdapterMap, parse } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Parses an HTML document as a browser would (parse5 implements the WHATWG algorithm). */
export function parseHtml(html: string): Element {
  const document = parse(html);
  const root = document.childNodes.find(
    (node): node is Element => 'tagName' in node && node.tagName === 'html',
  );
  if (!root) throw new Error('no <html> element');
  return root;
}

export function findAll(root: Node, predicate: (element: Element) => boolean): Element[] {
  const found: Element[] = [];
  const visit = (node: Node): void => {
    if ('tagName' in node && predicate(node)) found.push(node);
    const children = 'childNodes' in node ? node.childNodes : [];
    for (const child of children) visit(child);
    if ('content' in node && node.content) visit(node.content);
  };
  visit(root);
  return found;
}

export function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((attr) => attr.name === name)?.value;
}

export function textOf(node: Node): string {
  if (node.nodeName === '#text' && 'value' in node) return node.value;
  return ('childNodes' in node ? node.childNodes : []).map(textOf).join('');
}
