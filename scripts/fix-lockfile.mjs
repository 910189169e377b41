// The npm registry mirror used here serves only some platforms' optional binary packages
// (e.g. @biomejs/cli-linux-x64 but not cli-win32-x64), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lock as out of sync. This adds a stub entry,
// restricted by os/cpu/libc (so npm never tries to fetch it here), for each missing one.
// Run after `npm install`: `node scripts/fix-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const PLATFORM = /-(android|darwin|linux|win32|freebsd|openbsd|sunos|aix)-(x64|arm64|arm|ia32|ppc64|s390x|riscv64|loong64)(-(musl|gnu|msvc))?$/;
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `${key ? `${key}/` : ''}node_modules/${name}`.replace(/^(.*node_modules\/)(?:.*node_modules\/)/, '$1');
    const hoisted = `node_modules/${name}`;
    if (lock.packages[hoisted] || lock.packages[target]) continue;
    const m = PLATFORM.exec(name);
    if (!m) continue;
    const stub = { version: String(version).replace(/^[\^~]/, ''), optional: true, os: [m[1]], cpu: [m[2]] };
    if (m[4] === 'musl' || m[4] === 'gnu') stub.libc = [m[4] === 'gnu' ? 'glibc' : 'musl'];
    if (entry.dev) stub.dev = true;
    lock.packages[hoisted] = stub;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lockfile: added ${added} platform stub(s)`);
