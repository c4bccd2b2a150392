// A small XML reader for WS-Management responses. Every text and attribute value stays a
// string: base64 stream chunks such as `0012` or `12e4` must never become numbers. Names are
// matched by local name (prefixes differ between servers); namespaces are not resolved.

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Attributes by local name (xml:lang → lang). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

export class XmlError extends Error {}

/** Parses a document; throws XmlError on malformed input. */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const names: string[] = [];
  let at = 0;
  while (at < source.length) {
    const lt = source.indexOf('<', at);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > at) stack[stack.length - 1].text += decodeEntities(source.slice(at, textEnd));
    if (lt < 0) break;
    if (source.startsWith('<!--', lt)) {
      at = closeOf(source, '-->', lt);
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = closeOf(source, ']]>', lt);
      stack[stack.length - 1].text += source.slice(lt + 9, end - 3);
      at = end;
    } else if (source.startsWith('<?', lt) || source.startsWith('<!', lt)) {
      at = closeOf(source, '>', lt);
    } else if (source[lt + 1] === '/') {
      const end = closeOf(source, '>', lt);
      const qname = source.slice(lt + 2, end - 1).trim();
      if (names.pop() !== qname) throw new XmlError(`mismatched closing tag </${qname}>`);
      stack.pop();
      at = end;
    } else {
      const end = closeOf(source, '>', lt);
      let body = source.slice(lt + 1, end - 1);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const match = /^([^\s/>]+)/.exec(body);
      if (!match) throw new XmlError(`malformed tag at offset ${lt}`);
      const element: XmlElement = { name: localName(match[1]), attrs: parseAttributes(body.slice(match[1].length)), children: [], text: '' };
      stack[stack.length - 1].children.push(element);
      if (!selfClosing) {
        stack.push(element);
        names.push(match[1]);
      }
      at = end;
    }
  }
  if (names.length > 0) throw new XmlError(`unclosed element <${names[names.length - 1]}>`);
  if (root.children.length !== 1) throw new XmlError('a document needs exactly one root element');
  return root.children[0];
}

function closeOf(source: string, terminator: string, from: number): number {
  const at = source.indexOf(terminator, from);
  if (at < 0) throw new XmlError(`unterminated markup at offset ${from}`);
  return at + terminator.length;
}

function parseAttributes(s: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1].startsWith('xmlns')) continue;
    attrs[localName(m[1])] = decodeEntities(m[2] ?? m[3]);
  }
  return attrs;
}

/** Every descendant (depth first, document order) with this local name. */
export function findAll(node: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (n: XmlElement) => {
    for (const child of n.children) {
      if (child.name === name) out.push(child);
      walk(child);
    }
  };
  walk(node);
  return out;
}

export function find(node: XmlElement, name: string): XmlElement | undefined {
  return findAll(node, name)[0];
}

/** Escapes text for element content and double-quoted attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}
