/**
 * Document number → id, compactly: all ids as UTF-8 in one buffer with start/end offsets (about
 * 9 bytes per document plus the id's bytes, instead of a JS string object each). Ids added or
 * changed after loading go to a small map.
 */
export class IdTable {
  private bytes: Buffer = Buffer.alloc(0);
  private start: Int32Array = new Int32Array(0);
  private end: Int32Array = new Int32Array(0);
  private readonly recent = new Map<number, string>();

  /**
   * Rebuilds from (document number, id) pairs. With the largest document number and the ids'
   * total UTF-8 length known up front, the arrays are allocated once at their final size (growing
   * them left freed copies in the process's memory).
   */
  load(pairs: Iterable<[number, string]>, size?: { maxDoc: number; idBytes: number }): void {
    let bytes = Buffer.alloc(size ? Math.max(1, size.idBytes) : 1 << 16);
    let start = new Int32Array(size ? size.maxDoc + 1 : 1024).fill(-1);
    let end = new Int32Array(start.length);
    let used = 0;
    for (const [doc, id] of pairs) {
      const length = Buffer.byteLength(id);
      while (used + length > bytes.length) {
        const grown = Buffer.alloc(bytes.length * 2);
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      if (doc >= start.length) {
        const size = Math.max(doc + 1, start.length * 2);
        const s = new Int32Array(size).fill(-1);
        s.set(start);
        const e = new Int32Array(size);
        e.set(end);
        start = s;
        end = e;
      }
      bytes.write(id, used);
      start[doc] = used;
      end[doc] = used + length;
      used += length;
    }
    this.bytes = used === bytes.length ? bytes : Buffer.from(bytes.subarray(0, used));
    this.start = start;
    this.end = end;
    this.recent.clear();
  }

  /**
   * Rebuilds from pages of (document numbers, their ids' UTF-8 lengths, the ids concatenated):
   * one string per page instead of one per id, so loading costs integer work per document.
   */
  loadPacked(pages: Iterable<{ docs: number[]; lengths: number[]; ids: string }>, maxDoc: number): void {
    const parts: Buffer[] = [];
    const start = new Int32Array(maxDoc + 1).fill(-1);
    const end = new Int32Array(start.length);
    let used = 0;
    for (const page of pages) {
      const bytes = Buffer.from(page.ids, 'utf8');
      parts.push(bytes);
      let at = used;
      for (let i = 0; i < page.docs.length; i++) {
        const doc = page.docs[i];
        start[doc] = at;
        at += page.lengths[i];
        end[doc] = at;
      }
      if (at !== used + bytes.length) throw new Error('document id lengths do not add up');
      used = at;
    }
    this.bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, used);
    this.start = start;
    this.end = end;
    this.recent.clear();
  }

  get(doc: number): string | undefined {
    const r = this.recent.get(doc);
    if (r !== undefined) return r;
    if (doc >= this.start.length || this.start[doc] < 0) return undefined;
    return this.bytes.toString('utf8', this.start[doc], this.end[doc]);
  }

  set(doc: number, id: string): void {
    this.recent.set(doc, id);
  }

  delete(doc: number): void {
    this.recent.delete(doc);
    if (doc < this.start.length) this.start[doc] = -1;
  }
}
