// One playlist: details (rename, public, collaborative), its items with remove and reorder
// (drag, or the move buttons from the keyboard), and adding songs from search.

import { api, get } from '../api.js';
import { announce, busy, h, page, problem } from '../dom.js';
import { trackList } from '../tracks.js';
import { searchBox } from './search.js';

export async function playlistPage(id) {
  let list = await get(`/v1/playlists/${id}`);
  const me = (await get('/v1/me')).id;
  const mine = list.owner.id === me;
  const editable = mine || list.collaborative;
  const items = h('div', { id: 'items' });
  const count = h('p', { class: 'muted' });

  const reload = async () => {
    try {
      list = await get(`/v1/playlists/${id}`);
      draw();
    } catch (e) { items.replaceChildren(problem(e)); }
  };
  const change = async (method, body, said) => {
    try {
      await api(method, `/v1/playlists/${id}/items`, { ...body, snapshot_id: list.snapshot_id });
      announce(said);
    } catch (e) { announce(e.message); }
    await reload();
  };
  const move = async (from, to, name) => {
    const up = to < from;
    await change('PUT', { range_start: from, insert_before: up ? to : to + 1, range_length: 1 },
      `Moved ${name} to position ${to + 1}.`);
    // Keep the keyboard where it was: on the moved song's button (or its other one at an end).
    const button = (dir) => items.querySelector(`button[aria-label="Move ${CSS.escape(name)} ${dir}"]`);
    const next = button(up ? 'up' : 'down');
    (next && !next.disabled ? next : button(up ? 'down' : 'up'))?.focus();
  };

  function draw() {
    const rows = list.items.items.filter((i) => i.track);
    count.textContent = `${list.items.total} songs`;
    items.replaceChildren(trackList(`Songs in ${list.name}`, rows.map((item, i) => ({
      track: item.track,
      actions: editable ? [
        h('button', { type: 'button', class: 'small', disabled: i === 0, 'aria-label': `Move ${item.track.name} up`, onclick: () => move(i, i - 1, item.track.name) }, '↑'),
        h('button', { type: 'button', class: 'small', disabled: i === rows.length - 1, 'aria-label': `Move ${item.track.name} down`, onclick: () => move(i, i + 1, item.track.name) }, '↓'),
        h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${item.track.name}`, onclick: () => change('DELETE', { items: [{ uri: item.track.uri, positions: [i] }] }, `Removed ${item.track.name}.`) }, 'Remove'),
      ] : null,
    })), { numbered: true }));
    if (editable) draggable(items.querySelector('ol'), (from, to) => move(from, to, rows[from].track.name));
  }
  draw();

  const details = mine ? settings(list, reload) : h('p', { class: 'muted' }, `By ${list.owner.display_name || list.owner.id}`);
  const adder = editable ? h('section', { 'aria-labelledby': 'add-h' },
    h('h2', { id: 'add-h' }, 'Add songs'),
    searchBox({ label: 'Find songs to add', target: () => ({ id, name: list.name }), onAdded: reload })) : null;
  return page(list.name, count, details, adder, h('h2', {}, 'In this playlist'), items);
}

function settings(list, reload) {
  const name = h('input', { id: 'pl-name', value: list.name, required: true, maxlength: 100 });
  const form = h('form', { class: 'card row' },
    h('div', { class: 'field' }, h('label', { for: 'pl-name' }, 'Name'), name),
    h('button', { type: 'submit' }, 'Rename'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('PUT', `/v1/playlists/${list.id}`, { name: name.value.trim() });
      announce('Renamed.');
      await reload();
      document.querySelector('h1').textContent = name.value.trim();
    });
  });
  const toggle = (key, label) => {
    const box = h('input', { type: 'checkbox', id: `pl-${key}`, checked: list[key] });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        await api('PUT', `/v1/playlists/${list.id}`, { [key]: box.checked });
        announce(`${label}: ${box.checked ? 'on' : 'off'}.`);
      } catch (e) {
        box.checked = !box.checked;
        announce(e.message);
      }
      box.disabled = false;
    });
    return h('div', { class: 'check' }, box, h('label', { for: `pl-${key}` }, label));
  };
  return h('div', { class: 'settings' }, form,
    h('fieldset', { class: 'card' }, h('legend', {}, 'Sharing'),
      toggle('public', 'Public (listed on your profile)'),
      toggle('collaborative', 'Collaborative (people you invite can edit)')));
}

/** Drag to reorder the rows of `ol`; `moved(from, to)` is called with positions. */
function draggable(ol, moved) {
  if (!ol) return;
  let from = null;
  [...ol.children].forEach((li, i) => {
    li.draggable = true;
    li.addEventListener('dragstart', (e) => {
      from = i;
      li.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', li.querySelector('a').textContent); // Firefox starts no drag without data
    });
    li.addEventListener('dragend', () => li.classList.remove('dragging'));
    li.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; li.classList.add('over'); });
    li.addEventListener('dragleave', () => li.classList.remove('over'));
    li.addEventListener('drop', (e) => {
      e.preventDefault();
      li.classList.remove('over');
      if (from !== null && from !== i) moved(from, i);
      from = null;
    });
  });
}
