// Searching stored bytes for personal data the test submitted, in every encoding the code could
// have used on the way: as typed, in other cases, hex, base64 and base64url (at each of the three
// byte alignments a value can start at inside a longer encoded text), URL and JSON escaping, and
// UTF-16. Values should be distinctive (found nowhere else) and 8 characters or longer, so a match
// can only be a leak.

interface Needle {
  value: string;
  encoding: string;
  text: string;
}

/** The base64 characters that encode only `value`'s bytes when it starts `offset` bytes into a longer text. */
function base64Cores(value: string, alphabet: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(value, 'utf8')]).toString(alphabet);
    const length = offset + Buffer.byteLength(value, 'utf8');
    const start = Math.ceil(offset / 3) * 4;
    const end = Math.floor(length / 3) * 4;
    if (end - start >= 8) cores.push(encoded.slice(start, end));
  }
  return cores;
}

export function needlesOf(values: readonly string[]): Needle[] {
  const needles: Needle[] = [];
  for (const value of values) {
    const add = (encoding: string, text: string) => {
      if (text.length >= 4 && !needles.some((n) => n.text === text)) needles.push({ value, encoding, text });
    };
    add('as typed', value);
    add('lower case', value.toLowerCase());
    add('upper case', value.toUpperCase());
    add('hex', Buffer.from(value, 'utf8').toString('hex'));
    add('HEX', Buffer.from(value, 'utf8').toString('hex').toUpperCase());
    for (const core of base64Cores(value, 'base64')) add('base64', core);
    for (const core of base64Cores(value, 'base64url')) add('base64url', core);
    add('URL-encoded', encodeURIComponent(value));
    add('JSON-escaped', JSON.stringify(value).slice(1, -1));
    add('UTF-16LE', Buffer.from(value, 'utf16le').toString('latin1'));
  }
  return needles;
}

/** "value (encoding)" for each needle found in the haystacks; [] when none is. */
export function piiFoundIn(haystacks: readonly (string | Buffer)[], values: readonly string[]): string[] {
  const texts = haystacks.flatMap((h) => (typeof h === 'string' ? [h] : [h.toString('latin1'), h.toString('utf8')]));
  const found = new Set<string>();
  for (const needle of needlesOf(values)) {
    if (texts.some((t) => t.includes(needle.text))) found.add(`${needle.value} (${needle.encoding})`);
  }
  return [...found].sort();
}
