// The draw page: strokes on a canvas (pointer events: mouse, pen and touch), sent as PNG to /api/predict?detail=1
// while drawing, one request at a time; the answer fills the bars, the input, the saliency and the feature maps.
'use strict';

const canvas = document.getElementById('canvas');
const pen = canvas.getContext('2d');
const SIDE = 28;
const state = { erasing: false, inked: false, drawing: false, busy: false, dirty: false, last: null };

function clearCanvas() {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, canvas.width, canvas.height);
  state.inked = false;
  showNothing();
}

/** The pointer's position in canvas pixels, whatever size the canvas is shown at. */
function point(event) {
  const box = canvas.getBoundingClientRect();
  return { x: (event.clientX - box.left) * canvas.width / box.width,
           y: (event.clientY - box.top) * canvas.height / box.height };
}

function strokeTo(p) {
  pen.lineCap = 'round';
  pen.lineJoin = 'round';
  pen.strokeStyle = state.erasing ? '#000' : '#fff';
  pen.lineWidth = state.erasing ? 40 : 20;
  pen.beginPath();
  pen.moveTo(state.last.x, state.last.y);
  pen.lineTo(p.x, p.y);
  pen.stroke();
  state.last = p;
  if (!state.erasing) state.inked = true;
  requestPrediction();
}

canvas.addEventListener('pointerdown', event => {
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  state.drawing = true;
  state.last = point(event);
  strokeTo(state.last); // a dot
});
canvas.addEventListener('pointermove', event => {
  if (!state.drawing) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const e of events.length ? events : [event]) strokeTo(point(e));
});
for (const type of ['pointerup', 'pointercancel']) {
  canvas.addEventListener(type, () => {
    state.drawing = false;
    requestPrediction();
  });
}

function setTool(erasing) {
  state.erasing = erasing;
  document.getElementById('pen').classList.toggle('on', !erasing);
  document.getElementById('eraser').classList.toggle('on', erasing);
}
document.getElementById('pen').addEventListener('click', () => setTool(false));
document.getElementById('eraser').addEventListener('click', () => setTool(true));
document.getElementById('clear').addEventListener('click', clearCanvas);

/** Asks for a prediction now, or right after the one in flight: the answer always catches up with the drawing. */
function requestPrediction() {
  if (state.busy) {
    state.dirty = true;
    return;
  }
  state.busy = true;
  state.dirty = false;
  canvas.toBlob(async blob => {
    try {
      if (state.inked) show(await post('/api/predict?detail=1', blob, 'image/png'));
      document.getElementById('error').textContent = '';
    } catch (e) {
      if (/no digit/.test(e.message)) showNothing();
      else document.getElementById('error').textContent = e.message;
    } finally {
      state.busy = false;
      if (state.dirty) requestPrediction();
    }
  }, 'image/png');
}

// ---- the answer ----

const bars = document.getElementById('bars');
const rows = [];
for (let d = 0; d < 10; d++) {
  const fill = html('div', { class: 'fill' });
  const row = { label: html('span', { class: 'label' }, String(d)), fill, value: html('span', { class: 'value' }, '') };
  row.track = html('div', { class: 'track' }, fill);
  bars.append(row.label, row.track, row.value);
  rows.push(row);
}

function showNothing() {
  document.getElementById('digit').textContent = '–';
  document.getElementById('digit').dataset.digit = '';
  document.getElementById('confidence').textContent = 'draw to start';
  rows.forEach(row => {
    row.fill.style.width = '0';
    row.value.textContent = '';
    [row.label, row.track, row.value].forEach(e => e.classList.remove('best'));
  });
  for (const id of ['input', 'saliency']) {
    const c = document.getElementById(id);
    c.getContext('2d').clearRect(0, 0, c.width, c.height);
  }
  document.getElementById('layers').replaceChildren(html('p', { class: 'empty' }, 'Draw a digit to see them.'));
}

function show(answer) {
  if (!state.inked) return showNothing();
  const digit = document.getElementById('digit');
  digit.textContent = answer.digit;
  digit.dataset.digit = answer.digit;
  document.getElementById('confidence').textContent =
      `p = ${(100 * answer.probabilities[answer.digit]).toFixed(1)} %`;
  answer.probabilities.forEach((p, d) => {
    const row = rows[d];
    row.fill.style.width = `${(100 * p).toFixed(2)}%`;
    row.value.textContent = `${(100 * p).toFixed(p > 0.995 || p < 0.001 ? 2 : 1)} %`;
    row.value.title = String(p);
    [row.label, row.track, row.value].forEach(e => e.classList.toggle('best', d === answer.digit));
  });
  paint(document.getElementById('input'), SIDE, SIDE, answer.input, 0, 1);
  const reach = Math.max(...answer.saliency.map(Math.abs)) || 1;
  paintSaliency(document.getElementById('saliency'), answer.saliency, answer.input, reach);
  document.getElementById('saliency-low').textContent = `−${significant(reach, 2)}`;
  document.getElementById('saliency-high').textContent = `+${significant(reach, 2)}`;
  showFeatureMaps(answer.feature_maps);
}

/** Grey levels: `low` black, `high` white. */
function paint(target, width, height, values, low, high, offset = 0) {
  const context = target.getContext('2d');
  const image = context.createImageData(width, height);
  const range = high - low || 1;
  for (let i = 0; i < width * height; i++) {
    const level = Math.round(255 * Math.min(1, Math.max(0, (values[offset + i] - low) / range)));
    image.data.set([level, level, level, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

/** The saliency in red (positive) and blue (negative), full colour at ±reach, over the input in faint grey. */
function paintSaliency(target, saliency, input, reach) {
  const context = target.getContext('2d');
  const image = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const t = Math.max(-1, Math.min(1, saliency[i] / reach));
    const grey = 255 - 80 * input[i];
    const colour = t >= 0 ? [220, 38, 38] : [37, 99, 235];
    const a = Math.abs(t);
    image.data.set([...colour.map(c => Math.round(grey * (1 - a) + c * a)), 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

/** Blue below zero, white at zero, red above; ±reach is full colour. */
function paintDiverging(target, width, height, values, reach, offset = 0) {
  const context = target.getContext('2d');
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const t = Math.max(-1, Math.min(1, values[offset + i] / reach));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    const rgb = t >= 0 ? [255, fade, fade] : [fade, Math.round(99 + 156 * (1 + t)), 255];
    image.data.set([...rgb, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

function showFeatureMaps(maps) {
  const layers = document.getElementById('layers');
  const sections = maps.map(map => {
    const [channels, height, width] = map.shape;
    const scale = Math.max(2, Math.round(52 / height));
    const figures = [];
    for (let c = 0; c < channels; c++) {
      const offset = c * height * width;
      let low = Infinity, high = -Infinity;
      for (let i = 0; i < height * width; i++) {
        low = Math.min(low, map.values[offset + i]);
        high = Math.max(high, map.values[offset + i]);
      }
      const target = html('canvas', { width, height, style: `width:${width * scale}px;height:${height * scale}px` });
      if (low < 0) paintDiverging(target, width, height, map.values, Math.max(-low, high) || 1, offset);
      else paint(target, width, height, map.values, low, high, offset);
      target.title = `channel ${c}: ${significant(low, 3)} … ${significant(high, 3)}`;
      figures.push(html('figure', {}, target, html('figcaption', {}, String(c))));
    }
    const about = `${channels} maps of ${height} × ${width}`;
    return html('div', { class: 'layer' },
        html('h3', {}, map.layer, html('span', { class: 'note' }, about)),
        html('div', { class: 'maps' }, ...figures));
  });
  layers.replaceChildren(...sections);
}

clearCanvas();
