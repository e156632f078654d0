// retinaio view: plain JavaScript, no dependencies, no external requests.
'use strict';

const $ = (id) => document.getElementById(id);
const CHUNK = 64;          // frames per /frames request
const MAX_CHUNKS = 48;     // cached chunks (bounded browser memory)

// S is the page state; tests read it through window.retinaio.
const S = {
  sessions: [], info: null, split: 'test', frame: 0, playing: false, speed: 1,
  cell: 0, sem: 'openretina', chunks: new Map(), pending: new Map(),
  fix: {}, images: new Map(), raster: null, avg: null, pred: null, cells: null,
  sortKey: 'var_ratio', sortDir: -1, drawn: -1, rasterRows: 0, errors: [],
  semDiff: { row: -1, col: -1 },
};
window.retinaio = S;

function status(msg) { $('status').textContent = msg; }
function fail(e) { S.errors.push(String(e)); status(String(e)); }

// fetchRetry: a busy server answers 503 with Retry-After (seconds); wait
// and ask again, a few times.
async function fetchRetry(url) {
  for (let i = 0; ; i++) {
    const r = await fetch(url);
    if (r.status !== 503 || i >= 5) return r;
    const s = Math.min(10, Number(r.headers.get('Retry-After')) || 1);
    await new Promise(ok => setTimeout(ok, s * 1000));
  }
}
async function getJSON(url) {
  const r = await fetchRetry(url);
  if (!r.ok) throw new Error(url + ': ' + r.status + ' ' + (await r.text()));
  return r.json();
}
async function getBin(url) {
  const r = await fetchRetry(url);
  if (!r.ok) throw new Error(url + ': ' + r.status);
  const shape = (r.headers.get('X-Shape') || '').split(',').map(Number);
  return { buf: await r.arrayBuffer(), shape };
}
function api(path) {
  const v = S.info ? S.info.version : '';
  return '/api/s/' + encodeURIComponent(S.info.name) + path + (path.includes('?') ? '&' : '?') + 'v=' + encodeURIComponent(v);
}
const nFrames = () => S.split === 'train' ? S.info.train_frames : S.info.test_frames;

// ---- sessions -------------------------------------------------------------
async function loadSessions() {
  S.sessions = await getJSON('/api/sessions');
  const tb = $('sessions').tBodies[0];
  tb.textContent = '';
  for (const s of S.sessions) {
    const tr = tb.insertRow();
    tr.dataset.name = s.name;
    const images = s.has_source ? (s.train_images + ' + ' + s.test_images) : '-';
    const cells = [s.name, s.species || '?', s.cells, s.train_frames, s.test_frames, s.blocks || '-', s.repeats,
      images, s.frame_rate + ' Hz', s.h + ' x ' + s.w];
    for (const c of cells) tr.insertCell().textContent = c;
    tr.addEventListener('click', () => openSession(s.name));
  }
  const want = decodeURIComponent(location.hash.slice(1));
  const first = S.sessions.find((s) => s.name === want) || S.sessions[0];
  if (first) await openSession(first.name);
}

async function openSession(name) {
  status('loading ' + name + ' ...');
  S.playing = false;
  S.info = await getJSON('/api/s/' + encodeURIComponent(name) + '/info');
  S.chunks.clear(); S.pending.clear(); S.fix = {}; S.images.clear();
  S.cells = null; S.frame = 0; S.drawn = -1;
  for (const tr of $('sessions').tBodies[0].rows) tr.classList.toggle('sel', tr.dataset.name === name);
  history.replaceState(null, '', '#' + encodeURIComponent(name));
  $('main').hidden = false;
  const mv = $('movie');
  mv.width = S.info.w; mv.height = S.info.h;
  mv.style.width = Math.min(480, S.info.w * 8) + 'px';
  $('movie-size').textContent = '(' + S.info.h + ' x ' + S.info.w + ', ' + S.info.frame_rate + ' Hz' +
    (S.info.has_norm ? ', shown as source grey levels' : '') + ')';
  $('cell').max = Math.max(0, S.info.cells - 1);
  $('no-source').hidden = S.info.has_source;
  $('source-views').hidden = !S.info.has_source;
  $('pred-legend').hidden = !S.info.has_pred;
  if (S.info.source_error) $('no-source').textContent = 'Source not available: ' + S.info.source_error;
  setSplit(S.split);
  if (S.info.cells > 0) { await selectCell(Math.min(S.cell, S.info.cells - 1)); loadCells(); }
  status(name + ': ' + S.info.cells + ' cells, ' + S.info.train_frames + ' train / ' + S.info.test_frames + ' test frames');
}

// ---- frames ---------------------------------------------------------------
function chunkKey(split, c) { return split + ':' + c; }
function fetchChunk(split, c) {
  const key = chunkKey(split, c);
  if (S.chunks.has(key)) return Promise.resolve(S.chunks.get(key));
  if (S.pending.has(key)) return S.pending.get(key);
  const n = split === 'train' ? S.info.train_frames : S.info.test_frames;
  const from = c * CHUNK, to = Math.min(n, from + CHUNK);
  const p = getBin(api('/frames/' + split + '?from=' + from + '&to=' + to + '&fmt=u8')).then(({ buf }) => {
    const u8 = new Uint8Array(buf);
    S.chunks.set(key, u8);
    S.pending.delete(key);
    if (S.chunks.size > MAX_CHUNKS) S.chunks.delete(S.chunks.keys().next().value);
    return u8;
  }, (e) => { S.pending.delete(key); throw e; });
  S.pending.set(key, p);
  return p;
}
function frameData(k) {
  const u8 = S.chunks.get(chunkKey(S.split, Math.floor(k / CHUNK)));
  if (!u8) return null;
  const hw = S.info.h * S.info.w, off = (k % CHUNK) * hw;
  return u8.subarray(off, off + hw);
}

async function showFrame(k) {
  k = Math.max(0, Math.min(nFrames() - 1, k));
  S.frame = k;
  $('scrub').value = k;
  const c = Math.floor(k / CHUNK);
  if (!frameData(k)) { try { await fetchChunk(S.split, c); } catch (e) { fail(e); return; } }
  if (S.frame !== k) return;
  const nc = Math.ceil(nFrames() / CHUNK);
  if (c + 1 < nc) fetchChunk(S.split, c + 1).catch(fail); // prefetch
  drawMovie(k);
  drawCursor();
  drawSource();
}

function drawMovie(k) {
  const d = frameData(k);
  if (!d) return;
  const cv = $('movie'), ctx = cv.getContext('2d');
  const img = ctx.createImageData(S.info.w, S.info.h);
  for (let i = 0; i < d.length; i++) {
    const j = 4 * i; img.data[j] = img.data[j + 1] = img.data[j + 2] = d[i]; img.data[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  S.drawn = k;
  const t = (k / S.info.frame_rate).toFixed(3);
  $('frame-label').textContent = S.split + ' frame ' + k + ' / ' + (nFrames() - 1) + '   t = ' + t + ' s';
}

function setSplit(sp) {
  S.split = sp;
  $('split').value = sp;
  $('scrub').max = nFrames() - 1;
  S.drawn = -1;
  loadResponses().then(() => showFrame(0));
}

// ---- playback -------------------------------------------------------------
let last = 0, acc = 0;
function tick(ts) {
  if (S.playing && S.info) {
    const dt = last ? (ts - last) / 1000 : 0;
    acc += dt * S.info.frame_rate * S.speed;
    if (acc >= 1) {
      const step = Math.floor(acc);
      const next = S.frame + step;
      if (next >= nFrames()) { S.playing = false; $('play').textContent = 'play'; acc = 0; }
      else if (frameData(next)) { acc -= step; showFrame(next); }
      else { acc = 1; fetchChunk(S.split, Math.floor(next / CHUNK)).catch(fail); }
    }
  }
  last = ts;
  requestAnimationFrame(tick);
}
function setPlaying(p) {
  S.playing = p;
  if (p && S.frame >= nFrames() - 1) showFrame(0);
  $('play').textContent = p ? 'pause' : 'play';
  acc = 0;
}

// ---- source image, screen window, semantics --------------------------------
async function loadFix(split) {
  if (!S.info.has_source) return null;
  if (!S.fix[split]) {
    const { buf } = await getBin(api('/fix/' + split));
    S.fix[split] = new Int32Array(buf);
  }
  return S.fix[split];
}
async function loadImage(split, idx) {
  const key = split + ':' + idx;
  if (S.images.has(key)) return S.images.get(key);
  const { buf, shape } = await getBin(api('/image/' + split + '/' + idx));
  const im = { rows: shape[0], cols: shape[1], pix: new Uint8Array(buf) };
  const oc = document.createElement('canvas');
  oc.width = im.cols; oc.height = im.rows;
  const ictx = oc.getContext('2d'), id = ictx.createImageData(im.cols, im.rows);
  for (let i = 0; i < im.pix.length; i++) {
    const j = 4 * i; id.data[j] = id.data[j + 1] = id.data[j + 2] = im.pix[i]; id.data[j + 3] = 255;
  }
  ictx.putImageData(id, 0, 0);
  im.canvas = oc;
  S.images.set(key, im);
  if (S.images.size > 6) S.images.delete(S.images.keys().next().value);
  return im;
}

// semanticsDiff mirrors viewer.SemanticsDiff: the screen row/column that
// openretina paints with the image's last row/column and MATLAB leaves blank.
function semanticsDiff(x, y) {
  const r = S.info.screen_rows / 2 - y - 1, c = S.info.screen_cols / 2 - x - 1;
  return { row: r >= 0 && r < S.info.screen_rows ? r : -1, col: c >= 0 && c < S.info.screen_cols ? c : -1 };
}

let srcSeq = 0;
async function drawSource() {
  if (!S.info.has_source) return;
  const seq = ++srcSeq, split = S.split, k = S.frame;
  let fx;
  try { fx = await loadFix(split); } catch (e) { fail(e); return; }
  if (!fx || 3 * k + 2 >= fx.length) return;
  const idx = fx[3 * k], x = fx[3 * k + 1], y = fx[3 * k + 2];
  let im;
  try { im = await loadImage(split, idx); } catch (e) { fail(e); return; }
  if (seq !== srcSeq) return;
  const SR = S.info.screen_rows, SC = S.info.screen_cols;
  // source view: union of the image and the screen window, in image pixels
  const wx0 = x - SC / 2, wy0 = y - SR / 2;
  const bx0 = Math.min(0, wx0), by0 = Math.min(0, wy0);
  const bx1 = Math.max(im.cols, wx0 + SC), by1 = Math.max(im.rows, wy0 + SR);
  const cv = $('source'), ctx = cv.getContext('2d');
  const sc = Math.min(cv.width / (bx1 - bx0), cv.height / (by1 - by0));
  ctx.fillStyle = '#333'; ctx.fillRect(0, 0, cv.width, cv.height);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(im.canvas, (0 - bx0) * sc, (0 - by0) * sc, im.cols * sc, im.rows * sc);
  ctx.strokeStyle = '#ffd400'; ctx.lineWidth = 2;
  ctx.strokeRect((wx0 - bx0) * sc, (wy0 - by0) * sc, SC * sc, SR * sc);
  const gx = (x - 1 - bx0) * sc, gy = (y - 1 - by0) * sc;
  ctx.strokeStyle = '#ff2020'; ctx.beginPath();
  ctx.moveTo(gx - 8, gy); ctx.lineTo(gx + 8, gy); ctx.moveTo(gx, gy - 8); ctx.lineTo(gx, gy + 8); ctx.stroke();
  const d = semanticsDiff(x, y);
  S.semDiff = d;
  ctx.strokeStyle = '#ff00ff'; ctx.lineWidth = 1;
  if (d.row >= 0) { const yy = (wy0 + d.row + 0.5 - by0) * sc; ctx.beginPath(); ctx.moveTo((wx0 - bx0) * sc, yy); ctx.lineTo((wx0 + SC - bx0) * sc, yy); ctx.stroke(); }
  if (d.col >= 0) { const xx = (wx0 + d.col + 0.5 - bx0) * sc; ctx.beginPath(); ctx.moveTo(xx, (wy0 - by0) * sc); ctx.lineTo(xx, (wy0 + SR - by0) * sc); ctx.stroke(); }
  drawScreen(im, x, y, d);
  $('fix-label').textContent = 'image ' + idx + ' of ' + (split === 'train' ? S.info.train_images : S.info.test_images) +
    ' (' + im.rows + ' x ' + im.cols + '), gaze x = ' + x + ', y = ' + y;
  const parts = [];
  if (d.row >= 0) parts.push('screen row ' + d.row);
  if (d.col >= 0) parts.push('screen column ' + d.col);
  $('sem-label').textContent = parts.length === 0 ? 'openretina and matlab agree on this frame' :
    'semantics differ at ' + parts.join(' and ') + ': openretina paints the image\'s last ' +
    (d.row >= 0 && d.col >= 0 ? 'row/column' : d.row >= 0 ? 'row' : 'column') + ' there, matlab leaves it blank' +
    ' (showing ' + S.sem + ')';
}

// drawScreen composes the 600x800 screen under the selected semantics.
function drawScreen(im, x, y, d) {
  const SR = S.info.screen_rows, SC = S.info.screen_cols;
  const cv = $('screen'); cv.width = SC; cv.height = SR;
  const ctx = cv.getContext('2d'), out = ctx.createImageData(SC, SR), o = out.data;
  for (let r = 0; r < SR; r++) {
    let ir = r + y - SR / 2;
    if (S.sem === 'openretina' && r === d.row) ir = im.rows - 1;
    for (let c = 0; c < SC; c++) {
      let ic = c + x - SC / 2;
      if (S.sem === 'openretina' && c === d.col) ic = im.cols - 1;
      const j = 4 * (r * SC + c);
      let v = 0;
      if (ir >= 0 && ir < im.rows && ic >= 0 && ic < im.cols) v = im.pix[ir * im.cols + ic];
      o[j] = o[j + 1] = o[j + 2] = v; o[j + 3] = 255;
    }
  }
  ctx.putImageData(out, 0, 0);
  ctx.strokeStyle = 'rgba(255,0,255,0.9)'; ctx.lineWidth = 3;
  if (d.row >= 0) { ctx.strokeRect(0, d.row - 2, SC, 5); }
  if (d.col >= 0) { ctx.strokeRect(d.col - 2, 0, 5, SR); }
}

// ---- responses ------------------------------------------------------------
const rasterCanvas = document.createElement('canvas');
const rateCanvas = document.createElement('canvas');

async function selectCell(n) {
  n = Math.max(0, Math.min(S.info.cells - 1, n | 0));
  S.cell = n;
  $('cell').value = n;
  for (const tr of $('cells').tBodies[0].rows) tr.classList.toggle('sel', Number(tr.dataset.index) === n);
  await loadResponses();
  showMetrics();
}

async function loadResponses() {
  if (!S.info || S.info.cells === 0) return;
  const n = S.cell, split = S.split;
  try {
    S.raster = null; S.pred = null;
    if (split === 'test' && S.info.repeats > 0) {
      const r = await getBin(api('/raster/' + n));
      S.raster = { k: r.shape[0], t: r.shape[1], v: new Float32Array(r.buf) };
    }
    S.avg = new Float32Array((await getBin(api('/avg/' + split + '/' + n))).buf);
    if (split === 'test' && S.info.has_pred) S.pred = new Float32Array((await getBin(api('/pred/' + n))).buf);
  } catch (e) { fail(e); return; }
  if (n !== S.cell || split !== S.split) return;
  drawRaster();
  drawRate();
  drawCursor();
}

function drawRaster() {
  const cv = $('raster');
  const W = cv.width;
  if (!S.raster) {
    S.rasterRows = 0;
    cv.height = 24; cv.dataset.rows = 0;
    const c = cv.getContext('2d'); c.fillStyle = '#fff'; c.fillRect(0, 0, W, 24);
    c.fillStyle = '#777'; c.font = '12px sans-serif';
    c.fillText(S.split === 'train' ? 'training movie: one presentation (no repeats); rate below' : 'no repeats in this file', 8, 16);
    rasterCanvas.width = W; rasterCanvas.height = 24; rasterCanvas.getContext('2d').drawImage(cv, 0, 0);
    return;
  }
  const { k, t, v } = S.raster;
  const rh = Math.max(2, Math.min(6, Math.floor(240 / k)));
  cv.height = k * rh;
  cv.dataset.rows = k; cv.dataset.rowHeight = rh;
  S.rasterRows = k;
  const ctx = cv.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, cv.height);
  ctx.fillStyle = '#000';
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < t; j++) {
      const c = v[i * t + j];
      if (c > 0) {
        const x0 = Math.floor(j * W / t), x1 = Math.max(x0 + 1, Math.floor((j + 1) * W / t));
        ctx.fillRect(x0, i * rh, x1 - x0, rh > 2 ? rh - 1 : rh);
      }
    }
  }
  rasterCanvas.width = W; rasterCanvas.height = cv.height;
  rasterCanvas.getContext('2d').drawImage(cv, 0, 0);
}

function drawRate() {
  const cv = $('rate'), W = cv.width, H = cv.height, ctx = cv.getContext('2d');
  const fr = S.info.frame_rate, a = S.avg, p = S.pred, T = a.length;
  let mx = 1e-9;
  for (let i = 0; i < T; i++) { mx = Math.max(mx, a[i] * fr); if (p && !isNaN(p[i])) mx = Math.max(mx, p[i] * fr); }
  const top = niceCeil(mx), padB = 16, padT = 4;
  const yOf = (v) => padT + (H - padT - padB) * (1 - v * fr / top);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = '#ddd'; ctx.beginPath(); ctx.moveTo(0, yOf(0)); ctx.lineTo(W, yOf(0)); ctx.stroke();
  const line = (arr, col) => {
    ctx.strokeStyle = col; ctx.lineWidth = 1.5; ctx.beginPath();
    let on = false;
    for (let i = 0; i < T; i++) {
      if (isNaN(arr[i])) { on = false; continue; }
      const x = (i + 0.5) * W / T, y = yOf(arr[i]);
      if (on) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      on = true;
    }
    ctx.stroke();
  };
  line(a, '#1e50dc');
  if (p) line(p, '#f08c00');
  ctx.fillStyle = '#444'; ctx.font = '11px sans-serif';
  ctx.fillText(fmt(top) + ' sp/s', 4, 12);
  ctx.fillText('0', 4, yOf(0) - 2);
  const dur = T / fr, step = niceCeil(dur / 8);
  for (let s = 0; s <= dur + 1e-9; s += step) {
    const x = s * fr * W / T;
    ctx.fillRect(x, H - padB, 1, 4);
    ctx.fillText(fmt(s) + ' s', Math.min(W - 30, x + 2), H - 3);
  }
  rateCanvas.width = W; rateCanvas.height = H;
  rateCanvas.getContext('2d').drawImage(cv, 0, 0);
  $('rate-label').textContent = (S.split === 'test' ? 'trial avg' : 'response') + ' (spikes/s)';
}

function drawCursor() {
  if (!S.avg) return;
  const T = S.avg.length;
  for (const [id, bg] of [['raster', rasterCanvas], ['rate', rateCanvas]]) {
    const cv = $(id), ctx = cv.getContext('2d');
    if (bg.width === 0 || bg.height === 0) continue;
    ctx.drawImage(bg, 0, 0);
    const x = Math.floor((S.frame + 0.5) * cv.width / T);
    ctx.fillStyle = '#dc1e1e'; ctx.fillRect(x, 0, 1, cv.height);
  }
}

function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}
function fmt(v) { return v == null ? '-' : Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : Number(v).toPrecision(3); }

// ---- cell table -------------------------------------------------------------
async function loadCells() {
  $('table-note').textContent = '(computing ...)';
  const name = S.info.name;
  let t;
  try { t = await getJSON(api('/cells')); } catch (e) { fail(e); return; }
  if (!S.info || S.info.name !== name) return;
  S.cells = t.cells;
  $('table-note').textContent = '(' + t.cells.length + ' cells; ' + (t.has_pred ? 'FEVE and correlation of the prediction' +
    (t.pred_lag ? ' over the last ' + (S.info.test_frames - t.pred_lag) + ' frames' : '') : 'start with --pred PRED.npz for FEVE and correlation') +
    '; click a header to sort, a row to select)';
  renderCells();
  showMetrics();
}
function renderCells() {
  const key = S.sortKey, dir = S.sortDir;
  const rows = S.cells.slice().sort((a, b) => {
    const x = a[key], y = b[key];
    if (x == null && y == null) return a.index - b.index;
    if (x == null) return 1;
    if (y == null) return -1;
    return (x - y) * dir || a.index - b.index;
  });
  const tb = $('cells').tBodies[0];
  tb.textContent = '';
  for (const c of rows) {
    const tr = tb.insertRow();
    tr.dataset.index = c.index;
    for (const v of [c.index, c.var_ratio, c.feve, c.corr, c.mean_rate]) tr.insertCell().textContent = v === c.index ? v : fmt(v);
    if (c.index === S.cell) tr.classList.add('sel');
  }
  for (const th of $('cells').tHead.rows[0].cells) {
    th.classList.toggle('asc', th.dataset.key === key && dir > 0);
    th.classList.toggle('desc', th.dataset.key === key && dir < 0);
  }
}
function showMetrics() {
  const c = S.cells && S.cells[S.cell];
  if (!c) { $('cell-metrics').textContent = ''; return; }
  $('cell-metrics').textContent = 'reliability (var ratio) ' + fmt(c.var_ratio) +
    (c.var_ratio < 0.15 ? ' (below 0.15: left out of summaries)' : '') +
    '   mean rate ' + fmt(c.mean_rate) + ' sp/s' + (c.feve != null ? '   FEVE ' + fmt(c.feve) + '   correlation ' + fmt(c.corr) : '');
}

// ---- wiring ---------------------------------------------------------------
function wire() {
  $('play').addEventListener('click', () => setPlaying(!S.playing));
  $('back').addEventListener('click', () => { setPlaying(false); showFrame(S.frame - 1); });
  $('fwd').addEventListener('click', () => { setPlaying(false); showFrame(S.frame + 1); });
  $('speed').addEventListener('change', (e) => { S.speed = Number(e.target.value); });
  $('scrub').addEventListener('input', (e) => showFrame(Number(e.target.value)));
  $('split').addEventListener('change', (e) => { setPlaying(false); setSplit(e.target.value); });
  $('semantics').addEventListener('change', (e) => { S.sem = e.target.value; drawSource(); });
  $('cell').addEventListener('change', (e) => selectCell(Number(e.target.value)));
  $('cells').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr'); if (tr) selectCell(Number(tr.dataset.index));
  });
  $('cells').tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th'); if (!th || !S.cells) return;
    const k = th.dataset.key;
    S.sortDir = S.sortKey === k ? -S.sortDir : (k === 'index' ? 1 : -1);
    S.sortKey = k;
    renderCells();
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
    if (e.key === ' ') { e.preventDefault(); setPlaying(!S.playing); }
    if (e.key === 'ArrowRight') showFrame(S.frame + 1);
    if (e.key === 'ArrowLeft') showFrame(S.frame - 1);
  });
  window.addEventListener('error', (e) => S.errors.push(String(e.message)));
}

// Test hooks: the end-to-end test drives the page through these.
S.showFrame = showFrame; S.selectCell = selectCell; S.setPlaying = setPlaying;

wire();
requestAnimationFrame(tick);
loadSessions().then(() => { S.ready = true; }, fail);
