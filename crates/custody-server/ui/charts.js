// SVG charts with text alternatives: every chart is role="img" with <title> and <desc>, every
// mark carries a <title>, and each page puts a data table beside each chart.
import { s, tC, num } from './core.js';

const PALETTE = ['#1b6ca8', '#e07a1f', '#2e8b57', '#b03a48', '#6a4c93', '#8c6d1f', '#1d8a99', '#d45087', '#5a6b7a', '#9c9c2e'];
export const color = i => PALETTE[i % PALETTE.length];

export const KIND_COLOR = {
  'bought-content': '#8c6d1f', 'bought-attributed': '#1b6ca8', direct: '#b03a48', captured: '#2e8b57',
  'product-content': '#a88a3c', 'product-emissions': '#5a7fa8', customer: '#6a4c93',
  'stock-drawn': '#9aa5b1', 'stock-added': '#9aa5b1', 'other-in': '#1d8a99', 'other-out': '#1d8a99',
};

/** What each colour of the Sankey means, in the order of the flow. */
export const KIND_LABEL = [
  ['bought-content', 'carbon content bought'], ['bought-attributed', 'upstream emissions bought with goods'],
  ['direct', 'direct emissions (content turned into emissions)'], ['captured', 'captured for storage'],
  ['product-content', 'content carried by products'], ['product-emissions', 'emissions carried by products'],
  ['customer', 'to customers'], ['stock-added', 'added to or drawn from stocks'], ['other-in', 'other flows'],
];

/** A Sankey diagram of `flow` (see flow.js): nodes in columns, links as bands whose width is the
 * carbon they carry. Each link path carries data-from, data-to, data-kind and data-gc (exact grams). */
export function sankey(flow, { title, desc, width = 1200, height = 540 }) {
  const cols = Math.max(...flow.nodes.map(n => n.col)) + 1;
  const nodeW = 14, pad = 18, labelW = 250, top = 10;
  const byCol = Array.from({ length: cols }, () => []);
  const value = new Map();
  for (const n of flow.nodes) {
    byCol[n.col].push(n);
    const inn = flow.links.filter(l => l.to === n.id).reduce((a, l) => a + l.gC, 0);
    const out = flow.links.filter(l => l.from === n.id).reduce((a, l) => a + l.gC, 0);
    value.set(n.id, Math.max(inn, out));
  }
  const usable = height - top * 2;
  const scale = Math.min(...byCol.filter(c => c.length).map(c =>
    (usable - pad * (c.length - 1)) / c.reduce((a, n) => a + value.get(n.id), 0)));
  const x = col => 10 + col * ((width - 2 * 10 - nodeW - labelW) / Math.max(1, cols - 1));
  const pos = new Map();
  for (const col of byCol) {
    let y = top;
    for (const n of col) {
      const hgt = Math.max(2, value.get(n.id) * scale);
      pos.set(n.id, { x: x(n.col), y, h: hgt, outY: y, inY: y });
      y += hgt + pad;
    }
  }
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'sankey-title sankey-desc', class: 'chart sankey', id: 'sankey' },
    s('title', { id: 'sankey-title' }, title), s('desc', { id: 'sankey-desc' }, desc));
  const linkG = s('g', { class: 'links', fill: 'none' });
  // Bands leave a node in the order of their targets' heights and enter in the order of their
  // sources', so they do not cross at the nodes.
  const outY = new Map(), inY = new Map();
  for (const l of [...flow.links].sort((a, b) => pos.get(a.to).y - pos.get(b.to).y)) {
    const a = pos.get(l.from);
    outY.set(l, a.outY); a.outY += l.gC * scale;
  }
  for (const l of [...flow.links].sort((a, b) => pos.get(a.from).y - pos.get(b.from).y)) {
    const b = pos.get(l.to);
    inY.set(l, b.inY); b.inY += l.gC * scale;
  }
  for (const l of flow.links) {
    const a = pos.get(l.from), b = pos.get(l.to);
    const w = Math.max(1, l.gC * scale);
    const y0 = outY.get(l) + w / 2, y1 = inY.get(l) + w / 2;
    const x0 = a.x + nodeW, x1 = b.x, xm = (x0 + x1) / 2;
    linkG.append(s('path', {
      d: `M${x0},${y0} C${xm},${y0} ${xm},${y1} ${x1},${y1}`, 'stroke-width': w.toFixed(2),
      stroke: KIND_COLOR[l.kind] || '#888', 'stroke-opacity': 0.45, class: 'link',
      'data-from': l.from, 'data-to': l.to, 'data-kind': l.kind, 'data-gc': l.gC,
    }, s('title', {}, `${l.label}: ${tC(l.gC)} tC`)));
  }
  svg.append(linkG);
  const nodeG = s('g', { class: 'nodes' });
  for (const n of flow.nodes) {
    const p = pos.get(n.id);
    nodeG.append(s('g', { class: 'node', 'data-node': n.id },
      s('rect', { x: p.x, y: p.y, width: nodeW, height: p.h, fill: '#33414e' }, s('title', {}, `${n.label}: ${tC(value.get(n.id))} tC`)),
      s('text', { x: p.x + nodeW + 5, y: p.y + Math.min(p.h / 2, 12), 'dominant-baseline': 'middle', class: 'label' },
        s('tspan', {}, n.label), s('tspan', { class: 'amount', dx: 6 }, `${tC(value.get(n.id), 1)} tC`))));
  }
  svg.append(nodeG);
  return svg;
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min, max) {
  const raw = (max - min) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * p).find(x => x >= raw);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step + 0);
  return out;
}

/** Horizontal stacked bars: `bars` [{label, parts: [{key, label, value}]}], values may be negative
 * (drawn left of zero). `unit` names the axis. */
export function stackedBars(bars, { title, desc, unit, keys, width = 900, id }) {
  const rowH = 34, left = 170, right = 70, topPad = 34, axisH = 30;
  const height = topPad + bars.length * rowH + axisH + 24 * Math.ceil(keys.length / 4);
  let min = 0, max = 0;
  for (const b of bars) {
    const pos = b.parts.filter(p => p.value > 0).reduce((a, p) => a + p.value, 0);
    const neg = b.parts.filter(p => p.value < 0).reduce((a, p) => a + p.value, 0);
    max = Math.max(max, pos); min = Math.min(min, neg);
  }
  if (max === min) max = min + 1;
  const sx = v => left + (v - min) / (max - min) * (width - left - right);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart bars', id },
    s('title', { id: `${id}-t` }, title), s('desc', { id: `${id}-d` }, desc));
  bars.forEach((b, i) => {
    const y = topPad + i * rowH;
    svg.append(s('text', { x: left - 8, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'label' }, b.label));
    let p0 = 0, n0 = 0;
    for (const part of b.parts) {
      if (!part.value) continue;
      const k = keys.findIndex(x => x.key === part.key);
      const from = part.value > 0 ? p0 : n0 + part.value;
      if (part.value > 0) p0 += part.value; else n0 += part.value;
      svg.append(s('rect', { x: sx(from), y: y + 5, width: Math.max(0.5, sx(from + Math.abs(part.value)) - sx(from)), height: rowH - 10,
        fill: color(k), class: 'seg', 'data-key': part.key, 'data-value': part.value },
      s('title', {}, `${b.label}, ${part.label}: ${num(part.value, 6)} ${unit}`)));
    }
    const total = b.parts.reduce((a, p) => a + p.value, 0);
    svg.append(s('text', { x: sx(p0) + 4, y: y + rowH / 2, 'dominant-baseline': 'middle', class: 'amount' }, `${num(total, 4)}`));
  });
  const ay = topPad + bars.length * rowH + 4;
  svg.append(s('line', { x1: sx(0), x2: sx(0), y1: topPad - 4, y2: ay, stroke: '#333' }));
  for (const v of niceTicks(min, max)) {
    svg.append(s('line', { x1: sx(v), x2: sx(v), y1: ay - 2, y2: ay + 3, stroke: '#333' }),
      s('text', { x: sx(v), y: ay + 16, 'text-anchor': 'middle', class: 'tick' }, num(v, 4)));
  }
  svg.append(s('text', { x: width - right, y: ay + 28, 'text-anchor': 'end', class: 'tick' }, unit));
  keys.forEach((k, i) => {
    const lx = left + (i % 4) * 170, ly = ay + 44 + Math.floor(i / 4) * 20;
    svg.append(s('rect', { x: lx, y: ly - 10, width: 12, height: 12, fill: color(i) }), s('text', { x: lx + 16, y: ly, class: 'tick' }, k.label));
  });
  svg.append(s('text', { x: left, y: 18, class: 'tick' }, unit));
  return svg;
}

/** A framework's sliding scale: each level a line from its limit at 0% scrap to its limit at
 * 100% scrap, and the product's point. */
export function scaleChart(fw, point, { id, width = 520, height = 300 }) {
  const left = 50, right = 20, topPad = 22, bottom = 40;
  const lv = fw.levels.map(l => ({ name: l.name, a: Number(l.at_0), b: Number(l.at_1) }));
  const top = Math.max(point.y || 0, ...lv.map(l => Math.max(l.a, l.b))) * 1.05 || 1;
  const yTicks = niceTicks(0, top);
  const ymax = Math.max(top, yTicks[yTicks.length - 1]);
  const sx = v => left + v * (width - left - right), sy = v => height - bottom - (v / ymax) * (height - topPad - bottom);
  const where = point.x === null ? 'at no stated scrap share (drawn at 0%)' : `at ${num(point.x * 100, 2)}% scrap`;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart scale', id },
    s('title', { id: `${id}-t` }, `${fw.name}: sliding scale`),
    s('desc', { id: `${id}-d` }, `Limits in ${fw.unit} by scrap share; the product: ${num(point.y, 4)} ${where}.`));
  svg.append(s('line', { x1: left, x2: width - right, y1: sy(0), y2: sy(0), stroke: '#333' }), s('line', { x1: left, x2: left, y1: topPad, y2: sy(0), stroke: '#333' }));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) svg.append(s('text', { x: sx(t), y: sy(0) + 16, 'text-anchor': 'middle', class: 'tick' }, `${t * 100}%`));
  svg.append(s('text', { x: (left + width - right) / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' }, 'scrap share'));
  for (const v of yTicks) {
    svg.append(s('line', { x1: left, x2: width - right, y1: sy(v), y2: sy(v), stroke: '#e3e8ec' }),
      s('text', { x: left - 6, y: sy(v), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'tick' }, num(v, 3)));
  }
  svg.append(s('text', { x: left, y: topPad - 4, class: 'tick' }, fw.unit));
  lv.forEach((l, i) => {
    svg.append(s('line', { x1: sx(0), y1: sy(l.a), x2: sx(1), y2: sy(l.b), stroke: color(i), 'stroke-width': 2, class: 'level', 'data-level': l.name },
      s('title', {}, `${l.name}: ${l.a} at 0% scrap, ${l.b} at 100%`)),
    s('text', { x: sx(0) + 6, y: sy(l.a) - 4, class: 'tick level-name' }, l.name));
  });
  const px = sx(point.x ?? 0), py = sy(point.y);
  svg.append(s('circle', { cx: px, cy: py, r: 6, fill: '#111', stroke: '#fff', 'stroke-width': 2, class: 'point', 'data-x': point.x ?? 0, 'data-y': point.y },
    s('title', {}, `${point.label}: ${num(point.y, 4)} ${where}`)));
  return svg;
}
