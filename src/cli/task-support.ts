import { type EmbedderSettings, listEmbedders } from '../embed/registry.js';
import { SmyslError } from '../errors.js';
import { type CorpusFlags, readCorpus } from './corpus-input.js';

/** Every embedder name the task commands accept (the registry's). */
export function embedderNames(): string[] {
  return listEmbedders().map((f) => f.method);
}

export interface LabelledFlags extends CorpusFlags {
  /** Metadata field (CSV/TSV column, JSON field) holding each document's label. */
  labelField: string;
}

/** Texts and labels of a labelled corpus; every document must carry the label field. */
export async function readLabelledCorpus(
  input: string,
  flags: LabelledFlags,
): Promise<{ texts: string[]; labels: string[] }> {
  const { documents } = await readCorpus(input, flags);
  const out = { texts: [] as string[], labels: [] as string[] };
  for (const d of documents) {
    const label = d.meta?.[flags.labelField];
    if (label === undefined || label === null || String(label).trim() === '')
      throw new SmyslError(
        'E_INPUT',
        `document ${d.id} has no label field "${flags.labelField}" (its fields: ${Object.keys(d.meta ?? {}).join(', ') || 'none'}); pass --label-field`,
      );
    out.texts.push(d.text);
    out.labels.push(String(label).trim());
  }
  if (out.texts.length === 0) throw new SmyslError('E_INPUT', `${input}: no documents`);
  return out;
}

/** "a=1,b=x" embedder settings from repeated --embedder-option flags. */
export function parseSettings(pairs: readonly string[]): EmbedderSettings {
  const s: EmbedderSettings = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new SmyslError('E_USAGE', `--set expects key=value, got "${p}"`);
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    s[key] =
      value === 'true'
        ? true
        : value === 'false'
          ? false
          : Number.isFinite(Number(value))
            ? Number(value)
            : value;
  }
  return s;
}
