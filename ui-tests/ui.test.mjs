// End-to-end tests of the web interface in headless Debian chromium (docs/ui.md), driven by
// playwright-core. Run by crates/custody-cli/tests/ui.rs, which starts the servers and passes:
// CUSTODY_UI_EFI (base URL serving examples/efi-h2-dri-eaf) and CUSTODY_UI_EFI_KEY (its read-only
// key); CUSTODY_UI_TT, CUSTODY_UI_TT_KEY (examples/three-tier, read-only key for its four
// entities), CUSTODY_UI_MINE_KEY and CUSTODY_UI_MILL_KEY (member keys); CUSTODY_UI_SHOTS (where
// screenshots go); CUSTODY_CHROMIUM (the browser, default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const env = name => { const v = process.env[name]; assert.ok(v, `${name} is set`); return v; };
const EFI = env('CUSTODY_UI_EFI'), EFI_KEY = env('CUSTODY_UI_EFI_KEY');
const TT = env('CUSTODY_UI_TT'), TT_KEY = env('CUSTODY_UI_TT_KEY');
const MINE_KEY = env('CUSTODY_UI_MINE_KEY'), MILL_KEY = env('CUSTODY_UI_MILL_KEY');
const SHOTS = env('CUSTODY_UI_SHOTS');
mkdirSync(SHOTS, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CUSTODY_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => { if (browser) await browser.close(); });

/** The JSON API, as the tests' own independent reading of the numbers. */
async function api(base, key, path, { body, method = body === undefined ? 'GET' : 'POST', type = 'application/json' } = {}) {
  const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': type }, body });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return res.headers.get('content-type').includes('json') ? JSON.parse(text) : text;
}
const grams = t => Math.round(t * 1e6);

/** A new page signed in with `key`; fails the test on any script error. */
async function signIn(base, key) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  page.errors = errors;
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/overview/);
  await ready(page);
  return page;
}
async function ready(page) {
  await page.waitForSelector('main[data-ready]', { timeout: 30000 });
  assert.equal(await page.getAttribute('main', 'data-ready'), 'true', await page.textContent('main'));
  assert.deepEqual(page.errors, []);
}
async function open(page, base, path) { await page.goto(base + path); await ready(page); }
async function shot(page, name) { await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }); }

test('the shell is served at / and /ui/PAGE with a strict CSP; unknown pages are 404 problems', async () => {
  for (const path of ['/', '/ui/overview', '/ui/ledger', '/ui/assets/app.js']) {
    const res = await fetch(EFI + path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  }
  const res = await fetch(`${EFI}/ui/nope`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
});

test('a wrong key is refused at sign-in', async () => {
  const page = await browser.newPage();
  await page.goto(`${EFI}/ui/signin`);
  await page.getByLabel('API key').fill('cst_not_a_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This key is not known').waitFor();
  await page.close();
});

test('overview: verify status and a Sankey whose flows sum to the statements', async () => {
  const page = await signIn(EFI, EFI_KEY);
  const e = '/entities/steel-producer';
  const [cb, em, verify] = await Promise.all([
    api(EFI, EFI_KEY, `${e}/reports/carbon-balance`), api(EFI, EFI_KEY, `${e}/reports/entity-emissions`), api(EFI, EFI_KEY, `${e}/verify`)]);
  assert.match(await page.textContent('#verify-status'), new RegExp(`Verified: ${verify.entries} entries`));
  assert.ok((await page.textContent('main')).includes(verify.head_hash));
  assert.equal(await page.textContent('.badge'), 'read-only');
  const links = await page.$$eval('#sankey path.link', ps => ps.map(p => ({ from: p.dataset.from, to: p.dataset.to, kind: p.dataset.kind, gC: Number(p.dataset.gc) })));
  assert.ok(links.length >= 8, `${links.length} links`);
  const sum = kind => links.filter(l => l.kind === kind).reduce((a, l) => a + l.gC, 0);
  const flow = code => grams(cb.flows.find(f => f.code === code).net_tC);
  assert.equal(sum('bought-content'), flow('in.content'));
  assert.equal(sum('bought-attributed'), flow('in.attributed'));
  assert.equal(sum('captured'), -flow('out.sequestered'));
  assert.equal(sum('customer'), -(flow('out.content') + flow('out.emissions')));
  assert.equal(sum('stock-added') - sum('stock-drawn'), grams(cb.closing_stocks_tC) - grams(cb.opening_stocks_tC));
  // Direct emissions: the content that became emissions is the statement's gross direct line.
  const direct = em.lines.find(l => l.key === 'direct_gross');
  assert.equal(sum('direct'), Object.values(direct.by_species_gC).reduce((a, g) => a + g, 0));
  assert.equal(sum('direct'), grams(cb.content.emitted_tC));
  // Every node between sources and sinks passes on exactly what it takes in.
  for (const node of new Set(links.flatMap(l => [l.from, l.to]))) {
    const into = links.filter(l => l.to === node).reduce((a, l) => a + l.gC, 0);
    const out = links.filter(l => l.from === node).reduce((a, l) => a + l.gC, 0);
    if (into && out) assert.equal(into, out, node);
  }
  // Text alternatives: title, desc, and a table of every flow.
  assert.ok(await page.textContent('#sankey > title'));
  assert.match(await page.textContent('#sankey > desc'), /tC/);
  assert.equal(await page.locator('table.flows tbody tr').count(), links.length);
  await shot(page, '01-overview-efi');
  // Period selection: the select names every period of the journal and reloads with it.
  await page.selectOption('#period-select', '2025-01');
  await page.waitForURL(/period=2025-01/);
  await ready(page);
  assert.match(await page.textContent('#period-note'), /Period 2025-01 \(2025-01-01 to 2025-01-31\): as chosen/);
  await page.close();
});

test('ledger: ES-1 and transactions, searchable and paged, each leading to its entry and hash', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await open(page, EFI, '/ui/ledger?entity=steel-producer');
  const ledger = await api(EFI, EFI_KEY, '/entities/steel-producer/reports/ledger');
  assert.equal(await page.locator('table.es1 tbody tr').count(), ledger.rows.length + 2);
  await shot(page, '02-ledger-efi');
  const txs = (await api(EFI, EFI_KEY, '/entities/steel-producer/transactions')).items;
  await page.fill('#txs-search', 'purchase');
  const purchases = txs.filter(t => t.kind === 'purchase').length;
  assert.ok(purchases > 1);
  assert.match(await page.textContent('#txs-status'), new RegExp(`^${purchases} of ${txs.length} lines`));
  assert.equal(await page.locator('table.txs tbody tr').count(), purchases);
  await page.fill('#txs-search', '');
  await page.fill('#es1-search', 'buy-coal');
  assert.equal(await page.locator('table.es1 tbody tr').count(), 1);
  await page.locator('table.es1 a', { hasText: 'buy-coal' }).click();
  await ready(page);
  const entry = (await api(EFI, EFI_KEY, '/entities/steel-producer/entries?operation=buy-coal')).items[0];
  assert.equal(await page.textContent('#entry-hash'), entry.hash);
  assert.equal(createHash('sha256').update(`${entry.prev_hash}\n${entry.text}\n${entry.transaction || ''}`).digest('hex'), entry.hash);
  assert.match(await page.textContent('#entry-text'), /purchase buy-coal/);
  await shot(page, '03-ledger-entry');
  await page.close();
});

test('ledger paging: pages of ?rows=N lines, Previous and Next', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await open(page, EFI, '/ui/ledger?entity=steel-producer&rows=5');
  const txs = (await api(EFI, EFI_KEY, '/entities/steel-producer/transactions')).items;
  const pages = Math.ceil(txs.length / 5);
  assert.ok(pages > 2);
  assert.equal(await page.textContent('#txs-status'), `${txs.length} of ${txs.length} lines; page 1 of ${pages}`);
  assert.ok(await page.isDisabled('#txs-prev'));
  await page.click('#txs-next');
  assert.equal(await page.textContent('#txs-status'), `${txs.length} of ${txs.length} lines; page 2 of ${pages}`);
  assert.equal(await page.textContent('table.txs tbody tr:first-child th'), txs[5].id);
  await page.click('#txs-prev');
  assert.equal(await page.textContent('table.txs tbody tr:first-child th'), txs[0].id);
  await page.close();
});

test('products: Figure 8 stacked bars add up to the statement', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await open(page, EFI, '/ui/products?entity=steel-producer');
  const pi = await api(EFI, EFI_KEY, '/entities/steel-producer/reports/product-intensity');
  const segs = await page.$$eval('#bars-origin rect.seg', rs => rs.map(r => Number(r.dataset.value)));
  const total = segs.reduce((a, v) => a + v, 0);
  const expected = pi.products[0].lines.reduce((a, l) => a + l.kgCO2e_per_kg, 0);
  assert.ok(Math.abs(total - expected) < 1e-9, `${total} vs ${expected}`);
  assert.ok(Math.abs(pi.products[0].total_kgCO2e_per_kg - total) <= 1e-6 * pi.products[0].lines.length);
  assert.equal(await page.locator('#bars-origin rect.seg').count(), pi.products[0].lines.filter(l => l.kgCO2e_per_kg).length);
  assert.ok(await page.locator('table.by-origin').isVisible());
  await shot(page, '04-products-efi');
  await page.close();
});

test('claims: a verdict per framework with reasons, and the product on the sliding scale', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await open(page, EFI, '/ui/claims?entity=steel-producer');
  const a = await api(EFI, EFI_KEY, '/entities/steel-producer/assess?product=steel');
  assert.equal(await page.locator('section.verdict').count(), a.verdicts.length);
  const iea = a.verdicts.find(v => v.framework === 'iea-near-zero');
  const card = page.locator('section.verdict[data-framework="iea-near-zero"]');
  assert.match(await card.textContent(), new RegExp(`level reached: ${iea.reached}`));
  assert.equal(await card.locator('ul.reasons li').count(), iea.reasons.length);
  const point = card.locator('circle.point');
  assert.equal(Number(await point.getAttribute('data-y')), iea.intensity_tCO2e_per_t);
  assert.equal(Number(await point.getAttribute('data-x')), iea.scrap_share);
  assert.equal(await card.locator('line.level').count(), iea.levels.length);
  await shot(page, '05-claims-efi');
  await page.close();
});

test('pools and certificates: the seven decisions, periods and the registry with histories', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await open(page, EFI, '/ui/pools?entity=steel-producer');
  await page.getByText('This ledger keeps no mass-balance pool.').waitFor();
  await shot(page, '06-pools-efi');
  await page.close();
});

test('keyboard: the skip link and the page links work from the keyboard', async () => {
  const page = await signIn(EFI, EFI_KEY);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  // Tab to the Ledger link and follow it with Enter.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement.textContent) === 'Ledger') break;
  }
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Ledger');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/ui\/ledger/);
  await ready(page);
  // Every chart on every page has a title and a description.
  for (const p of ['overview', 'products', 'claims']) {
    await open(page, EFI, `/ui/${p}?entity=steel-producer`);
    const charts = await page.$$eval('svg.chart', ss => ss.map(s => [s.getAttribute('role'), !!s.querySelector(':scope > title')?.textContent, !!s.querySelector(':scope > desc')?.textContent]));
    assert.ok(charts.length > 0, p);
    for (const c of charts) assert.deepEqual(c, ['img', true, true], p);
  }
  await page.close();
});

test('transfers: accept one and refuse another, and both ledgers change', async () => {
  // Two new sales from the mine to the mill in a new month (set up through the API).
  await api(TT, MILL_KEY, '/entities/mill/journal', { type: 'text/plain', body: 'period 2025-04 2025-04-01 2025-04-30\n' });
  await api(TT, MINE_KEY, '/entities/mine/journal', { type: 'text/plain', body: [
    'period 2025-04 2025-04-01 2025-04-30',
    '2025-04-02 purchase buy-diesel-2\n  supplier diesel-co\n  item diesel\n  quantity 10 t\n  factor 600 gCO2/kg',
    '2025-04-03 consume mining-2\n  use diesel 10 t',
    '2025-04-03 produce pelletizing-2\n  output ore 3000 t',
    '2025-04-04 sell ore-sale-2\n  item ore\n  customer mill 2000 t',
    '2025-04-04 sell ore-sale-3\n  item ore\n  customer mill 1000 t', ''].join('\n') });
  const before = (await api(TT, MILL_KEY, '/entities/mill/transactions')).total;
  const mineBefore = (await api(TT, MINE_KEY, '/entities/mine/transactions')).total;

  // A read-only key sees the incoming transfers but no buttons.
  const ro = await signIn(TT, TT_KEY);
  await open(ro, TT, '/ui/transfers?entity=mill');
  assert.equal(await ro.locator('article.transfer').count(), 2);
  assert.equal(await ro.locator('button.accept').count(), 0);
  await ro.close();

  const page = await signIn(TT, MILL_KEY);
  await open(page, TT, '/ui/transfers?entity=mill');
  assert.equal(await page.textContent('.badge'), 'member: may write');
  const card = page.locator('article[data-transfer="mine/ore-sale-2/mill"]');
  // The footprint comes first, before the decision.
  const order = await card.evaluate(a => [...a.children].map(c => c.tagName));
  assert.ok(order.indexOf('TABLE') < order.indexOf('FORM'), order.join());
  const sent = (await api(TT, MILL_KEY, '/entities/mill/transfers')).items.find(t => t.id === 'mine/ore-sale-2/mill').sent;
  assert.equal(await card.locator('table tbody tr').count(), sent.length);
  await shot(page, '07-transfers-incoming');
  await card.getByRole('button', { name: 'Accept and book' }).click();
  await page.waitForFunction(() => document.querySelectorAll('article.transfer').length === 1, null, { timeout: 15000 });
  await ready(page);
  await page.locator('article[data-transfer="mine/ore-sale-3/mill"]').getByRole('button', { name: /Refuse/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('article.transfer').length === 0, null, { timeout: 15000 });
  await ready(page);
  await page.getByText('No transfer is waiting for this entity.').waitFor();
  await shot(page, '08-transfers-settled');
  await page.close();

  // Both ledgers changed: the mill booked the receive, the mine booked the return.
  assert.equal((await api(TT, MILL_KEY, '/entities/mill/transactions')).total, before + 1);
  assert.equal((await api(TT, MINE_KEY, '/entities/mine/transactions')).total, mineBefore + 1);
  const recon = await api(TT, TT_KEY, '/reconciliation');
  assert.equal(recon.mismatches, 0);
  const v = await signIn(TT, TT_KEY);
  await open(v, TT, '/ui/ledger?entity=mill&period=2025-04');
  await v.getByRole('link', { name: 'receive:mine/ore-sale-2/mill' }).first().waitFor();
  await shot(v, '09-ledger-mill-after');
  await open(v, TT, '/ui/ledger?entity=mine&period=2025-04');
  await v.getByRole('link', { name: 'return:mine/ore-sale-3/mill' }).first().waitFor();
  await open(v, TT, '/ui/transfers?entity=mine');
  const states = await v.$$eval('table.outgoing tbody tr', rs => rs.map(r => r.textContent));
  assert.ok(states.some(s => s.includes('ore-sale-2') && s.includes('received')), states.join('\n'));
  assert.ok(states.some(s => s.includes('ore-sale-3') && s.includes('returned')), states.join('\n'));
  await shot(v, '10-transfers-mine');
  await open(v, TT, '/ui/overview?entity=mill&period=2025-04');
  await shot(v, '11-overview-mill');
  await v.close();
});
