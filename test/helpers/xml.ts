import { SaxesParser } from 'saxes';

/** A minimal DOM built by a strict, namespace-aware XML 1.0 parser (saxes). */
export interface XmlElement {
  readonly name: string;
  readonly uri: string;
  readonly local: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

/** Parses `xml` strictly: any well-formedness or namespace error throws. */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const root: XmlElement = {
    name: '#document',
    uri: '',
    local: '#document',
    attributes: {},
    children: [],
    text: '',
  };
  const stack: XmlElement[] = [root];
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const [name, attribute] of Object.entries(tag.attributes)) {
      attributes[name] = typeof attribute === 'string' ? attribute : attribute.value;
    }
    const element: XmlElement = {
      name: tag.name,
      uri: tag.uri ?? '',
      local: tag.local ?? tag.name,
      attributes,
      children: [],
      text: '',
    };
    stack.at(-1)?.children.push(element);
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const appendText = (text: string): void => {
    const current = stack.at(-1);
    if (current) current.text += text;
  };
  parser.on('text', appendText);
  parser.on('cdata', appendText);
  parser.write(xml).close();
  if (error) throw error;
  const [document] = root.children;
  if (!document) throw new Error('no root element');
  return document;
}

export function children(element: XmlElement, local: string, uri?: string): XmlElement[] {
  return element.children.filter(
    (child) => child.local === local && (uri === undefined || child.uri === uri),
  );
}

export function child(element: XmlElement, local: string, uri?: string): XmlElement {
  const found = children(element, local, uri)[0];
  if (!found) throw new Error(`<${element.name}> has no <${local}>`);
  return found;
}

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  dc: 'http://purl.org/dc/elements/1.1/',
  content: 'http://purl.org/rss/1.0/modules/content/',
} as const;
