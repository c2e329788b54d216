// Importing listening history: upload my_spotify_data.zip (or one of its JSON files, or a
// ListenBrainz export) with a progress bar, then follow the import on the server and read its
// report: every row accounted for.

import { get, session } from '../api.js';
import { h, page, problem } from '../dom.js';

const pct = (n) => `${Math.floor(n)}%`;

/** Sends `file` with XMLHttpRequest, whose upload progress fetch cannot report. */
function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/me/imports?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (session.csrf) xhr.setRequestHeader('X-CSRF-Token', session.csrf);
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new Error((body && (body.detail || body.error?.message)) || `The server answered ${xhr.status}.`));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload was cut off: check your connection and try again.')));
    xhr.send(file);
  });
}

function report(imp) {
  if (imp.status === 'failed') return h('p', { class: 'error', role: 'alert' }, `The import failed: ${imp.error || 'no reason given'}. Nothing from it was kept.`);
  const r = imp.report;
  if (!r) return null;
  const t = r.totals;
  return h('div', { class: 'report' },
    h('p', { class: 'lead' }, `${t.added} plays added, ${t.duplicate} already there, ${t.replaced} replaced a less precise copy, ${t.skipped} skipped, ${t.rejected} rejected — from ${t.rows} rows in ${t.files_imported} of ${t.files} files.`),
    h('table', {}, h('caption', { class: 'muted' }, 'Files'),
      h('thead', {}, h('tr', {}, ['File', 'Result', 'Rows', 'Added', 'Duplicates', 'Skipped', 'Rejected'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, r.files.map((f) => h('tr', {},
        h('td', {}, f.name), h('td', {}, f.reason ? `${f.status}: ${f.reason}` : f.status), h('td', {}, String(f.rows ?? 0)),
        h('td', {}, String(f.added ?? 0)), h('td', {}, String(f.duplicate ?? 0)),
        h('td', {}, Object.entries(f.skipped || {}).map(([why, n]) => `${n} ${why}`).join(', ') || '0'),
        h('td', {}, String(f.rejected ?? 0)))))),
    r.files.some((f) => (f.rejected_rows || []).length)
      ? h('details', {}, h('summary', {}, 'Rejected rows'), h('ul', {}, r.files.flatMap((f) => (f.rejected_rows || []).map((row) =>
        h('li', {}, `${f.name}, record ${row.record ?? '?'} (line ${row.line ?? '?'}): ${row.error}`)))))
      : null);
}

export async function imports() {
  const file = h('input', { id: 'export-file', type: 'file', accept: '.zip,.json,.jsonl,application/zip,application/json', required: true });
  const bar = h('progress', { id: 'upload-progress', max: '100', value: '0', 'aria-labelledby': 'upload-label' });
  const barText = h('span', { id: 'upload-label' }, 'Upload');
  const progress = h('div', { class: 'field', hidden: true }, barText, bar);
  const outcome = h('div', { id: 'import-outcome', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Upload and import');
  const form = h('form', { class: 'card' },
    h('div', { class: 'field' }, h('label', { for: 'export-file' }, 'Your export (my_spotify_data.zip, a JSON file from it, or a ListenBrainz export)'), file),
    button, progress, outcome);
  const follow = async (imp) => {
    let current = imp;
    while (current.status === 'running') {
      barText.textContent = `Importing: ${pct(current.progress.percent)} (${current.progress.rows_done} rows)`;
      bar.value = current.progress.percent;
      await new Promise((r) => { setTimeout(r, 400); });
      current = await get(`/v1/me/imports/${current.id}`);
    }
    bar.value = 100;
    barText.textContent = current.status === 'done' ? 'Imported' : 'Failed';
    outcome.replaceChildren(h('h2', { tabindex: '-1' }, `Report for ${current.name}`), report(current));
    outcome.querySelector('h2').focus();
    await drawPast();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    button.disabled = true;
    progress.hidden = false;
    outcome.replaceChildren();
    bar.value = 0;
    barText.textContent = `Uploading ${chosen.name}: 0%`;
    try {
      const imp = await upload(chosen, (done, total) => {
        bar.value = (100 * done) / total;
        barText.textContent = `Uploading ${chosen.name}: ${pct((100 * done) / total)}`;
      });
      await follow(imp);
    } catch (e) {
      barText.textContent = 'Not imported';
      outcome.replaceChildren(problem(e));
    }
    button.disabled = false;
  });
  const past = h('div', { id: 'past-imports' });
  const drawPast = async () => {
    const list = await get('/v1/me/imports');
    const items = Array.isArray(list) ? list : list.items || [];
    past.replaceChildren(items.length
      ? h('ul', { class: 'plain', 'aria-label': 'Earlier imports' }, items.map((imp) => h('li', { class: 'card' },
        h('strong', {}, imp.name), h('span', { class: 'muted' }, ` · ${new Date(imp.created_at).toLocaleString()} · ${imp.status}`),
        imp.report ? h('details', {}, h('summary', {}, 'Report'), report(imp)) : imp.status === 'failed' ? report(imp) : null)))
      : h('p', { class: 'muted' }, 'No imports yet.'));
  };
  await drawPast();
  return page('Import listening history',
    h('p', { class: 'muted' }, 'Ask Spotify for your data on its privacy page; it sends you my_spotify_data.zip. Upload it here as it is. Importing the same file again adds nothing.'),
    form, h('h2', {}, 'Earlier imports'), past);
}
