/** One embedder's result in a comparison run. */
export interface BenchRow {
  embedder: string;
  metrics: Record<string, number>;
  /** Wall time for training (if any) and evaluation, seconds. */
  seconds: number;
  /** Why a method could not run (e.g. needs a model it cannot load); no metrics then. */
  error?: string;
}

export interface BenchReport {
  task: string;
  data: string;
  /** The metric the bar chart shows and the table sorts by. */
  mainMetric: string;
  /** Settings worth reporting (split, seeds, k, ...). */
  settings: Record<string, string | number | boolean>;
  rows: BenchRow[];
  date: string;
  machine: string;
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function metricNames(r: BenchReport): string[] {
  const names = new Set<string>([r.mainMetric]);
  for (const row of r.rows) for (const k of Object.keys(row.metrics)) names.add(k);
  return [...names];
}

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

/** Rows sorted by the main metric, best first; failed rows last. */
export function rankedRows(r: BenchReport): BenchRow[] {
  return [...r.rows].sort((a, b) => {
    if (a.error || b.error) return a.error ? (b.error ? 0 : 1) : -1;
    return (
      (b.metrics[r.mainMetric] ?? Number.NEGATIVE_INFINITY) -
      (a.metrics[r.mainMetric] ?? Number.NEGATIVE_INFINITY)
    );
  });
}

export function renderMarkdownReport(r: BenchReport): string {
  const names = metricNames(r);
  const lines = [
    `# smysl bench: ${r.task}`,
    '',
    `Data: \`${r.data}\` · ${r.date} · ${r.machine}`,
    '',
    `Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    '',
    `| embedder | ${names.join(' | ')} | seconds |`,
    `|---|${names.map(() => '---:').join('|')}|---:|`,
  ];
  for (const row of rankedRows(r)) {
    if (row.error)
      lines.push(`| ${row.embedder} | ${names.map(() => '—').join(' | ')} | ${row.seconds.toFixed(1)} |`);
    else
      lines.push(
        `| ${row.embedder} | ${names.map((n) => fmt(row.metrics[n])).join(' | ')} | ${row.seconds.toFixed(1)} |`,
      );
  }
  const failed = r.rows.filter((x) => x.error);
  if (failed.length) {
    lines.push('', 'Not run:');
    for (const f of failed) lines.push(`- ${f.embedder}: ${f.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Horizontal SVG bar chart of one value per row. */
function barChart(rows: { label: string; value: number }[], title: string, unit = ''): string {
  const w = 640;
  const barH = 22;
  const left = 120;
  const h = rows.length * (barH + 6) + 40;
  const max = Math.max(1e-12, ...rows.map((r) => r.value));
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * (barH + 6);
      const bw = Math.max(1, ((w - left - 80) * r.value) / max);
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>
<rect x="${left}" y="${y}" width="${bw.toFixed(1)}" height="${barH}" fill="#4e79a7"/>
<text x="${left + bw + 6}" y="${y + 15}">${esc(fmt(r.value))}${unit}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="system-ui, sans-serif" font-size="13">
<text x="0" y="18" font-weight="bold">${esc(title)}</text>
${bars}
</svg>`;
}

/** A self-contained HTML report: the table plus bar charts of the main metric and of time. */
export function renderHtmlReport(r: BenchReport): string {
  const names = metricNames(r);
  const ok = rankedRows(r).filter((x) => !x.error);
  const table = `<table><thead><tr><th>embedder</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>seconds</th></tr></thead><tbody>
${rankedRows(r)
  .map(
    (row) =>
      `<tr><td>${esc(row.embedder)}</td>${names.map((n) => `<td>${row.error ? '—' : fmt(row.metrics[n])}</td>`).join('')}<td>${row.seconds.toFixed(1)}</td></tr>`,
  )
  .join('\n')}</tbody></table>`;
  const failed = r.rows.filter((x) => x.error);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>smysl bench: ${esc(r.task)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222} table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 10px;text-align:right} td:first-child,th:first-child{text-align:left}
.meta{color:#666}</style></head><body>
<h1>smysl bench: ${esc(r.task)}</h1>
<p class="meta">Data: <code>${esc(r.data)}</code> · ${esc(r.date)} · ${esc(r.machine)}<br>
Settings: ${esc(
    Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
  )}</p>
${table}
${barChart(
  ok.map((x) => ({ label: x.embedder, value: x.metrics[r.mainMetric] ?? 0 })),
  r.mainMetric,
)}
${barChart(
  ok.map((x) => ({ label: x.embedder, value: x.seconds })),
  'time (s)',
  ' s',
)}
${failed.length ? `<h2>Not run</h2><ul>${failed.map((f) => `<li>${esc(f.embedder)}: ${esc(f.error!)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
