/**
 * A string being normalized, with, for every UTF-16 unit of `text`, the span of the ORIGINAL
 * input it came from. Offsets reported to users are always offsets into the original string.
 */
export class AlignedString {
  constructor(
    readonly text: string,
    readonly starts: number[],
    readonly ends: number[],
  ) {}

  static from(text: string, base = 0): AlignedString {
    const n = text.length;
    const starts = new Array<number>(n);
    const ends = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      // Both halves of a surrogate pair map to the whole pair, so no offset splits a character.
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          starts[i] = starts[i + 1] = base + i;
          ends[i] = ends[i + 1] = base + i + 2;
          i++;
          continue;
        }
      }
      starts[i] = base + i;
      ends[i] = base + i + 1;
    }
    return new AlignedString(text, starts, ends);
  }

  slice(from: number, to: number): AlignedString {
    return new AlignedString(
      this.text.slice(from, to),
      this.starts.slice(from, to),
      this.ends.slice(from, to),
    );
  }

  /** Original span of normalized units [from, to). Empty ranges map to a zero-width span. */
  span(from: number, to: number): [number, number] {
    if (to <= from) {
      const at =
        from < this.starts.length
          ? this.starts[from]
          : this.ends.length
            ? this.ends[this.ends.length - 1]
            : 0;
      return [at, at];
    }
    return [this.starts[from], this.ends[to - 1]];
  }

  /**
   * Rebuilds the string code point by code point; every unit `replace` returns for a code point
   * inherits that code point's original span.
   */
  mapCodePoints(replace: (cp: number, index: number, text: string) => string): AlignedString {
    const text = this.text;
    const starts: number[] = [];
    const ends: number[] = [];
    const parts: string[] = [];
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const out = replace(cp, i, text);
      if (out.length) {
        parts.push(out);
        const s = this.starts[i];
        const e = this.ends[i + width - 1];
        for (let k = 0; k < out.length; k++) {
          starts.push(s);
          ends.push(e);
        }
      }
      i += width;
    }
    return new AlignedString(parts.join(''), starts, ends);
  }

  /** Replaces each [from, to) cluster by `replace(cluster)`; new units span the cluster. */
  mapClusters(isContinuation: (cp: number) => boolean, replace: (cluster: string) => string): AlignedString {
    const text = this.text;
    const starts: number[] = [];
    const ends: number[] = [];
    const parts: string[] = [];
    let i = 0;
    while (i < text.length) {
      let j = i + (text.codePointAt(i)! > 0xffff ? 2 : 1);
      while (j < text.length) {
        const cp = text.codePointAt(j)!;
        if (!isContinuation(cp)) break;
        j += cp > 0xffff ? 2 : 1;
      }
      const cluster = text.slice(i, j);
      const out = replace(cluster);
      if (out === cluster) {
        parts.push(out);
        for (let k = i; k < j; k++) {
          starts.push(this.starts[k]);
          ends.push(this.ends[k]);
        }
      } else if (out.length) {
        parts.push(out);
        for (let k = 0; k < out.length; k++) {
          starts.push(this.starts[i]);
          ends.push(this.ends[j - 1]);
        }
      }
      i = j;
    }
    return new AlignedString(parts.join(''), starts, ends);
  }

  prepend(prefix: string): AlignedString {
    if (!prefix || this.text.length === 0) return this;
    const s = this.starts[0];
    const e = this.ends[0];
    return new AlignedString(
      prefix + this.text,
      [...new Array<number>(prefix.length).fill(s), ...this.starts],
      [...new Array<number>(prefix.length).fill(e), ...this.ends],
    );
  }
}

export interface Normalizer {
  normalize(input: AlignedString): AlignedString;
  toJSON(): Record<string, unknown>;
}
