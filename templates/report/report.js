// hgframe report: the filters, and their state in the URL.
//
// The state is read from the fragment, or from the query string when there
// is no fragment, and written back to the fragment alone (the query
// dropped) as it changes, so that a link shows what its sender saw, and a
// filter that came in the query can be taken off:
//   #text=header&tag=server&impl=hg47&verdict=failed,broken&open=codec/header/x
// The script only shows, hides and opens what the page holds; it never
// writes markup.
(function () {
  'use strict';
  const byId = (id) => document.getElementById(id);
  const text = byId('f-text');
  const tag = byId('f-tag');
  const impl = byId('f-impl');
  const shown = byId('shown');
  const boxes = Array.from(document.querySelectorAll('#f-verdict input'));
  const vectors = Array.from(document.querySelectorAll('details.vector'));
  const areas = Array.from(document.querySelectorAll('section.area'));
  let opened = '';
  // Verdicts named in the URL that no checkbox offers: they still filter
  // (and match nothing), so that a link never shows more than it says.
  let unknown = [];

  const verdicts = () => boxes.filter((b) => b.checked).map((b) => b.value).concat(unknown);

  function cellsOf(row, column) {
    return Array.from(row.querySelectorAll(':scope > summary .cell'))
      .filter((c) => !column || c.dataset.impl === column)
      .map((c) => c.dataset.verdict);
  }

  // A row's tags: a JSON array (a tag may hold spaces).
  function tagsOf(row) {
    try {
      const tags = JSON.parse(row.dataset.tags || '[]');
      return Array.isArray(tags) ? tags : [];
    } catch (e) {
      return [];
    }
  }

  function matches(row, want, words, g, column) {
    if (words && !row.dataset.search.includes(words)) return false;
    if (g && !tagsOf(row).includes(g)) return false;
    const cells = cellsOf(row, column);
    if (want.length) return cells.some((v) => want.includes(v));
    return !column || cells.some((v) => v !== 'not-run');
  }

  function filter() {
    const want = verdicts();
    const words = text.value.trim().toLowerCase();
    let n = 0;
    for (const row of vectors) {
      const ok = matches(row, want, words, tag.value, impl.value);
      row.hidden = !ok;
      if (ok) n += 1;
    }
    for (const area of areas) {
      area.hidden = !area.querySelector('details.vector:not([hidden])');
    }
    shown.textContent = n + ' of ' + vectors.length + ' vectors shown';
    shown.dataset.shown = String(n);
  }

  function state() {
    const p = new URLSearchParams();
    if (text.value) p.set('text', text.value);
    if (tag.value) p.set('tag', tag.value);
    if (impl.value) p.set('impl', impl.value);
    const want = verdicts();
    if (want.length) p.set('verdict', want.join(','));
    if (opened) p.set('open', opened);
    return p.toString();
  }

  function save() {
    const s = state();
    // The page without its query or fragment (location.origin is "null"
    // from file://).
    const base = location.href.split('#')[0].split('?')[0];
    history.replaceState(null, '', s ? base + '#' + s : base);
  }

  // A select's value; a value it does not offer is added, so that the
  // filter shows what the link asked for (and no row has it).
  function choose(select, value) {
    if (value && !Array.from(select.options).some((o) => o.value === value)) {
      select.add(new Option(value + ' (none)', value));
    }
    select.value = value;
  }

  function load() {
    // The fragment says everything: a verdict of the query is not added
    // to a fragment that names none.
    const p = new URLSearchParams(location.hash ? location.hash.slice(1) : location.search);
    text.value = p.get('text') || '';
    choose(tag, p.get('tag') || '');
    choose(impl, p.get('impl') || '');
    const want = (p.get('verdict') || '').split(',').filter(Boolean);
    for (const b of boxes) b.checked = want.includes(b.value);
    unknown = want.filter((v) => !boxes.some((b) => b.value === v));
    filter();
    opened = p.get('open') || '';
    const panel = opened && byId('vector:' + opened);
    if (panel) {
      panel.open = true;
      panel.querySelector('summary').scrollIntoView({ block: 'nearest' });
    }
  }

  for (const control of [text, tag, impl].concat(boxes)) {
    control.addEventListener('input', () => {
      if (boxes.includes(control)) unknown = [];
      filter();
      save();
    });
  }
  byId('filters').addEventListener('submit', (e) => e.preventDefault());
  // Clear resets the controls itself: its link, '#', would keep a
  // filter of the query.
  byId('f-clear').addEventListener('click', (e) => {
    e.preventDefault();
    text.value = '';
    choose(tag, '');
    choose(impl, '');
    for (const b of boxes) b.checked = false;
    unknown = [];
    filter();
    save();
  });
  for (const row of vectors) {
    row.addEventListener('toggle', () => {
      if (row.open) opened = row.dataset.id;
      else if (opened === row.dataset.id) opened = '';
      save();
    });
  }
  window.addEventListener('hashchange', load);
  load();
})();
