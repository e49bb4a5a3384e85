// Shared by both pages: numbers as the CLI prints them, and JSON requests that report the server's error line.
'use strict';

/** Rounds to `digits` significant digits without trailing zeros, tiny values with an exponent (as SheetReport). */
function significant(value, digits = 6) {
  if (typeof value !== 'number') return String(value); // "NaN" and "Infinity" arrive as strings
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e15) return String(Number(value.toPrecision(digits)));
  const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
  return mantissa.replace(/\.?0+$/, '') + 'e' + parseInt(exponent, 10);
}

/** POSTs `body` and returns the parsed answer; a refusal throws an Error carrying the server's message. */
async function post(url, body, contentType) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  let answer;
  try {
    answer = await response.json();
  } catch (e) {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(answer.error || `the server answered ${response.status}`);
  return answer;
}

/** Names the model that answers, in the header. */
async function showModel() {
  const about = document.getElementById('model');
  if (!about) return;
  try {
    const model = await (await fetch('/api/model')).json();
    about.textContent = `model ${model.model} · ${model.checkpoint}`;
    about.title = model.arch;
  } catch (e) {
    about.textContent = '';
  }
}

/** An SVG element with attributes. */
function svg(tag, attributes = {}, text) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** An HTML element with attributes and children (strings become text). */
function html(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children) element.append(child);
  return element;
}

showModel();
