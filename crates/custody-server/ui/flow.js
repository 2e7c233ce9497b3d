// The carbon flow of a period, from the `ledger` statement's postings (exact grams of carbon):
// what came in (content bought, upstream emissions by origin), the carbon held as content and as
// emissions, direct emissions (content turned into emissions), capture, products and customers.
// Every node but sources and sinks balances exactly: what enters it leaves it (docs/ui.md).

const NOT_CARBON = new Set(['N2O', 'SF6', 'CO2e']);

const ORIGIN = {
  'raw-materials': 'Upstream: raw materials', electricity: 'Upstream: electricity', fuels: 'Upstream: fuels',
  transport: 'Transport (carrier)', ppe: 'Upstream: equipment', direct: 'Direct', ccs: 'CCS',
};

function bump(map, k, v) { map.set(k, (map.get(k) || 0) + v); }

/** `{nodes: [{id, label, col}], links: [{from, to, gC, kind, label}]}` for a ledger statement. */
export function carbonFlow(ledger) {
  const side = new Map(ledger.columns.map(c => [c.code, c.side]));
  const name = new Map(ledger.columns.map(c => [c.code, c.name]));
  const isContent = code => code.split('.').pop() === 'content';
  let dContent = 0, dEmissions = 0, contentFlows = 0;
  const bought = new Map();        // source id -> gC
  const captured = { gC: 0 };
  const productContent = new Map(); // item -> gC carried out as content
  const productEmissions = new Map();
  const customers = new Map();      // item \u0000 customer -> gC
  const otherIn = new Map(), otherOut = new Map();
  for (const row of ledger.rows) {
    for (const p of row.postings) {
      if (NOT_CARBON.has(p.species)) continue;
      const a = p.amount_gC;
      if (side.get(p.account) === 'stock') {
        if (isContent(p.account)) dContent += a; else dEmissions += a;
        continue;
      }
      if (isContent(p.account)) contentFlows += a;
      if (p.account === 'in.content') bump(bought, 'content', a);
      else if (p.account === 'in.attributed') bump(bought, `origin:${p.origin || 'other'}`, a);
      else if (p.account === 'out.sequestered') captured.gC -= a;
      else if (p.account === 'out.content' || p.account === 'out.emissions') {
        const item = p.item || '(unnamed product)';
        bump(p.account === 'out.content' ? productContent : productEmissions, item, -a);
        bump(customers, `${item}\u0000${p.counterparty || '(unnamed customer)'}`, -a);
      } else bump(a >= 0 ? otherIn : otherOut, p.account, a);
    }
  }
  const direct = contentFlows - dContent; // carbon that left the content accounts for the emission accounts
  const nodes = [], links = [];
  const node = (id, label, col) => { nodes.push({ id, label, col }); return id; };
  const add = (from, to, gC, kind, label) => { if (gC !== 0) links.push({ from, to, gC, kind, label }); };
  const C = node('held:content', 'Content held', 1);
  const E = node('held:emissions', 'Emissions held', 2);
  if (bought.get('content')) add(node('src:content', 'Carbon content bought', 0), C, bought.get('content'), 'bought-content', 'carbon content bought');
  for (const [k, v] of bought) {
    if (k === 'content') continue;
    const origin = k.slice('origin:'.length);
    add(node(`src:${k}`, ORIGIN[origin] || `Upstream: ${origin}`, 0), E, v, 'bought-attributed', `${ORIGIN[origin] || origin} emissions bought`);
  }
  for (const [acct, v] of otherIn) add(node(`src:${acct}`, name.get(acct) || acct, 0), isContent(acct) ? C : E, v, 'other-in', name.get(acct) || acct);
  if (dContent < 0) add(node('src:stock:content', 'Content drawn from stocks', 0), C, -dContent, 'stock-drawn', 'content drawn from opening stocks');
  if (dEmissions < 0) add(node('src:stock:emissions', 'Emissions drawn from stocks (e.g. depreciation)', 0), E, -dEmissions, 'stock-drawn', 'emissions drawn from opening stocks');
  if (direct > 0) add(C, E, direct, 'direct', 'direct emissions, gross (content turned into emissions)');
  if (direct < 0) add(E, C, -direct, 'direct', 'emissions turned back into content');
  if (captured.gC) add(E, node('sink:captured', 'Captured (CCS)', 3), captured.gC, 'captured', 'captured and sent for storage');
  const items = new Set([...productContent.keys(), ...productEmissions.keys()]);
  for (const item of items) {
    const P = node(`product:${item}`, `Sold: ${item}`, 3);
    add(C, P, productContent.get(item) || 0, 'product-content', `carbon content of ${item} sold`);
    add(E, P, productEmissions.get(item) || 0, 'product-emissions', `emissions carried by ${item} sold`);
  }
  const seen = new Set();
  for (const [k, v] of customers) {
    const [item, customer] = k.split('\u0000');
    const id = `customer:${customer}`;
    if (!seen.has(id)) { seen.add(id); node(id, `Customer: ${customer}`, 4); }
    add(`product:${item}`, id, v, 'customer', `${item} to ${customer}`);
  }
  for (const [acct, v] of otherOut) add(isContent(acct) ? C : E, node(`sink:${acct}`, name.get(acct) || acct, 3), -v, 'other-out', name.get(acct) || acct);
  if (dContent > 0) add(C, node('sink:stock:content', 'Content added to stocks', 3), dContent, 'stock-added', 'content added to closing stocks');
  if (dEmissions > 0) add(E, node('sink:stock:emissions', 'Emissions added to stocks', 3), dEmissions, 'stock-added', 'emissions added to closing stocks');
  // A negative flow is drawn the other way round, so every link carries a positive amount.
  for (const l of links) if (l.gC < 0) { [l.from, l.to] = [l.to, l.from]; l.gC = -l.gC; l.label += ' (reversed)'; }
  const used = new Set(links.flatMap(l => [l.from, l.to]));
  return { nodes: nodes.filter(n => used.has(n.id)), links, direct, captured: captured.gC };
}
