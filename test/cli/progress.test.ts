import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatNumber, formatProgress } from '../../src/cli/progress.js';

test('formatDuration', () => {
  assert.equal(formatDuration(0), '00:00');
  assert.equal(formatDuration(61.4), '01:01');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Number.NaN), '--:--');
});

test('formatNumber', () => {
  assert.equal(formatNumber(12), '12');
  assert.equal(formatNumber(12345), '12.3k');
  assert.equal(formatNumber(2_500_000), '2.50M');
  assert.equal(formatNumber(0.5), '0.500');
});

test('formatProgress with a known total shows percent and ETA', () => {
  const s = formatProgress({ phase: 'reading', done: 50, total: 200, unit: 'docs' }, 10, 200);
  assert.match(s, /^reading \[#####\.+\] 25\.0% 50\/200 docs ETA 00:30$/);
});

test('formatProgress without a total shows the rate', () => {
  const s = formatProgress({ phase: 'reading', done: 100, unit: 'docs' }, 4, 200);
  assert.equal(s, 'reading 100 docs (25 docs/s) 00:04');
});
