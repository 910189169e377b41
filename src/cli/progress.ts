import type { Progress } from '../util/progress.js';

/**
 * A progress line on stderr. Drawn only when stderr is a TTY and not --quiet, so pipes and
 * CI logs stay clean; redraws at most ~10 times a second.
 */
export class ProgressBar {
  private last = 0;
  private readonly start = Date.now();
  private drawn = false;
  readonly enabled: boolean;

  constructor(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = !opts.quiet && Boolean(this.stream.isTTY);
  }
  private readonly stream: NodeJS.WriteStream;

  /** Pass as `onProgress`. */
  readonly update = (p: Progress): void => {
    if (!this.enabled) return;
    this.latest = p;
    // the clock and ETA move every second even while one long step (a big document) runs
    this.timer ??= setInterval(() => this.latest && this.draw(this.latest), 1000).unref();
    const now = Date.now();
    if (now - this.last < 100 && !(p.total !== undefined && p.done >= p.total)) return;
    this.draw(p);
  };
  private latest?: Progress;
  private timer?: NodeJS.Timeout;

  private draw(p: Progress): void {
    const now = Date.now();
    this.last = now;
    // a 0-column pseudo-terminal reports columns 0: fall back to 80 rather than cutting everything
    this.stream.write(`\r\x1b[K${formatProgress(p, (now - this.start) / 1000, this.stream.columns || 80)}`);
    this.drawn = true;
  }

  /** Clears the line so the next output starts clean. */
  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.latest = undefined;
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function formatProgress(p: Progress, elapsedSec: number, width = 80): string {
  const unit = p.unit ? ` ${p.unit}` : '';
  const rate = elapsedSec > 0 ? p.done / elapsedSec : 0;
  const extra = p.extra
    ? Object.entries(p.extra)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
        .join('  ')
    : '';
  let text: string;
  if (p.total !== undefined && p.total > 0) {
    const frac = Math.min(1, p.done / p.total);
    const eta = rate > 0 ? (p.total - p.done) / rate : Number.NaN;
    text = `${p.phase} ${bar(frac)} ${(frac * 100).toFixed(1)}% ${formatNumber(p.done)}/${formatNumber(p.total)}${unit} ETA ${formatDuration(eta)}`;
  } else if (p.fraction !== undefined && p.fraction > 0) {
    const frac = Math.min(1, p.fraction);
    const eta = (elapsedSec * (1 - frac)) / frac;
    text = `${p.phase} ${bar(frac)} ${(frac * 100).toFixed(1)}% ${formatNumber(p.done)}${unit} ETA ${formatDuration(eta)}`;
  } else {
    text = `${p.phase} ${formatNumber(p.done)}${unit} (${formatNumber(rate)}${unit}/s) ${formatDuration(elapsedSec)}`;
  }
  if (extra) text += `  ${extra}`;
  return text.length > width - 1 ? text.slice(0, width - 1) : text;
}

function bar(frac: number, width = 20): string {
  const fill = Math.round(frac * width);
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}]`;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (Number.isInteger(n)) return String(n);
  return a >= 100 ? n.toFixed(0) : a >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
