// Transfers: incoming ones to accept or refuse, their footprint shown first; outgoing ones with
// their state; the reconciliation of both sides. A read-only key sees no buttons (and the API
// would refuse it anyway).
import { api, all, h, table, tC, section, problem } from './core.js';

function footprint(t) {
  const total = t.sent.reduce((a, x) => a + (['N2O', 'SF6'].includes(x.species) ? 0 : x.amount_gC), 0);
  return [h('p', { class: 'footprint' }, h('strong', {}, `${tC(total, 6)} tC`), ` carried with ${t.quantity.toLocaleString('en-US')} g of ${t.item} (kJ for goods counted by energy), as the seller booked it:`),
    table(`Footprint of ${t.id}`, ['Form', 'Species', 'tC'], t.sent.map(x => [x.form, x.species, tC(x.amount_gC, 6)]), { numeric: [2] })];
}

export async function render(ctx, main) {
  const id = encodeURIComponent(ctx.entity);
  const [transfers, recon] = await Promise.all([all(`/entities/${id}/transfers`), api('/reconciliation?limit=1000')]);
  const incoming = transfers.filter(t => t.buyer === ctx.entity);
  const outgoing = transfers.filter(t => t.seller === ctx.entity);
  const pending = incoming.filter(t => t.status === 'pending');
  const inc = section(`Incoming (${pending.length} to decide)`);
  if (!pending.length) inc.append(h('p', {}, 'No transfer is waiting for this entity.'));
  for (const t of pending) {
    const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
    const card = h('article', { class: 'transfer', 'data-transfer': t.id, 'aria-label': `Transfer ${t.id}` },
      h('h3', {}, `${t.item} from ${t.seller}, sale ${t.sale}, ${t.date}`), ...footprint(t));
    if (ctx.canWrite) {
      const item = h('input', { name: 'item', value: t.item, required: true });
      const date = h('input', { name: 'date', type: 'date', value: t.date, required: true });
      const form = h('form', { class: 'decide' }, h('label', {}, 'Book as item ', item), h('label', {}, 'Date ', date),
        h('button', { type: 'submit', class: 'accept' }, 'Accept and book'),
        h('button', { type: 'button', class: 'refuse' }, 'Refuse (the seller books a return)'), status);
      const act = async (path, body) => {
        status.textContent = 'Sending…';
        try {
          await api(`/entities/${id}/transfers/${path}`, { method: 'POST', body });
          status.textContent = path === 'accept' ? 'Accepted: booked in this ledger.' : 'Refused: the seller\'s ledger booked the return.';
          setTimeout(() => location.reload(), 600);
        } catch (e) { status.replaceChildren(problem(e)); }
      };
      form.addEventListener('submit', ev => { ev.preventDefault(); act('accept', { transfer: t.id, item: item.value, date: date.value }); });
      form.querySelector('.refuse').addEventListener('click', () => act('reject', { transfer: t.id, date: date.value }));
      card.append(form);
    } else card.append(h('p', { class: 'muted' }, 'Read-only key: accepting or refusing needs a member key of this entity.'));
    inc.append(card);
  }
  main.append(inc);
  const done = incoming.filter(t => t.status !== 'pending');
  if (done.length) main.append(section('Incoming, settled', table('Settled incoming transfers', ['Transfer', 'Item', 'Date', 'State', 'tC'],
    done.map(t => [t.id, t.item, t.date, t.status, tC(t.sent.reduce((a, x) => a + x.amount_gC, 0), 6)]), { numeric: [4], cls: 'incoming' })));
  main.append(section('Outgoing', outgoing.length
    ? table('Transfers sent', ['Transfer', 'Buyer', 'Item', 'Date', 'State', 'tC'],
      outgoing.map(t => [t.id, t.buyer, t.item, t.date, h('span', { class: `state ${t.status}` }, t.status), tC(t.sent.reduce((a, x) => a + x.amount_gC, 0), 6)]), { numeric: [5], cls: 'outgoing' })
    : h('p', {}, 'This entity sent nothing to another entity of this database.')));
  const mine = recon.items.filter(t => t.buyer === ctx.entity || t.seller === ctx.entity);
  main.append(section('Reconciliation', h('p', {}, recon.mismatches ? h('span', { class: 'bad' }, `✗ ${recon.mismatches} mismatched`) : h('span', { class: 'good' }, '✓ no mismatch'), ` among ${recon.total} transfers this key may see.`),
    table('Both sides of each transfer', ['Transfer', 'State', 'Sent tC', 'Booked tC', 'Match'],
      mine.map(t => [t.id, t.status, tC(t.sent.reduce((a, x) => a + x.amount_gC, 0), 6), t.booked && t.booked.length ? tC(t.booked.reduce((a, x) => a + x.amount_gC, 0), 6) : '—', t.mismatch ? '✗ mismatch' : t.status === 'pending' ? '— pending' : '✓']),
      { numeric: [2, 3], cls: 'recon' })));
}
