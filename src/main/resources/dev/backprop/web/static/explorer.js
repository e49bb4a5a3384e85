// The explorer: the worked example's options live in the URL; every change asks POST /api/sheet (the code behind
// `backprop sheet`, so every number here is the CSV's) and draws the answer. Nothing is computed here but layout.
'use strict';

const WEIGHTS = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
const COURSE = {
  i1: '0.05', i2: '0.1', t1: '0.5', t2: '0.5', w: ['0.15', '0.2', '0.25', '0.3', '0.4', '0.45', '0.5', '0.55'],
  biases: false, b1: '0.35', b2: '0.6', trainBiases: false, lr: '0.5', sweep: '0.1,0.2,0.5,0.8,1.0,2.0',
  steps: '100', k: 0, p: 'w5',
};
const MAZUR = { ...COURSE, t1: '0.01', t2: '0.99', biases: true, b1: '0.35', b2: '0.6' };
const COLOURS = ['#1d4ed8', '#c2410c', '#15803d', '#7c3aed', '#0891b2', '#be123c', '#a16207', '#4b5563',
  '#db2777', '#0d9488'];

let state = fromUrl();
let data = null;        // the last answer of /api/sheet
let asked = 0;          // numbers the requests, so that a late answer to an old one is dropped
const undo = [];        // earlier states, newest last

// ---- state <-> URL <-> form ----

function fromUrl() {
  const q = new URLSearchParams(location.search);
  const s = { ...COURSE, w: [...COURSE.w] };
  for (const key of ['i1', 'i2', 't1', 't2', 'lr', 'sweep', 'steps', 'p']) if (q.has(key)) s[key] = q.get(key);
  if (q.has('w')) s.w = q.get('w').split(',');
  if (q.has('b')) [s.b1, s.b2] = q.get('b').split(',');
  s.biases = q.has('b');
  s.trainBiases = q.get('tb') === '1';
  s.k = Math.max(0, parseInt(q.get('k') || '0', 10) || 0);
  return s;
}

function toQuery(s) {
  const q = new URLSearchParams();
  q.set('i1', s.i1); q.set('i2', s.i2); q.set('t1', s.t1); q.set('t2', s.t2);
  q.set('w', s.w.join(','));
  if (s.biases) q.set('b', `${s.b1},${s.b2}`);
  if (s.trainBiases) q.set('tb', '1');
  q.set('lr', s.lr); q.set('sweep', s.sweep); q.set('steps', s.steps); q.set('k', s.k); q.set('p', s.p);
  return q.toString().replaceAll('%2C', ',');
}

const field = id => document.getElementById(id);

function buildWeightFields() {
  const box = field('weights');
  for (const w of WEIGHTS) {
    box.append(html('label', { for: w }, w), html('input', { type: 'text', id: w, 'data-option': 'weights' }));
  }
}

function toForm(s) {
  for (const key of ['i1', 'i2', 't1', 't2', 'b1', 'b2', 'lr', 'sweep', 'steps']) field(key).value = s[key];
  WEIGHTS.forEach((w, i) => { field(w).value = s.w[i] ?? ''; });
  field('biases').checked = s.biases;
  field('train-biases').checked = s.trainBiases;
  field('b1').disabled = field('b2').disabled = field('train-biases').disabled = !s.biases;
}

function fromForm() {
  const s = { ...state };
  for (const key of ['i1', 'i2', 't1', 't2', 'b1', 'b2', 'lr', 'sweep', 'steps']) s[key] = field(key).value.trim();
  s.w = WEIGHTS.map(w => field(w).value.trim());
  s.biases = field('biases').checked;
  s.trainBiases = s.biases && field('train-biases').checked;
  return s;
}

/** Moves to a new state: the old one goes on the undo stack unless `remember` is false. */
function go(next, remember = true) {
  if (remember) undo.push(state);
  state = next;
  history.replaceState(null, '', `?${toQuery(state)}`);
  field('undo').disabled = undo.length === 0;
}

// ---- asking the server ----

/** η first, then the sweep without it: the CLI's --lr list. */
function rates(s) {
  const sweep = s.sweep.split(',').map(x => x.trim()).filter(x => x !== '' && Number(x) !== Number(s.lr));
  return [s.lr, ...sweep];
}

function request(s) {
  const body = {
    lr: rates(s).join(','), steps: s.steps, inputs: `${s.i1},${s.i2}`, targets: `${s.t1},${s.t2}`,
    weights: s.w.join(','), 'train-biases': s.trainBiases,
  };
  if (s.biases) body.biases = `${s.b1},${s.b2}`;
  return body;
}

async function load(s) {
  const ticket = ++asked;
  document.querySelectorAll('input.bad').forEach(e => e.classList.remove('bad'));
  try {
    const answer = await post('/api/sheet', JSON.stringify(request(s)), 'application/json');
    if (ticket !== asked) return;
    data = answer;
    field('form-error').textContent = '';
    render();
  } catch (e) {
    if (ticket !== asked) return;
    field('form-error').textContent = e.message;
    const option = e.message.split(':')[0];
    document.querySelectorAll(`input[data-option="${option}"]`).forEach(input => input.classList.add('bad'));
  }
}

// ---- reading the answer ----

const selected = () => data.trajectories[0];
const column = name => data.columns.indexOf(name);
const value = (name, k = state.k) => selected().rows[k][column(name)];
const parameterIndex = p => data.parameters.indexOf(p);
const steps = () => selected().rows.length - 1;

// ---- drawing ----

function render() {
  state.k = Math.min(state.k, steps());
  if (!data.parameters.includes(state.p)) state.p = 'w5';
  history.replaceState(null, '', `?${toQuery(state)}`);
  const scrub = field('scrub');
  scrub.max = steps();
  scrub.value = state.k;
  field('where').textContent = `step ${state.k} of ${steps()}`;
  field('step').disabled = state.k >= steps();
  field('reset').disabled = state.k === 0;
  field('undo').disabled = undo.length === 0;
  field('network-title').textContent = `The network at step ${state.k}, η = ${selected().lr}`;
  drawDiagram();
  drawChain();
  drawTable();
  drawChart();
}

const NODES = {
  i1: [50, 80], i2: [50, 250], h1: [290, 80], h2: [290, 250], o1: [530, 80], o2: [530, 250],
  E1: [694, 80], E2: [694, 250], E: [694, 165],
};
const BOX = { w: 132, h: 58 };
const WIDTH = { i: 84, E: 160 };
const boxWidth = name => WIDTH[name[0]] || BOX.w;
const EDGES = {
  w1: ['i1', 'h1', 0.5], w2: ['i2', 'h1', 0.26], w3: ['i1', 'h2', 0.26], w4: ['i2', 'h2', 0.5],
  w5: ['h1', 'o1', 0.5], w6: ['h2', 'o1', 0.26], w7: ['h1', 'o2', 0.26], w8: ['h2', 'o2', 0.5],
};
/** The weights on the paths from each parameter to E_total: lit up with it. */
const PATHS = {
  w1: ['w5', 'w7'], w2: ['w5', 'w7'], w3: ['w6', 'w8'], w4: ['w6', 'w8'], b1: ['w5', 'w6', 'w7', 'w8'],
};

function node(name, lines, on) {
  const [x, y] = NODES[name];
  const width = boxWidth(name);
  const group = svg('g', { class: `node${on ? ' on' : ''}`, 'data-node': name });
  group.append(svg('rect', { x: x - width / 2, y: y - BOX.h / 2, width, height: BOX.h, rx: 9 }));
  lines.forEach(([label, number], i) => {
    const text = svg('text', { x: x - width / 2 + 9, y: y - BOX.h / 2 + 23 + 19 * (i + (lines.length === 1 ? 0.5 : 0)),
      'font-size': 13.5 });
    text.append(svg('tspan', { 'font-weight': 600 }, label), svg('tspan', { class: 'mono', dx: 5 },
        `= ${significant(number, 6)}`));
    text.append(svg('title', {}, `${label} = ${number}`));
    group.append(text);
  });
  return group;
}

function drawDiagram() {
  const d = field('diagram');
  d.replaceChildren();
  const on = new Set([state.p, ...(PATHS[state.p] || [])]);
  d.setAttribute('viewBox', `0 40 780 ${data.has_biases ? 300 : 250}`);
  // wires from the outputs to their errors, and the errors to E_total
  for (const [from, to] of [['o1', 'E1'], ['o2', 'E2'], ['E1', 'E'], ['E2', 'E']]) {
    const [x1, y1] = NODES[from];
    const [x2, y2] = NODES[to];
    const vertical = from.startsWith('E');
    const down = y2 > y1 ? 1 : -1;
    d.append(svg('line', {
      x1: vertical ? x1 : x1 + boxWidth(from) / 2, y1: vertical ? y1 + down * BOX.h / 2 : y1,
      x2: vertical ? x2 : x2 - boxWidth(to) / 2, y2: vertical ? y2 - down * BOX.h / 2 : y2,
      stroke: '#cbd5e1', 'stroke-width': 2, 'stroke-dasharray': '4 4',
    }));
  }
  if (data.has_biases) drawBiases(d);
  for (const [w, [from, to, along]] of Object.entries(EDGES)) d.append(edge(w, from, to, along, on));
  const lit = unitsOn();
  d.append(
      node('i1', [['i1', value('i1')]], lit.has('i1')), node('i2', [['i2', value('i2')]], lit.has('i2')),
      node('h1', [['h1', value('h1')], ['a_h1', value('a_h1')]], lit.has('h1')),
      node('h2', [['h2', value('h2')], ['a_h2', value('a_h2')]], lit.has('h2')),
      node('o1', [['o1', value('o1')], ['a_o1', value('a_o1')]], lit.has('o1')),
      node('o2', [['o2', value('o2')], ['a_o2', value('a_o2')]], lit.has('o2')),
      node('E1', [['t1', value('t1')], ['E1', value('E1')]], false),
      node('E2', [['t2', value('t2')], ['E2', value('E2')]], false),
      node('E', [['E_total', value('E_total')]], true));
}

/** The units on the selected parameter's paths, from its chain rule's derivatives. */
function unitsOn() {
  const units = new Set();
  for (const path of data.chain[state.p]) {
    for (const factor of path) for (const unit of factor.derivative.match(/[iho][12]/g) || []) units.add(unit);
  }
  return units;
}

function edge(w, from, to, along, on) {
  const [x1, y1] = NODES[from];
  const [x2, y2] = NODES[to];
  const start = [x1 + boxWidth(from) / 2, y1];
  const end = [x2 - boxWidth(to) / 2, y2];
  const weight = value(w);
  const group = svg('g', { class: `edge${w === state.p ? ' on' : ''}${on.has(w) && w !== state.p ? ' path' : ''}`,
    'data-param': w });
  const line = { x1: start[0], y1: start[1], x2: end[0], y2: end[1] };
  group.append(svg('line', {
    ...line, class: 'wire', stroke: weight >= 0 ? '#64748b' : '#dc2626',
    'stroke-width': 1.2 + 3.5 * Math.min(1, Math.abs(weight)),
  }));
  group.append(svg('line', { ...line, class: 'hit' }));
  const x = start[0] + (end[0] - start[0]) * along;
  const y = start[1] + (end[1] - start[1]) * along;
  const text = `${w} = ${significant(weight, 4)}`;
  const width = 12 + 7.6 * text.length;
  const tag = svg('g', { class: 'tag' });
  tag.append(svg('rect', { x: x - width / 2, y: y - 11, width, height: 22, rx: 11 }),
      svg('text', { x, y: y + 4.5, 'text-anchor': 'middle', 'font-size': 13, class: 'mono' }, text),
      svg('title', {}, `${w} = ${weight}`));
  group.append(tag);
  group.addEventListener('pointerenter', () => select(w));
  group.addEventListener('click', () => select(w));
  return group;
}

function drawBiases(d) {
  for (const [b, units, x] of [['b1', ['h1', 'h2'], 170], ['b2', ['o1', 'o2'], 410]]) {
    const group = svg('g', { class: `edge${b === state.p ? ' on' : ''}`, 'data-param': b });
    for (const unit of units) {
      const [ux, uy] = NODES[unit];
      group.append(svg('line', { x1: x, y1: 322, x2: ux - BOX.w / 2 + 10, y2: uy + BOX.h / 2,
        class: 'wire', stroke: '#a3a3a3', 'stroke-width': 1.5, 'stroke-dasharray': '3 3' }));
    }
    const text = `${b} = ${significant(value(b), 4)}`;
    const width = 12 + 7.6 * text.length;
    const tag = svg('g', { class: 'tag' });
    tag.append(svg('rect', { x: x - width / 2, y: 311, width, height: 22, rx: 11 }),
        svg('text', { x, y: 326.5, 'text-anchor': 'middle', 'font-size': 13, class: 'mono' }, text));
    group.append(tag);
    group.addEventListener('pointerenter', () => select(b));
    group.addEventListener('click', () => select(b));
    d.append(group);
  }
}

function select(p) {
  if (state.p === p) return;
  state.p = p;
  history.replaceState(null, '', `?${toQuery(state)}`);
  drawDiagram();
  drawChain();
  drawTable();
}

/** The units a path passes, read from its derivatives: "through h1 and o2". */
function through(path) {
  const units = [];
  for (const factor of path) {
    for (const unit of factor.derivative.match(/[ho][12]/g) || []) if (!units.includes(unit)) units.push(unit);
  }
  return units.sort().join(' and ');
}

function drawChain() {
  const p = state.p;
  const box = field('chain');
  const symbols = data.chain[p];
  const numbers = selected().steps[state.k].chain[p];
  const g = value(`dE_d${p}`);
  const i = parameterIndex(p);
  const fd = selected().steps[state.k].fd[i];
  const next = selected().steps[state.k].next[i];
  const trained = data.trained.includes(p);
  const children = [html('h2', {}, `∂E_total/∂${p} at step ${state.k}, by the chain rule`)];
  if (symbols.length === 1) {
    children.push(html('div', { class: 'formula' },
        `∂E_total/∂${p} = ${symbols[0].map(f => f.derivative).join(' · ')}`));
  } else {
    children.push(html('p', { class: 'note' }, `${p} reaches E_total along ${symbols.length} paths, so its `
        + `gradient is the sum of ${symbols.length} products of local derivatives, one per path.`));
  }
  symbols.forEach((path, j) => {
    const values = numbers[j];
    const table = html('table', {});
    path.forEach((factor, f) => {
      table.append(html('tr', {},
          html('td', { class: 'op' }, f === 0 ? '' : '·'),
          html('td', { class: 'sym' }, factor.derivative),
          html('td', {}, '='),
          html('td', { class: 'sym' }, factor.formula),
          html('td', {}, '='),
          html('td', { class: 'val', title: String(values[f]) }, significant(values[f]))));
    });
    table.append(html('tr', { class: 'product' },
        html('td', { class: 'op' }, '='), html('td', { colspan: 4, class: 'sym' }, 'product'),
        html('td', { class: 'val', title: String(values[path.length]) }, significant(values[path.length]))));
    if (symbols.length > 1) {
      children.push(html('div', { class: 'path-title' }, `path ${j + 1}: through ${through(path)}`));
    }
    children.push(table);
  });
  const sum = symbols.length > 1
      ? numbers.map(v => significant(v[v.length - 1])).join(' + ').replaceAll('+ -', '− ') + ' = ' : '';
  const eta = value('lr');
  const dl = html('dl', {},
      html('dt', {}, `∂E_total/∂${p}`),
      html('dd', { class: 'result', 'data-value': String(g), title: String(g) }, sum + significant(g, 9)),
      html('dt', {}, 'finite difference'),
      html('dd', { 'data-value': String(fd), title: String(fd) }, significant(fd, 9),
          html('span', { class: 'aside' }, `(E(${p} + h) − E(${p} − h)) / 2h with h = 1e-5, off by `
              + `${significant(Math.abs(fd - g), 2)}`)),
      html('dt', {}, 'update'),
      html('dd', { 'data-value': String(next) }, trained
          ? `${p} − η·g = ${significant(value(p))} − ${eta} × ${significant(g)} = ${significant(next, 9)}`
          : `${p} stays ${significant(value(p))} (biases are not trained)`));
  children.push(dl);
  box.replaceChildren(...children);
}

function drawTable() {
  const table = field('grads');
  const k = state.k;
  field('gradients-title').textContent = `Gradients at step ${k}: the chain rule against finite differences`;
  const head = html('tr', {}, ...['', 'value', '∂E_total/∂p', 'finite difference', '|diff.|',
    `p − η·g, η = ${selected().lr}`].map(t => html('th', {}, t)));
  const rows = data.parameters.map((p, i) => {
    const g = value(`dE_d${p}`);
    const fd = selected().steps[k].fd[i];
    const next = selected().steps[k].next[i];
    const cell = (number, digits = 9, extra = {}) =>
      html('td', { 'data-value': String(number), title: String(number), ...extra }, significant(number, digits));
    const row = html('tr', { 'data-param': p, class: p === state.p ? 'on' : '' },
        html('td', {}, p), cell(value(p), 6), cell(g), cell(fd),
        cell(Math.abs(fd - g), 2, { class: Math.abs(fd - g) < data.check.tolerance ? 'ok' : '' }), cell(next, 6));
    row.addEventListener('pointerenter', () => select(p));
    return row;
  });
  table.replaceChildren(head, ...rows);
  const check = data.check;
  field('check').textContent = `At step 0 the largest |formula − central difference| is `
      + `${significant(check.max_difference, 2)}, ${check.passes ? 'below' : 'NOT below'} the CLI's tolerance `
      + `${significant(check.tolerance, 1)}. E_total at this step: ${significant(value('E_total'), 9)}.`;
}

function drawChart() {
  const chart = field('chart');
  chart.replaceChildren();
  const [left, right, top, bottom] = [56, 460, 12, 238];
  const n = steps();
  let low = Infinity, high = -Infinity;
  const curves = data.trajectories.map(t => t.rows.map(row => row[column('E_total')]));
  for (const curve of curves) {
    for (const e of curve) {
      if (typeof e === 'number' && e > 0) { low = Math.min(low, Math.log10(e)); high = Math.max(high, Math.log10(e)); }
    }
  }
  if (!Number.isFinite(low)) { low = -1; high = 0; }
  low = Math.floor(low);
  high = Math.max(low + 1, Math.ceil(high));
  const x = step => left + (right - left) * step / Math.max(1, n);
  const y = e => bottom - (bottom - top) * (Math.log10(e) - low) / (high - low);
  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  const every = Math.ceil((high - low) / 7);
  for (let p = low; p <= high; p += every) {
    grid.append(svg('line', { x1: left, x2: right, y1: y(10 ** p), y2: y(10 ** p) }));
    axis.append(svg('text', { x: left - 6, y: y(10 ** p) + 4, 'text-anchor': 'end' }, `1e${p}`));
  }
  const tick = Math.max(1, Math.ceil(n / 5 / 10) * 10);
  for (let s = 0; s <= n; s += tick) {
    axis.append(svg('text', { x: x(s), y: bottom + 16, 'text-anchor': 'middle' }, String(s)));
    grid.append(svg('line', { x1: x(s), x2: x(s), y1: top, y2: bottom }));
  }
  axis.append(svg('line', { x1: left, x2: right, y1: bottom, y2: bottom }),
      svg('line', { x1: left, x2: left, y1: top, y2: bottom }),
      svg('text', { x: (left + right) / 2, y: bottom + 30, 'text-anchor': 'middle' }, 'step'),
      svg('text', { x: 12, y: (top + bottom) / 2, transform: `rotate(-90 12 ${(top + bottom) / 2})`,
        'text-anchor': 'middle' }, 'E_total'));
  chart.append(grid, axis);
  const legend = field('legend');
  legend.replaceChildren();
  // the selected rate last, so that it is drawn on top
  const order = data.trajectories.map((t, i) => i).reverse();
  for (const i of order) {
    const t = data.trajectories[i];
    const colour = COLOURS[i % COLOURS.length];
    const points = curves[i]
        .map((e, s) => (typeof e === 'number' && e > 0 ? `${x(s).toFixed(1)},${y(e).toFixed(1)}` : null))
        .filter(point => point !== null);
    chart.append(svg('polyline', { points: points.join(' '), class: `curve${i === 0 ? ' on' : ''}`, stroke: colour,
      'data-lr': t.lr, 'data-values': curves[i].map(String).join(',') }));
  }
  data.trajectories.forEach((t, i) => {
    const item = html('span', { class: i === 0 ? 'on' : '', 'data-lr': t.lr },
        html('i', { style: `background:${COLOURS[i % COLOURS.length]}` }), `η = ${t.lr}`);
    item.addEventListener('click', () => {
      if (i === 0) return;
      go({ ...state, lr: t.lr });
      toForm(state);
      load(state);
    });
    legend.append(item);
  });
  const e = value('E_total');
  if (typeof e === 'number' && e > 0) {
    chart.append(svg('line', { x1: x(state.k), x2: x(state.k), y1: top, y2: bottom, stroke: COLOURS[0],
      'stroke-dasharray': '3 3' }), svg('circle', { cx: x(state.k), cy: y(e), r: 4.5, fill: COLOURS[0] }));
  }
}

// ---- wiring ----

let editing = null;
function edited() {
  clearTimeout(editing);
  editing = setTimeout(() => {
    const next = fromForm();
    if (toQuery(next) === toQuery(state)) return;
    go(next);
    field('b1').disabled = field('b2').disabled = field('train-biases').disabled = !next.biases;
    load(state);
  }, 250);
}

function moveTo(k) {
  if (!data || k === state.k) return;
  go({ ...state, k: Math.max(0, Math.min(steps(), k)) });
  render();
}

function preset(values) {
  go({ ...values, w: [...values.w], k: 0, p: state.p });
  toForm(state);
  load(state);
}

buildWeightFields();
toForm(state);
field('form').addEventListener('input', edited);
field('form').addEventListener('change', edited);
field('step').addEventListener('click', () => moveTo(state.k + 1));
field('reset').addEventListener('click', () => moveTo(0));
field('scrub').addEventListener('input', () => {
  state.k = Number(field('scrub').value); // dragging: one undo entry for the whole move, made on 'change'
  render();
});
let scrubbedFrom = null;
field('scrub').addEventListener('pointerdown', () => { scrubbedFrom = { ...state }; });
field('scrub').addEventListener('change', () => {
  if (scrubbedFrom && scrubbedFrom.k !== state.k) undo.push(scrubbedFrom);
  scrubbedFrom = null;
  render();
});
field('undo').addEventListener('click', () => {
  if (undo.length === 0) return;
  const previous = undo.pop();
  const reload = toQuery({ ...previous, k: 0, p: '' }) !== toQuery({ ...state, k: 0, p: '' });
  go(previous, false);
  toForm(state);
  if (reload) load(state); else render();
});
field('course').addEventListener('click', () => preset(COURSE));
field('mazur').addEventListener('click', () => preset(MAZUR));
field('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    field('copy').textContent = 'Copied';
  } catch (e) {
    field('copy').textContent = 'Copy the address bar';
  }
  setTimeout(() => { field('copy').textContent = 'Copy link'; }, 1500);
});
document.addEventListener('keydown', event => {
  if (event.target.tagName === 'INPUT' && event.target.type === 'text') return;
  if (event.key === 'ArrowRight') moveTo(state.k + 1);
  if (event.key === 'ArrowLeft') moveTo(state.k - 1);
});
field('undo').disabled = true;
load(state);
