// Entity overview: the period's verify status, carbon flow (Sankey) and statements.
import { api, h, table, tC, num, report, section, problem, textDetails } from './core.js';
import { carbonFlow } from './flow.js';
import { sankey, KIND_COLOR, KIND_LABEL } from './charts.js';

export async function render(ctx, main) {
  const id = encodeURIComponent(ctx.entity);
  const [verify, ledger, emissions, balance] = await Promise.all([
    api(`/entities/${id}/verify`).catch(e => ({ error: e })),
    report(ctx, 'ledger'), report(ctx, 'entity-emissions'), report(ctx, 'carbon-balance'),
  ]);
  main.append(h('p', { class: 'period-note', id: 'period-note' },
    `Period ${ledger.period} (${ledger.from} to ${ledger.to})`,
    ledger.period_chosen ? `: ${ledger.period_chosen.rule}` : ': as chosen',
    `. Carbon ratios ${ledger.carbon_ratios}, GWP ${ledger.gwp}.`));

  const v = verify.error
    ? h('p', { class: 'bad', id: 'verify-status' }, '✗ Verify failed: ', verify.error.message)
    : h('p', { class: 'good', id: 'verify-status' }, `✓ Verified: ${verify.entries} entries, ${verify.transactions} transactions and ${verify.balances} balances recomputed from the stored journal match.`);
  main.append(section('Verification', v, verify.error ? '' : h('p', {}, 'Head of the hash chain: ', h('code', { class: 'hash' }, verify.head_hash))));

  const flow = carbonFlow(ledger);
  const sources = flow.links.filter(l => l.from.startsWith('src:')).reduce((a, l) => a + l.gC, 0);
  const toCustomers = flow.links.filter(l => l.kind === 'customer').reduce((a, l) => a + l.gC, 0);
  const desc = `Carbon of period ${ledger.period} in tonnes of carbon: ${tC(sources)} tC came in or was drawn from stocks; ` +
    `direct emissions ${tC(flow.direct)} tC, of which ${tC(flow.captured)} tC captured; ${tC(toCustomers)} tC left with products to customers. ` +
    'The table below lists every flow.';
  const chart = flow.links.length
    ? sankey(flow, { title: `Carbon flow of ${ctx.entity}, period ${ledger.period}`, desc })
    : h('p', {}, 'No carbon moved in this period.');
  const names = new Map(flow.nodes.map(n => [n.id, n.label]));
  const flowTable = table('Every flow of the diagram (tonnes of carbon; exact grams in the API)',
    ['From', 'To', 'What', 'tC'],
    flow.links.map(l => [names.get(l.from), names.get(l.to), l.label, tC(l.gC, 6)]), { numeric: [3], cls: 'flows' });
  const kinds = new Set(flow.links.map(l => l.kind === 'stock-drawn' ? 'stock-added' : l.kind === 'other-out' ? 'other-in' : l.kind));
  const legend = h('ul', { class: 'legend', 'aria-label': 'Colours of the flows' }, KIND_LABEL.filter(([k]) => kinds.has(k)).map(([k, label]) =>
    h('li', {}, h('span', { class: `swatch ${k}`, 'aria-hidden': 'true' }), label)));
  main.append(section('Carbon flow', h('p', { class: 'help' }, 'Tonnes of carbon (every species counted as its carbon) in the period, from the ledger statement. Hover a band for its amount; the table lists every flow.'),
    h('div', { class: 'chart-wrap' }, chart), legend,
    h('details', { class: 'flow-table' }, h('summary', {}, 'Flows as a table'), flowTable)));

  main.append(section('Entity emissions (ES-3)',
    table(`Period ${emissions.period}`, ['Line', 'tCO2', 'tCH4', 'tCO2e'],
      [...emissions.lines.map(l => [l.label, num(l.tCO2), num(l.tCH4), num(l.tCO2e)]),
        [h('strong', {}, 'Total'), num(emissions.total_tCO2), num(emissions.total_tCH4), h('strong', {}, num(emissions.total_tCO2e))]],
      { numeric: [1, 2, 3], cls: 'emissions' }),
    h('p', { class: 'help' }, `Direct, net of capture: ${num(emissions.direct_net_tCO2)} tCO2. Removals obtained ${num(emissions.removals_obtained_tCO2e)} tCO2e and certificates ${num(emissions.eacs_obtained_tCO2e)} tCO2e are reported beside the total, never netted.`),
    textDetails(ctx, 'entity-emissions')));

  const ok = x => x ? h('span', { class: 'good' }, '✓ holds') : h('span', { class: 'bad' }, '✗ does not hold');
  main.append(section('Carbon balance',
    h('p', {}, `Stocks ${num(balance.opening_stocks_tC)} tC at the beginning, ${num(balance.closing_stocks_tC)} tC at the end; net flows ${num(balance.net_flows_tC)} tC. Period check: `, ok(balance.period_check),
      '. Content check: ', ok(balance.content.check), '.'),
    table('Flows across the boundary', ['Account', 'Net tC'], balance.flows.map(f => [`${f.name} (${f.code})`, num(f.net_tC, 6)]), { numeric: [1], cls: 'balance-flows' }),
    textDetails(ctx, 'carbon-balance'), textDetails(ctx, 'balances'), textDetails(ctx, 'eledger')));
}

export { problem };
