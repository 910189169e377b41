import { drawMap, escapeHtml } from './map.js';

const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const headers = { 'content-type': 'application/json' };
  const key = localStorage.getItem('smysl-api-key');
  if (key) headers.authorization = `Bearer ${key}`;
  const r = await fetch(
    path,
    body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) },
  );
  if (r.status === 401) {
    const k = prompt('API key');
    if (k) {
      localStorage.setItem('smysl-api-key', k);
      return api(path, body);
    }
  }
  const json = await r.json();
  if (!r.ok) throw new Error(json.error?.message ?? `HTTP ${r.status}`);
  return json;
}

function showError(el, e) {
  el.innerHTML = `<span class="error">${escapeHtml(e.message)}</span>`;
}

for (const b of document.querySelectorAll('nav button')) {
  b.addEventListener('click', () => {
    for (const x of document.querySelectorAll('nav button')) x.classList.toggle('active', x === b);
    for (const t of document.querySelectorAll('.tab'))
      t.classList.toggle('active', t.id === `tab-${b.dataset.tab}`);
  });
}

/**
 * Marks the spans the server found: it matches words with the collection's own analyzer (stems
 * or lemmas), so the page shows exactly the forms the index matched and never guesses itself.
 */
function highlight(text, spans = []) {
  let html = '';
  let at = 0;
  for (const { start, end } of spans) {
    if (start < at || end > text.length) continue;
    html += `${escapeHtml(text.slice(at, start))}<mark>${escapeHtml(text.slice(start, end))}</mark>`;
    at = end;
  }
  return html + escapeHtml(text.slice(at));
}

async function init() {
  const [collections, sources] = await Promise.all([
    api('/v1/collections').catch(() => ({ data: [] })),
    api('/v1/explore/sources').catch(() => ({ collections: [], vectors: [] })),
  ]);
  $('search-collection').innerHTML = collections.data
    .map((c) => `<option value="${escapeHtml(c.name)}">${escapeHtml(c.name)} (${c.documents})</option>`)
    .join('');
  $('map-source').innerHTML = [
    ...sources.collections.map(
      (n) => `<option value="collection:${escapeHtml(n)}">collection ${escapeHtml(n)}</option>`,
    ),
    ...sources.vectors.map(
      (n) => `<option value="vectors:${escapeHtml(n)}">word vectors ${escapeHtml(n)}</option>`,
    ),
  ].join('');
  $('words-vectors').innerHTML = sources.vectors.map((n) => `<option>${escapeHtml(n)}</option>`).join('');
}

$('search-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('search-results');
  const query = $('search-query').value;
  out.innerHTML = '<li class="status">searching…</li>';
  try {
    const r = await api(`/v1/collections/${encodeURIComponent($('search-collection').value)}/search`, {
      query,
      k: 10,
      method: $('search-method').value,
    });
    out.innerHTML = r.data.length
      ? r.data
          .map(
            (h) => `<li class="hit"><div class="hit-title">${escapeHtml(h.title || h.id)}</div>
<div class="hit-meta">${escapeHtml(where(h))} · score ${h.score.toFixed(3)}${sides(h)}</div>
<div class="hit-snippet">${highlight(h.snippet ?? '', h.highlights)}</div></li>`,
          )
          .join('')
      : '<li class="status">no results</li>';
  } catch (err) {
    showError(out, err);
  }
});

/** file:line of the hit's passage (the id when the source file is unknown). */
function where(h) {
  const p = h.passage;
  if (!p?.line) return h.id;
  const file = p.path ? p.path.split('/').slice(-2).join('/') : h.id;
  return p.endLine && p.endLine !== p.line ? `${file}:${p.line}-${p.endLine}` : `${file}:${p.line}`;
}

/** Which side found the hit, and its rank there. */
function sides(h) {
  const s = [];
  if (h.dense) s.push(`dense ${h.dense.rank}`);
  if (h.sparse) s.push(`lexical ${h.sparse.rank}`);
  return s.length ? ` · ${s.join(' · ')}` : '';
}

$('map-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const [kind, name] = $('map-source').value.split(/:(.*)/s);
  $('map-status').textContent = 'projecting…';
  try {
    const r = await api('/v1/explore/map', {
      source: { [kind]: name },
      method: $('map-method').value,
      color: $('map-color').value || undefined,
    });
    // exposed for tests and the console: the drawn map's point count and groups
    window.smyslMap = drawMap($('map'), r.points, { title: `${name} · ${$('map-method').value}` });
    $('map').dataset.points = String(r.points.length);
    $('map-status').textContent = `${r.points.length} points`;
  } catch (err) {
    showError($('map-status'), err);
  }
});

function listWords(items) {
  $('words-results').innerHTML = items
    .map((w) => `<li>${escapeHtml(w.word)} <span class="status">${w.score.toFixed(4)}</span></li>`)
    .join('');
}

$('similar-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const r = await api('/v1/explore/similar', {
      vectors: $('words-vectors').value,
      word: $('similar-word').value,
      k: 15,
    });
    listWords(r.data);
  } catch (err) {
    showError($('words-results'), err);
  }
});

$('analogy-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const r = await api('/v1/explore/analogy', {
      vectors: $('words-vectors').value,
      a: $('analogy-a').value,
      b: $('analogy-b').value,
      c: $('analogy-c').value,
      k: 10,
    });
    listWords(r.data);
  } catch (err) {
    showError($('words-results'), err);
  }
});

$('context-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const sentences = $('context-sentences')
    .value.split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  $('context-status').textContent = 'embedding…';
  try {
    const r = await api('/v1/explore/context', { word: $('context-word').value, sentences });
    drawMap($('context-map'), r.points, { title: `“${$('context-word').value}” in context (PCA)` });
    // a sentence without any form of the word has no vector: say which, never drop it silently
    const left = r.skipped ?? [];
    $('context-status').textContent =
      `${r.points.length} vectors` +
      (left.length
        ? `; ${left.length} sentence${left.length > 1 ? 's' : ''} left out (no form of the word): ${left.map((s) => s.sentence).join(', ')}`
        : '');
    $('context-status').dataset.skipped = String(left.length);
  } catch (err) {
    showError($('context-status'), err);
  }
});

init();
