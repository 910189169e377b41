/**
 * Document number → id, compactly: all ids concatenated in one string with start/end offsets
 * (8 bytes per document plus the id's characters, instead of a JS string object each; a lookup
 * is an O(1) slice). Ids added or changed after loading go to a small map.
 */
export class IdTable {
  private text = '';
  private start: Int32Array = new Int32Array(0);
  private end: Int32Array = new Int32Array(0);
  private readonly recent = new Map<number, string>();

  /** Rebuilds from (document number, id) pairs. */
  load(pairs: Iterable<[number, string]>): void {
    const parts: string[] = [];
    let start = new Int32Array(1024).fill(-1);
    let end = new Int32Array(1024);
    let used = 0;
    for (const [doc, id] of pairs) {
      if (doc >= start.length) {
        const size = Math.max(doc + 1, start.length * 2);
        const s = new Int32Array(size).fill(-1);
        s.set(start);
        const e = new Int32Array(size);
        e.set(end);
        start = s;
        end = e;
      }
      parts.push(id);
      start[doc] = used;
      used += id.length;
      end[doc] = used;
    }
    this.text = parts.join('');
    this.start = start;
    this.end = end;
    this.recent.clear();
  }

  get(doc: number): string | undefined {
    const r = this.recent.get(doc);
    if (r !== undefined) return r;
    if (doc >= this.start.length || this.start[doc] < 0) return undefined;
    return this.text.slice(this.start[doc], this.end[doc]);
  }

  set(doc: number, id: string): void {
    this.recent.set(doc, id);
  }

  delete(doc: number): void {
    this.recent.delete(doc);
    if (doc < this.start.length) this.start[doc] = -1;
  }
}
