// The interface's entry point: sign-in, the header (entity, period, pages) and the page router.
// Each page module exports `render(ctx, main)`; ctx = {entity, entities, period, periods, canWrite}.
import { api, h, key, setKey, signOut, params, link, periods, canWrite, problem } from './core.js';

const PAGES = [
  ['overview', 'Overview', () => import('./overview.js')],
  ['ledger', 'Ledger', () => import('./ledger.js')],
  ['products', 'Products', () => import('./products.js')],
  ['claims', 'Claims', () => import('./products.js').then(m => ({ render: m.renderClaims }))],
  ['transfers', 'Transfers', () => import('./transfers.js')],
  ['pools', 'Pools & certificates', () => import('./pools.js')],
];

const main = document.getElementById('main');
const top = document.getElementById('top');

function pageName() {
  const p = location.pathname.replace(/^\/ui\/?/, '').replace(/\/$/, '');
  return p || (key() ? 'overview' : 'signin');
}

function signin(message) {
  document.title = 'Sign in · custody';
  const input = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'key-help', spellcheck: 'false' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, message || '');
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-h' },
    h('h1', { id: 'signin-h' }, 'Sign in'),
    h('label', { for: 'key' }, 'API key'),
    input,
    h('p', { id: 'key-help', class: 'help' }, 'The key `custody serve --load` printed (export CUSTODY_KEY=cst_...), or one from `custody key create`. It stays in this browser tab only (sessionStorage) and is sent as a Bearer token; you see exactly what the API lets this key see.'),
    h('button', { type: 'submit' }, 'Sign in'),
    status);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const k = input.value.trim().replace(/^export CUSTODY_KEY=/, '');
    status.textContent = 'Checking the key…';
    try {
      const page = await api('/entities?limit=1000', { withKey: k });
      sessionStorage.clear();
      setKey(k);
      const first = page.items[0];
      location.assign(first ? `/ui/overview?entity=${encodeURIComponent(first.id)}` : '/ui/overview');
    } catch (e) {
      status.textContent = e.status === 401 ? 'This key is not known or was revoked.' : `Could not sign in: ${e.message}`;
      input.focus();
    }
  });
  main.replaceChildren(form);
  input.focus();
}

function header(ctx, current) {
  const nav = h('nav', { 'aria-label': 'Pages' }, h('ul', {}, PAGES.map(([id, label]) =>
    h('li', {}, h('a', { href: link(id), 'aria-current': id === current ? 'page' : undefined }, label)))));
  const entitySel = h('select', { id: 'entity-select', 'aria-label': 'Entity' },
    ctx.entities.map(e => h('option', { value: e.id, selected: e.id === ctx.entity }, `${e.name} (${e.id})`)));
  entitySel.addEventListener('change', () => location.assign(link(current, { entity: entitySel.value, period: null })));
  const periodSel = h('select', { id: 'period-select', 'aria-label': 'Period' },
    h('option', { value: '' }, 'Default period (latest with activity)'),
    ctx.periods.map(p => h('option', { value: p.id, selected: p.id === ctx.period }, `${p.id} (${p.from} to ${p.to})${p.closed ? ', closed' : ''}`)));
  periodSel.addEventListener('change', () => location.assign(link(current, { period: periodSel.value || null })));
  const role = ctx.canWrite ? h('span', { class: 'badge write' }, 'member: may write')
    : h('span', { class: 'badge ro', title: 'This key may read but not change this ledger' }, 'read-only');
  top.replaceChildren(
    h('a', { class: 'brand', href: link('overview') }, 'custody'),
    h('div', { class: 'pickers' }, h('label', {}, 'Entity ', entitySel), h('label', {}, 'Period ', periodSel), role,
      h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out')),
    nav);
}

async function start() {
  const name = pageName();
  if (name === 'signin' || !key()) return signin(name !== 'signin' ? 'Sign in to see this page.' : '');
  const entry = PAGES.find(p => p[0] === name);
  if (!entry) { main.replaceChildren(problem(new Error(`no page ${name}`))); return; }
  try {
    const entities = (await api('/entities?limit=1000')).items;
    const q = params();
    const entity = q.get('entity') || (entities[0] && entities[0].id);
    if (!entity) {
      main.replaceChildren(h('p', {}, 'This key sees no entity. An admin key creates entities and keys; it reads no ledger.'));
      return;
    }
    const ctx = { entity, entities, period: q.get('period') || '', periods: [], canWrite: false };
    [ctx.periods, ctx.canWrite] = await Promise.all([periods(entity).catch(() => []), canWrite(entity)]);
    const ent = entities.find(e => e.id === entity);
    document.title = `${entry[1]} · ${ent ? ent.name : entity} · custody`;
    header(ctx, name);
    const mod = await entry[2]();
    main.replaceChildren(h('h1', {}, `${entry[1]}: `, ent ? ent.name : entity));
    await mod.render(ctx, main);
    main.dataset.ready = 'true';
  } catch (e) {
    main.append(problem(e));
    if (e.status === 403) {
      main.append(h('p', {}, 'This key may not read this ledger: an admin key reads no ledger, a counterparty key sees only the transfers addressed to its entity. ',
        h('a', { href: link('transfers') }, 'Transfers'), ' shows what it may see.'));
    }
    main.dataset.ready = 'error';
  }
}

start();
