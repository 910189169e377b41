// Interactive scatter plot on a canvas: pan (drag), zoom (wheel), hover labels, colour by group.
// Used by the web UI and inlined into the self-contained HTML that `smysl plot` writes.

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
];

/**
 * @param {HTMLElement} host element to draw into (its size is used)
 * @param {{x:number,y:number,label:string,group?:string,highlight?:boolean}[]} points
 * @param {{title?: string}} options
 */
export function drawMap(host, points, options = {}) {
  host.innerHTML = '';
  host.classList.add('map-host');
  const canvas = document.createElement('canvas');
  const tip = document.createElement('div');
  tip.className = 'map-tip';
  const legend = document.createElement('div');
  legend.className = 'map-legend';
  host.append(canvas, tip, legend);
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  const groups = [...new Set(points.map((p) => p.group ?? ''))];
  const colour = new Map(groups.map((g, i) => [g, PALETTE[i % PALETTE.length]]));
  legend.innerHTML = groups
    .filter((g) => g !== '')
    .slice(0, 30)
    .map((g) => `<span><i style="background:${colour.get(g)}"></i>${escapeHtml(g)}</span>`)
    .join('');

  // the view spans the 0.5–99.5 % quantiles, so a few far outliers (UMAP islands) do not squeeze
  // the rest into a corner; they stay reachable by zooming out
  const range = (values) => {
    const sorted = Float64Array.from(values).sort();
    const q = (f) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(f * (sorted.length - 1))))];
    const [lo, hi] = sorted.length >= 200 ? [q(0.005), q(0.995)] : [sorted[0], sorted[sorted.length - 1]];
    const pad = (hi - lo) * 0.02;
    return [lo - pad, hi + pad];
  };
  const [minX, maxX] = points.length ? range(points.map((p) => p.x)) : [0, 1];
  const [minY, maxY] = points.length ? range(points.map((p) => p.y)) : [0, 1];
  const view = { scale: 1, dx: 0, dy: 0 };
  let width = 0;
  let height = 0;
  const toScreen = (p) => {
    const pad = 30;
    const sx = (width - 2 * pad) / (maxX - minX || 1);
    const sy = (height - 2 * pad) / (maxY - minY || 1);
    const s = Math.min(sx, sy);
    const x = pad + (p.x - minX) * s + (width - 2 * pad - (maxX - minX) * s) / 2;
    const y = pad + (maxY - p.y) * s + (height - 2 * pad - (maxY - minY) * s) / 2;
    return [x * view.scale + view.dx, y * view.scale + view.dy];
  };
  const showLabels = points.length <= 200;

  function render() {
    width = host.clientWidth || 800;
    height = host.clientHeight || 500;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    for (const p of points) {
      const [x, y] = toScreen(p);
      if (x < -10 || y < -10 || x > width + 10 || y > height + 10) continue;
      ctx.beginPath();
      ctx.fillStyle = colour.get(p.group ?? '');
      ctx.arc(x, y, p.highlight ? 7 : 4, 0, Math.PI * 2);
      ctx.fill();
      if (p.highlight) {
        ctx.strokeStyle = '#000';
        ctx.lineWidth = 2;
        ctx.stroke();
      }
      if (showLabels || p.highlight) {
        ctx.fillStyle = '#222';
        ctx.fillText(p.label.length > 40 ? `${p.label.slice(0, 40)}…` : p.label, x + 6, y - 6);
      }
    }
    if (options.title) {
      ctx.fillStyle = '#444';
      ctx.font = 'bold 14px system-ui, sans-serif';
      ctx.fillText(options.title, 10, 18);
    }
  }

  function nearest(mx, my) {
    let best = null;
    let bd = 64;
    for (const p of points) {
      const [x, y] = toScreen(p);
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bd) {
        bd = d;
        best = p;
      }
    }
    return best;
  }

  let drag = null;
  canvas.addEventListener('mousedown', (e) => {
    drag = { x: e.clientX, y: e.clientY, dx: view.dx, dy: view.dy };
  });
  window.addEventListener('mouseup', () => {
    drag = null;
  });
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    if (drag) {
      view.dx = drag.dx + e.clientX - drag.x;
      view.dy = drag.dy + e.clientY - drag.y;
      render();
      return;
    }
    const p = nearest(e.clientX - r.left, e.clientY - r.top);
    if (p) {
      tip.style.display = 'block';
      tip.style.left = `${e.clientX - r.left + 12}px`;
      tip.style.top = `${e.clientY - r.top + 12}px`;
      tip.textContent = p.group ? `${p.label} — ${p.group}` : p.label;
    } else tip.style.display = 'none';
  });
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      const mx = e.clientX - r.left;
      const my = e.clientY - r.top;
      const f = e.deltaY < 0 ? 1.2 : 1 / 1.2;
      view.dx = mx - (mx - view.dx) * f;
      view.dy = my - (my - view.dy) * f;
      view.scale *= f;
      render();
    },
    { passive: false },
  );
  window.addEventListener('resize', render);
  render();
  return { render, count: points.length, groups };
}

export function escapeHtml(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}
