// Removes dist/ before `npm pack` / `npm publish` (prepack), so the tarball holds exactly what
// `npm run build` (prepare, which runs next) makes from today's sources: no output of deleted
// sources, nothing left from an older build.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

rmSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist'), { recursive: true, force: true });
