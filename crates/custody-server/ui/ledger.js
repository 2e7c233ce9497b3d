// Ledger: the ES-1 table of the period and every posted transaction, searchable and paged; each
// line leads to the journal entry that posted it, with its text and its hash in the chain.
import { api, all, h, table, num, report, section, params, link, textDetails } from './core.js';

// Lines per page: 20, or `?rows=N` (1 to 500).
const PAGE = Math.min(500, Math.max(1, Number(new URLSearchParams(location.search).get('rows')) || 20));

/** A searchable, paged list: `rows` [{text, cells}]; renders into a section. */
function pagedTable(id, caption, headers, rows, numeric) {
  const search = h('input', { type: 'search', id: `${id}-search`, 'aria-label': `Search ${caption}`, placeholder: 'Search id, kind, date, text…' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id: `${id}-status` });
  const holder = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption });
  const prev = h('button', { type: 'button', id: `${id}-prev` }, '← Previous');
  const next = h('button', { type: 'button', id: `${id}-next` }, 'Next →');
  let page = 0;
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const hits = q ? rows.filter(r => r.text.toLowerCase().includes(q)) : rows;
    const pages = Math.max(1, Math.ceil(hits.length / PAGE));
    page = Math.min(page, pages - 1);
    holder.replaceChildren(table(caption, headers, hits.slice(page * PAGE, page * PAGE + PAGE).map(r => r.cells), { numeric, cls: id }));
    status.textContent = `${hits.length} of ${rows.length} lines; page ${page + 1} of ${pages}`;
    prev.disabled = page === 0; next.disabled = page >= pages - 1;
  };
  search.addEventListener('input', () => { page = 0; draw(); });
  prev.addEventListener('click', () => { page--; draw(); });
  next.addEventListener('click', () => { page++; draw(); });
  draw();
  return [h('div', { class: 'toolbar' }, h('label', {}, 'Search ', search), prev, next), status, holder];
}

export async function render(ctx, main) {
  const entry = params().get('entry');
  if (entry) return renderEntry(ctx, main, entry);
  const id = encodeURIComponent(ctx.entity);
  const [ledger, txs] = await Promise.all([report(ctx, 'ledger'), all(`/entities/${id}/transactions`)]);
  const used = ledger.columns.filter(c => ledger.rows.some(r => r.amounts_tC[c.code]) || ledger.beginning.amounts_tC[c.code]);
  const entryLink = txId => h('a', { href: link('ledger', { entry: txId }) }, txId);
  const amounts = r => used.map(c => (r.amounts_tC[c.code] ? num(r.amounts_tC[c.code], 3) : ''));
  const es1 = [
    { text: 'beginning', cells: [h('em', {}, 'Beginning balance'), '', '', ...amounts(ledger.beginning)] },
    ...ledger.rows.map(r => ({ text: `${r.id} ${r.date} ${r.kind} ${r.description}`, cells: [entryLink(r.id), r.date, r.description, ...amounts(r)] })),
    { text: 'ending', cells: [h('em', {}, 'Ending balance'), '', '', ...amounts(ledger.ending)] },
  ];
  const headers = ['Transaction', 'Date', 'Description', ...used.map(c => h('abbr', { title: `${c.name} (${c.side})` }, c.code))];
  main.append(section(`Ledger table (ES-1), period ${ledger.period}`,
    h('p', { class: 'help' }, 'Tonnes of carbon by account, stock accounts first, then flow accounts; accounts that stay zero are left out. Hover or focus a column name for the account.'),
    ...pagedTable('es1', `ES-1, period ${ledger.period}`, headers, es1, used.map((_, i) => i + 3)),
    textDetails(ctx, 'ledger')));
  const rows = txs.map(t => ({
    text: `${t.id} ${t.date} ${t.kind} ${t.description} ${t.postings.map(p => `${p.account} ${p.item || ''} ${p.counterparty || ''}`).join(' ')}`,
    cells: [entryLink(t.id), t.date, t.kind, t.description, String(t.postings.length)],
  }));
  main.append(section('Transactions (all periods)',
    ...pagedTable('txs', 'Posted transactions', ['Transaction', 'Date', 'Kind', 'Description', 'Postings'], rows, [4])));
}

async function renderEntry(ctx, main, opId) {
  const id = encodeURIComponent(ctx.entity);
  const [entries, txs] = await Promise.all([
    api(`/entities/${id}/entries?operation=${encodeURIComponent(opId)}`),
    all(`/entities/${id}/transactions`),
  ]);
  const tx = txs.find(t => t.id === opId);
  main.append(h('p', {}, h('a', { href: link('ledger', { entry: null }) }, '← Back to the ledger')));
  if (!entries.items.length) { main.append(h('p', {}, `No journal entry posted ${opId}.`)); return; }
  for (const e of entries.items) {
    main.append(section(`Journal entry ${e.seq}: ${opId}`,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Hash'), h('dd', {}, h('code', { class: 'hash', id: 'entry-hash' }, e.hash)),
        h('dt', {}, 'Previous hash'), h('dd', {}, h('code', { class: 'hash' }, e.prev_hash)),
        h('dt', {}, 'Sequence'), h('dd', {}, String(e.seq))),
      h('p', { class: 'help' }, 'The hash is SHA-256 over the previous hash, the entry text and the transaction text, each followed by a newline but the last; `custody verify` recomputes every one.'),
      h('h3', {}, 'As submitted (journal text)'), h('pre', { class: 'text', id: 'entry-text' }, e.text),
      e.transaction ? [h('h3', {}, 'Transaction posted'), h('pre', { class: 'text' }, e.transaction)] : ''));
  }
  if (tx) {
    main.append(section('Postings',
      table(`${tx.id}, ${tx.date}, ${tx.kind}`, ['Account', 'Species', 'g (carbon)', 'Item', 'Lot', 'Site', 'Origin', 'Counterparty'],
        tx.postings.map(p => [p.account, p.species, num(p.amount_gC, 0), p.item || '', p.lot || '', p.site || '', p.origin || '', p.counterparty || '']), { numeric: [2] })));
  }
}
