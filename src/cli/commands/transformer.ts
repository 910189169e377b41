import type { Command } from 'commander';
import * as embed from './embed.js';
import * as model from './model.js';
import * as similarity from './similarity.js';

/** The transformer stage's commands: embed, similarity, model import|list. */
export function register(program: Command): void {
  embed.register(program);
  similarity.register(program);
  model.register(program);
}
