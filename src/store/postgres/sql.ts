// SQL text for the PostgreSQL store. Every statement goes out as one simple-protocol message with
// its values written in as literals: a batch is one round trip, and a message is executed whole or
// not at all (a client killed mid-send leaves nothing). The quoting follows libpq's
// PQescapeLiteral / PQescapeIdentifier (as node-postgres does).

/** A string literal; backslashes make it an E'' literal so that either setting of standard_conforming_strings reads it right. */
export function literal(value: string): string {
  let hasBackslash = false;
  let out = "'";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "'") out += "''";
    else if (c === '\\') {
      out += '\\\\';
      hasBackslash = true;
    } else out += c;
  }
  out += "'";
  return hasBackslash ? ` E${out}` : out;
}

/** A quoted identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** An integer literal (document and row numbers: safe integers). */
export function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/** `ARRAY[...]::bigint[]` of integers. */
export function intArray(values: readonly number[]): string {
  return `'{${values.map(int).join(',')}}'::bigint[]`;
}

/** `ARRAY[...]::text[]` of strings. */
export function textArray(values: readonly string[]): string {
  return values.length === 0 ? `'{}'::text[]` : `ARRAY[${values.map(literal).join(',')}]::text[]`;
}

/**
 * The shortest decimal that reads back as exactly this float32 (pgvector parses with strtof):
 * vectors go in and come out bit for bit, in about 11 characters a value instead of 19.
 */
export function float32Text(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return trimNumber(s);
  }
  return trimNumber(v.toPrecision(9));
}

/** "1.50000e-7" → "1.5e-7", "0.250000" → "0.25". */
function trimNumber(s: string): string {
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exponent = e < 0 ? '' : s.slice(e);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return trimmed + exponent;
}

/** The text of one vector: `[a,b,…]` (pgvector) or `{a,b,…}` (a real[] array). */
export function vectorText(data: Float32Array, from: number, dim: number, array: boolean): string {
  const parts = new Array<string>(dim);
  for (let j = 0; j < dim; j++) parts[j] = float32Text(data[from + j]);
  return array ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
}

/** Parses `[a,b,…]` or `{a,b,…}` into `out` at `offset`; returns whether it had `dim` values. */
export function parseVectorText(text: string, out: Float32Array, offset: number, dim: number): boolean {
  const body = text.slice(1, -1);
  if (body === '') return dim === 0;
  let j = 0;
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body.charCodeAt(i) === 44) {
      if (j >= dim) return false;
      out[offset + j++] = Number(body.slice(start, i));
      start = i + 1;
    }
  }
  return j === dim;
}
