// Products: intensity by origin and by species (EFI Figure 8) as stacked bars, the physical view
// beside the claimed one where a pool claim names the product; Claims: every framework's verdict
// with its reasons, on the framework's sliding scale with the product's point.
import { api, h, table, num, report, section, params, link, textDetails } from './core.js';
import { stackedBars, scaleChart } from './charts.js';

const CATEGORY = {
  'raw-materials': 'Raw materials', electricity: 'Electricity', fuels: 'Fuels', direct: 'Direct, gross',
  ccs: 'CCS (abated)', ppe: 'Equipment (PPE)', transport: 'Transport of products',
};

/** Pool claims read from the export: [{pool, id, output, item}] (docs/journal.md, pool-claim). */
async function poolClaims(ctx) {
  const text = await api(`/entities/${encodeURIComponent(ctx.entity)}/export`);
  const blocks = text.split('\n').reduce((acc, line) => {
    if (/^\S/.test(line)) acc.push([line]); else if (acc.length) acc[acc.length - 1].push(line);
    return acc;
  }, []);
  const field = (b, k) => { const l = b.find(x => x.trim().startsWith(`${k} `)); return l ? l.trim().slice(k.length + 1).trim() : null; };
  const outputs = new Map(), claims = [];
  for (const b of blocks) {
    const m = b[0].match(/^\S+\s+(pool-output|pool-claim)\s+(\S+)/);
    if (!m) continue;
    if (m[1] === 'pool-output') outputs.set(`${field(b, 'pool')}/${m[2]}`, field(b, 'item'));
    else claims.push({ pool: field(b, 'pool'), id: m[2], output: field(b, 'output') });
  }
  for (const c of claims) c.item = outputs.get(`${c.pool}/${c.output}`) || null;
  return claims;
}

function assess(ctx, product, claim) {
  const q = new URLSearchParams({ product });
  if (claim) q.set('claim', claim);
  if (ctx.period) q.set('period', ctx.period);
  return api(`/entities/${encodeURIComponent(ctx.entity)}/assess?${q}`);
}

export async function render(ctx, main) {
  const pi = await report(ctx, 'product-intensity');
  const claims = await poolClaims(ctx).catch(() => []);
  main.append(h('p', { class: 'period-note' }, `Period ${pi.period} (${pi.from} to ${pi.to}). Intensities per ${pi.products[0] ? pi.products[0].per : 'kg'} of product sold.`));
  if (!pi.products.length) { main.append(h('p', {}, 'No product was sold in this period.')); return; }
  const cats = [];
  for (const p of pi.products) for (const l of p.lines) if (!cats.find(c => c.key === l.category)) cats.push({ key: l.category, label: CATEGORY[l.category] || l.label });
  const bars = pi.products.map(p => ({ label: p.item, parts: p.lines.map(l => ({ key: l.category, label: l.label, value: l.kgCO2e_per_kg })) }));
  main.append(section('Intensity by origin (Figure 8)',
    stackedBars(bars, { id: 'bars-origin', title: 'Product intensity by origin, kgCO2e per kg', unit: 'kgCO2e/kg', keys: cats,
      desc: pi.products.map(p => `${p.item}: ${num(p.total_kgCO2e_per_kg, 6)} kgCO2e/kg in total`).join('; ') }),
    h('div', { class: 'table-wrap' }, table('Intensity by origin, kgCO2e per kg', ['Origin', ...pi.products.map(p => p.item)],
      [...cats.map(c => [c.label, ...pi.products.map(p => { const l = p.lines.find(x => x.category === c.key); return l ? num(l.kgCO2e_per_kg, 6) : '—'; })]),
        [h('strong', {}, 'Total'), ...pi.products.map(p => h('strong', {}, num(p.total_kgCO2e_per_kg, 6)))]],
      { numeric: pi.products.map((_, i) => i + 1), cls: 'by-origin' }))));

  const species = [];
  const sbars = pi.products.map(p => {
    const sum = {};
    for (const l of p.lines) for (const [sp, g] of Object.entries(l.by_species_gC || {})) sum[sp] = (sum[sp] || 0) + g;
    const kg = p.sold_t * 1000;
    for (const sp of Object.keys(sum)) if (!species.find(x => x.key === sp)) species.push({ key: sp, label: `${sp} (as carbon)` });
    return { label: p.item, parts: Object.entries(sum).map(([sp, g]) => ({ key: sp, label: sp, value: g / 1000 / kg })) };
  });
  main.append(section('Carbon by species',
    stackedBars(sbars, { id: 'bars-species', title: 'Carbon in each product by species, kg of carbon per kg', unit: 'kgC/kg', keys: species,
      desc: 'Each species counted as its carbon; the table gives the figures.' }),
    table('Carbon by species, kg of carbon per kg of product', ['Product', ...species.map(x => x.key)],
      sbars.map(b => [b.label, ...species.map(x => { const part = b.parts.find(p => p.key === x.key); return part ? num(part.value, 6) : '—'; })]),
      { numeric: species.map((_, i) => i + 1), cls: 'by-species' })));

  const withClaims = claims.filter(c => pi.products.some(p => p.item === c.item));
  if (withClaims.length) {
    const cards = [];
    for (const c of withClaims) {
      const a = await assess(ctx, c.item, `${c.pool}/${c.id}`).catch(e => ({ error: e }));
      if (a.error) { cards.push(h('p', {}, `Claim ${c.pool}/${c.id} on ${c.item}: no claimed intensity to set beside the physical one (${a.error.message}).`)); continue; }
      const claimed = a.claim ? a.claim.claimed_tCO2e_per_t : null;
      cards.push(table(`${c.item}: physical and claimed (claim ${c.pool}/${c.id})`, ['View', 'tCO2e per t'],
        [['Physical (the ledger)', num(a.physical_intensity_tCO2e_per_t, 6)], ['Claimed (mass balance)', claimed == null ? '—' : num(claimed, 6)]], { numeric: [1], cls: 'claimed' }));
    }
    main.append(section('Physical and claimed', ...cards));
  }
  main.append(section('As text', textDetails(ctx, 'product-intensity')));
}

export async function renderClaims(ctx, main) {
  const pi = await report(ctx, 'product-intensity');
  const claims = await poolClaims(ctx).catch(() => []);
  if (!pi.products.length) { main.append(h('p', {}, 'No product was sold in this period.')); return; }
  const q = params();
  const product = q.get('product') || pi.products[0].item;
  const claim = q.get('claim') || '';
  const prodSel = h('select', { name: 'product', id: 'claim-product' }, pi.products.map(p => h('option', { value: p.item, selected: p.item === product }, p.item)));
  const claimSel = h('select', { name: 'claim', id: 'claim-claim' }, h('option', { value: '' }, 'No claim: the physical footprint'),
    claims.map(c => h('option', { value: `${c.pool}/${c.id}`, selected: `${c.pool}/${c.id}` === claim }, `${c.pool}/${c.id}${c.item ? ` (${c.item})` : ''}`)));
  const form = h('form', { class: 'toolbar', method: 'get', action: '/ui/claims' },
    h('input', { type: 'hidden', name: 'entity', value: ctx.entity }), ctx.period ? h('input', { type: 'hidden', name: 'period', value: ctx.period }) : '',
    h('label', {}, 'Product ', prodSel), h('label', {}, 'Claim ', claimSel), h('button', { type: 'submit' }, 'Assess'));
  main.append(form);
  const [a, scales] = await Promise.all([assess(ctx, product, claim), fetch('/ui/scales.json').then(r => r.json())]);
  main.append(h('p', { class: 'period-note' }, `${a.product} (${a.material}): physical ${num(a.physical_intensity_tCO2e_per_t, 6)} tCO2e/t. Boundary: ${a.boundary}.`));
  const verdicts = [...a.verdicts].sort((x, y) => Number(y.applicable) - Number(x.applicable));
  for (const v of verdicts) {
    const fw = scales.frameworks.find(f => f.id === v.framework);
    const reached = v.reached ? `level reached: ${v.reached}` : 'no level reached';
    const head = v.applicable ? h('span', { class: v.reached ? 'good' : 'bad' }, v.reached ? `✓ ${reached}` : `✗ ${reached}`) : h('span', { class: 'muted' }, 'not applicable');
    const reasons = h('ul', { class: 'reasons' }, v.reasons.map(r => h('li', { class: r.ok ? 'ok' : 'no' }, h('span', { class: 'sr-only' }, r.ok ? 'passes: ' : 'fails: '), h('span', { 'aria-hidden': 'true' }, r.ok ? '✓ ' : '✗ '), h('strong', {}, r.check), ': ', r.detail)));
    const parts = [h('p', {}, head, ` · ${v.version}`), reasons];
    if (v.claim_recognised !== null) parts.push(h('p', {}, `Claim recognised: ${v.claim_recognised ? 'yes' : 'no'}`));
    if (v.not_found.length) parts.push(h('p', { class: 'help' }, 'Not found in the framework (never invented): ', v.not_found.join('; ')));
    if (v.applicable && fw && fw.levels.length && v.intensity_tCO2e_per_t != null) {
      const chart = scaleChart(fw, { x: v.scrap_share, y: v.intensity_tCO2e_per_t, label: a.product }, { id: `scale-${v.framework}` });
      parts.push(h('div', { class: 'scale-row' }, chart,
        table('Levels at this product\'s scrap share', ['Level', 'Limit tCO2e/t', 'Met'], v.levels.map(l => [l.name, num(l.limit_tCO2e_per_t, 6), l.met ? 'yes' : 'no']), { numeric: [1] })));
    }
    main.append(h('section', { class: 'card verdict', 'data-framework': v.framework, 'aria-labelledby': `v-${v.framework}` }, h('h2', { id: `v-${v.framework}` }, v.name), ...parts));
  }
}

export { link };
