import { SmyslError } from '../errors.js';

/** One metadata condition: `field=value` or `field!=value` (values compared as strings). */
export interface MetaFilter {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses "category=news" / "lang!=ru"; a dotted field ("source.site") looks into nested objects. */
export function parseWhere(expression: string): MetaFilter {
  const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/s.exec(expression);
  if (!m || m[1].trim() === '')
    throw new SmyslError('E_USAGE', `bad filter "${expression}": expected field=value or field!=value`);
  return { field: m[1].trim(), op: m[2] as '=' | '!=', value: m[3] };
}

function lookup(meta: Record<string, unknown>, field: string): unknown {
  if (field in meta) return meta[field];
  let cur: unknown = meta;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * All filters must hold (AND). A missing field never equals a value and always differs from it.
 * An array-valued field matches `=` when any element matches (tags, categories).
 */
export function matchesFilters(meta: Record<string, unknown>, filters: readonly MetaFilter[]): boolean {
  for (const f of filters) {
    const v = lookup(meta, f.field);
    const equal = Array.isArray(v) ? v.some((x) => asText(x) === f.value) : asText(v) === f.value;
    if (equal !== (f.op === '=')) return false;
  }
  return true;
}
