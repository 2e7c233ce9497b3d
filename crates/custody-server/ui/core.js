// Shared helpers: the API client (Bearer key from sessionStorage), DOM builders that only ever set
// text (never HTML), number formatting from exact integer grams, and page context (entity, period).

const KEY = 'custody.key';

export function key() { return sessionStorage.getItem(KEY); }
export function setKey(k) { sessionStorage.setItem(KEY, k); }
export function signOut() { sessionStorage.clear(); location.assign('/ui/signin'); }

/** An API error carrying the problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Calls the JSON API; `body` is sent as JSON. Answers parsed JSON or text. */
export async function api(path, { method = 'GET', body, withKey } = {}) {
  const headers = { Authorization: `Bearer ${withKey || key()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !withKey) signOut();
    throw new ApiError(res.status, typeof data === 'object' ? data : { detail: data });
  }
  return data;
}

/** Every item of a paginated list. */
export async function all(path) {
  const items = [];
  let offset = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const p = await api(`${path}${sep}offset=${offset}&limit=1000`);
    items.push(...p.items);
    if (p.next_offset == null) return items;
    offset = p.next_offset;
  }
}

/** `h('p', {class: 'x'}, 'text', child)`: an element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** An SVG element, as `h`. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Exact grams of carbon as tonnes, grouped, with up to `places` decimals (truncating none: rounded for display only). */
export function tC(gC, places = 3) {
  return (gC / 1e6).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: places });
}

/** A number for display. */
export function num(x, places = 3) {
  if (x === null || x === undefined) return '—';
  return Number(x).toLocaleString('en-US', { maximumFractionDigits: places });
}

/** tC as given by a statement (six decimals, exact) in integer grams. */
export function gramsOf(tonnes) { return Math.round(Number(tonnes) * 1e6); }

/** A table with a caption; `rows` are arrays of cells (strings, numbers or nodes). */
export function table(caption, headers, rows, { numeric = [], cls = '' } = {}) {
  const t = h('table', { class: `data ${cls}` });
  if (caption) t.append(h('caption', {}, caption));
  t.append(h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : '' }, x)))));
  t.append(h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) => h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: numeric.includes(i) ? 'num' : '' }, c))))));
  return t;
}

/** The page's query: entity and period. */
export function params() { return new URLSearchParams(location.search); }

/** A link to another page, keeping the entity and period. */
export function link(page, extra = {}, text) {
  const q = params();
  const keep = new URLSearchParams();
  for (const k of ['entity', 'period']) if (q.get(k)) keep.set(k, q.get(k));
  for (const [k, v] of Object.entries(extra)) if (v === null) keep.delete(k); else keep.set(k, v);
  const qs = keep.toString();
  return `/ui/${page}${qs ? `?${qs}` : ''}`;
}

/** The periods of a ledger, read from its export (`period ID FROM TO` and `close ID`, docs/journal.md). */
export async function periods(entity) {
  const text = await api(`/entities/${encodeURIComponent(entity)}/export`);
  const out = [];
  const closed = new Set();
  for (const line of text.split('\n')) {
    const m = line.match(/^period\s+(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})/);
    if (m) out.push({ id: m[1], from: m[2], to: m[3] });
    const c = line.match(/^close\s+(\S+)/);
    if (c) closed.add(c[1]);
  }
  for (const p of out) p.closed = closed.has(p.id);
  return out;
}

/** May this key write the entity's ledger? Probes the accept route with an empty body: the API
 * checks the role before the body, so a read-only key gets 403 and a member 400; nothing is written. */
export async function canWrite(entity) {
  const cacheKey = `custody.write.${entity}`;
  const cached = sessionStorage.getItem(cacheKey);
  if (cached !== null) return cached === '1';
  let ok = false;
  try {
    await api(`/entities/${encodeURIComponent(entity)}/transfers/accept`, { method: 'POST', body: {} });
  } catch (e) {
    ok = e.status === 400;
  }
  sessionStorage.setItem(cacheKey, ok ? '1' : '0');
  return ok;
}

/** A report of the current period. */
export function report(ctx, kind) {
  const q = ctx.period ? `?period=${encodeURIComponent(ctx.period)}` : '';
  return api(`/entities/${encodeURIComponent(ctx.entity)}/reports/${kind}${q}`);
}

/** An error shown in place. */
export function problem(e) {
  return h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Error: '), e.message || String(e),
    e.problem && e.problem.code ? ` (${e.problem.code})` : '');
}

/** A titled section. */
export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, title), ...children);
}

/** Lazily loaded text rendering of a statement (the same text as `custody report`). */
export function textDetails(ctx, kind) {
  const pre = h('pre', { class: 'text' });
  const d = h('details', {}, h('summary', {}, `${kind} as text`), pre);
  d.addEventListener('toggle', async () => {
    if (!d.open || pre.textContent) return;
    const q = new URLSearchParams({ format: 'text' });
    if (ctx.period) q.set('period', ctx.period);
    try { pre.textContent = await api(`/entities/${encodeURIComponent(ctx.entity)}/reports/${kind}?${q}`); } catch (e) { pre.textContent = e.message; }
  });
  return d;
}
