import { SmyslError } from '../../errors.js';

/** Word pieces of one text, without special tokens, with UTF-16 offsets into the text. */
export interface Pieces {
  ids: ArrayLike<number>;
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
}

/** What the encoder needs from a tokenizer: pieces with offsets, and the special token ids. */
export interface PieceTokenizer {
  encodePieces(text: string): Pieces;
  readonly clsId: number;
  readonly sepId: number;
}

/** Loads the model's tokenizer (tokenizer.json or vocab.txt) as a PieceTokenizer. */
export async function loadPieceTokenizer(file: string): Promise<PieceTokenizer> {
  throw new SmyslError('E_MODEL', `cannot load ${file}: the WordPiece tokenizer is not available yet`);
}
