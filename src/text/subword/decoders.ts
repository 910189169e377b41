import { SmyslError } from '../../errors.js';
import { patternToRegExp } from './normalizers.js';
import { UNICODE_TO_BYTE } from './pretokenizers.js';

/** Turns tokens back into text. `special` holds tokens to pass through untouched. */
export interface Decoder {
  decodeChain(tokens: string[], special: Set<string>): string[];
  toJSON(): Record<string, unknown>;
}

/** Undoes the spaces BERT-style tokenization puts before punctuation and contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replace(/ \./g, '.')
    .replace(/ \?/g, '?')
    .replace(/ !/g, '!')
    .replace(/ ,/g, ',')
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}

export class WordPieceDecoder implements Decoder {
  constructor(
    readonly prefix = '##',
    readonly cleanup = true,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      if (i > 0) token = token.startsWith(this.prefix) ? token.slice(this.prefix.length) : ` ${token}`;
      return this.cleanup ? cleanUpTokenization(token) : token;
    });
  }
  toJSON() {
    return { type: 'WordPiece', prefix: this.prefix, cleanup: this.cleanup };
  }
}

export class MetaspaceDecoder implements Decoder {
  constructor(
    readonly replacement = '\u2581',
    readonly prependScheme: 'always' | 'first' | 'never' = 'always',
    readonly splitWords = true,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      const text = token.replaceAll(this.replacement, ' ');
      return i === 0 && this.prependScheme !== 'never' && text.startsWith(' ') ? text.slice(1) : text;
    });
  }
  toJSON() {
    return {
      type: 'Metaspace',
      replacement: this.replacement,
      prepend_scheme: this.prependScheme,
      split: this.splitWords,
    };
  }
}

export class ByteLevelDecoder implements Decoder {
  decodeChain(tokens: string[], special: Set<string>): string[] {
    const out: string[] = [];
    let pending: number[] = [];
    const flush = () => {
      if (pending.length)
        out.push(
          new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Uint8Array.from(pending)),
        );
      pending = [];
    };
    for (const token of tokens) {
      if (special.has(token)) {
        flush();
        out.push(token);
        continue;
      }
      for (const ch of token) {
        const b = UNICODE_TO_BYTE.get(ch);
        if (b !== undefined) pending.push(b);
        else {
          flush();
          out.push(ch);
        }
      }
    }
    flush();
    return out;
  }
  toJSON() {
    return { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  }
}

export class BPEDecoder implements Decoder {
  constructor(readonly suffix = '</w>') {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => token.replaceAll(this.suffix, i === tokens.length - 1 ? '' : ' '));
  }
  toJSON() {
    return { type: 'BPEDecoder', suffix: this.suffix };
  }
}

export class ReplaceDecoder implements Decoder {
  private readonly regex: RegExp;
  constructor(
    readonly pattern: { String?: string; Regex?: string },
    readonly content: string,
  ) {
    this.regex = patternToRegExp(pattern);
  }
  decodeChain(tokens: string[]): string[] {
    return tokens.map((t) => t.replace(this.regex, this.content));
  }
  toJSON() {
    return { type: 'Replace', pattern: this.pattern, content: this.content };
  }
}

export class FuseDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    return [tokens.join('')];
  }
  toJSON() {
    return { type: 'Fuse' };
  }
}

export class StripDecoder implements Decoder {
  constructor(
    readonly content: string,
    readonly start: number,
    readonly stop: number,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      let from = 0;
      for (let i = 0; i < this.start && token.startsWith(this.content, from); i++)
        from += this.content.length;
      let to = token.length;
      for (
        let i = 0;
        i < this.stop && to - this.content.length >= from && token.endsWith(this.content, to);
        i++
      )
        to -= this.content.length;
      return token.slice(from, to);
    });
  }
  toJSON() {
    return { type: 'Strip', content: this.content, start: this.start, stop: this.stop };
  }
}

export class ByteFallbackDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) out.push(new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes)));
      bytes = [];
    };
    for (const token of tokens) {
      const m = /^<0x([0-9A-F]{2})>$/.exec(token);
      if (m) bytes.push(Number.parseInt(m[1], 16));
      else {
        flush();
        out.push(token);
      }
    }
    flush();
    return out;
  }
  toJSON() {
    return { type: 'ByteFallback' };
  }
}

export class SequenceDecoder implements Decoder {
  constructor(readonly decoders: Decoder[]) {}
  decodeChain(tokens: string[], special: Set<string>): string[] {
    let out = tokens;
    for (const d of this.decoders) out = d.decodeChain(out, special);
    return out;
  }
  toJSON() {
    return { type: 'Sequence', decoders: this.decoders.map((d) => d.toJSON()) };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is untyped JSON
export function decoderFromJSON(config: any): Decoder | null {
  if (config === null || config === undefined) return null;
  switch (config.type) {
    case 'WordPiece':
      return new WordPieceDecoder(config.prefix ?? '##', config.cleanup ?? true);
    case 'Metaspace':
      return new MetaspaceDecoder(
        config.replacement ?? '\u2581',
        config.prepend_scheme ?? (config.add_prefix_space === false ? 'never' : 'always'),
        config.split ?? true,
      );
    case 'ByteLevel':
      return new ByteLevelDecoder();
    case 'BPEDecoder':
      return new BPEDecoder(config.suffix ?? '</w>');
    case 'Replace':
      return new ReplaceDecoder(config.pattern, config.content);
    case 'Fuse':
      return new FuseDecoder();
    case 'Strip':
      return new StripDecoder(config.content ?? ' ', config.start ?? 0, config.stop ?? 0);
    case 'ByteFallback':
      return new ByteFallbackDecoder();
    case 'Sequence':
      return new SequenceDecoder((config.decoders ?? []).map(decoderFromJSON).filter(Boolean));
    default:
      throw new SmyslError('E_MODEL', `unsupported decoder in tokenizer.json: ${config.type}`);
  }
}
