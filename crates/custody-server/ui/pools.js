// Pools and certificates: each pool's seven decisions as a readable policy, its periods' figures
// and flags in plain words; the certificate registry with each block's history.
import { h, table, num, report, section, textDetails } from './core.js';

function words(v) {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.map(words).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')}: ${words(x)}`).join('; ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

const DECISIONS = [
  ['input_criteria', '1. Which inputs are eligible'],
  ['temporal_boundary', '2. Over what time the pool balances'],
  ['transfer_boundary', '3. Where the pool holds (site or company)'],
  ['allocation', '4. How outputs are allocated'],
  ['attribution', '5. How the attribute is attributed to outputs'],
  ['output', '6. What an output receives'],
  ['claim', '7. What may be claimed'],
];

export async function render(ctx, main) {
  const [pool, certs] = await Promise.all([report(ctx, 'pool'), report(ctx, 'certificates')]);
  main.append(h('p', { class: 'period-note' }, `Statements of period ${pool.period} (${pool.from} to ${pool.to}).`));
  if (!pool.pools.length) main.append(section('Pools', h('p', {}, 'This ledger keeps no mass-balance pool.')));
  for (const p of pool.pools) {
    const policy = h('dl', { class: 'policy' }, DECISIONS.map(([k, label]) => [h('dt', {}, label), h('dd', {}, words(p.policy[k]))]),
      h('dt', {}, 'Conversion (output per unit of input)'), h('dd', {}, words(p.policy.conversion)));
    const flags = p.flags.length ? h('ul', { class: 'flags' }, p.flags.map(f => h('li', {}, f))) : h('p', {}, 'No flag.');
    const rows = p.periods.map(x => [`${x.period}: ${x.first_month} to ${x.last_month}${x.closed ? ' (closed)' : ''}`,
      num(x.inputs_total), num(x.eligible_inputs), num(x.credited), num(x.carried_in), num(x.outputs), num(x.claimed), num(x.balance), num(x.carry_out), num(x.lapsed),
      x.residual_tCO2e_per_t == null ? '—' : num(x.residual_tCO2e_per_t, 6)]);
    const periodFlags = p.periods.flatMap(x => x.flags.map(f => `Period ${x.period}: ${f}`));
    main.append(section(`Pool ${p.name} (${p.id})`,
      h('p', {}, `Attribute: ${p.attribute}; method: ${p.method}.`),
      h('h3', {}, 'Policy: the seven decisions'), policy,
      h('h3', {}, 'Flags'), flags,
      h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Periods of ${p.id}` },
        table('Per period (in the pool\'s units)', ['Period', 'Inputs', 'Eligible', 'Credited', 'Carried in', 'Outputs', 'Claimed', 'Balance', 'Carried out', 'Lapsed', 'Residual tCO2e/t'], rows,
          { numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], cls: 'pool-periods' })),
      periodFlags.length ? h('ul', { class: 'flags' }, periodFlags.map(f => h('li', {}, f))) : ''));
  }
  main.append(section('Certificates', certs.certificates.length
    ? [table('The certificate registry', ['Certificate', 'Issuer', 'Pool', 'Serials', 'Units', 'State', 'Holder', 'Expires'],
      certs.certificates.map(c => [c.named_by ? `${c.named_by}/${c.id}` : c.id, c.issuer, `${c.pool} (period ${c.period})`, `${c.first_serial.number} to ${c.last_serial.number}`, num(c.units, 0), c.state, c.holder, c.expires || '—']),
      { numeric: [4], cls: 'certs' }),
    ...certs.certificates.map(c => h('details', { class: 'history' }, h('summary', {}, `History of ${c.id}`),
      h('ol', {}, c.history.map(e => h('li', {}, `${e.date}: ${e.event}`)))))]
    : h('p', {}, 'No certificate in this ledger.'), textDetails(ctx, 'pool'), textDetails(ctx, 'certificates')));
}
