// One playlist: details (rename, public, collaborative; following someone else's), its items with remove and reorder
// (drag, or the move buttons from the keyboard), adding songs from search, where a composite's
// items came from, and other people's edits shown as they happen (the page asks for the
// playlist's snapshot every few seconds while it is shown and redraws when it moved).

import { api, get } from '../api.js';
import { announce, busy, h, link, page, problem } from '../dom.js';
import { trackList } from '../tracks.js';
import { searchBox } from './search.js';

const POLL_MS = 3000;

export async function playlistPage(id) {
  let list = await get(`/v1/playlists/${id}`);
  const me = (await get('/v1/me')).id;
  const mine = list.owner.id === me;
  const lists = mine ? (await get('/v1/me/playlists?limit=50')).items : [];
  const composite = !!lists.find((p) => p.id === id)?.composite;
  const names = new Map(lists.map((p) => [`medley:playlist:${p.id}`, p.name]));
  const from = (origin) => {
    if (!origin) return null;
    const sources = origin.sources.map((uri) => names.get(uri) || (uri.includes(':collection') ? 'Spotify Liked Songs' : uri));
    return [origin.direct ? 'added by you' : null, sources.length ? `from ${sources.join(', ')}` : null].filter(Boolean).join(' · ');
  };
  const editable = mine || list.collaborative;
  const items = h('div', { id: 'items' });
  const count = h('p', { class: 'muted' });

  // While a row is dragged, the rows stay as they are: the drop's positions refer to them, and
  // a row replaced under the pointer would lose the drag. A list that arrives meanwhile (a
  // rename's, a sharing change's) is taken at the drop when it holds the same songs in the
  // same order, so that the move names the newest snapshot; then the page reloads.
  let dragging = false;
  let arrived = null;
  const songs = (l) => l.items.items.map((i) => i.track?.uri).join(' ');
  const dragBusy = (on) => {
    dragging = on;
    if (on || !arrived) return;
    if (songs(arrived) === songs(list)) list = arrived;
    arrived = null;
    setTimeout(reload, 0);
  };
  let loads = 0; // only the latest reload is drawn: answers can arrive out of order
  const reload = async () => {
    const load = ++loads;
    try {
      const now = await get(`/v1/playlists/${id}`);
      if (load !== loads) return;
      if (dragging) { arrived = now; return; }
      list = now;
      draw();
    } catch (e) { items.replaceChildren(problem(e)); }
  };
  // Someone else's edit (a collaborator, a source of this composite): redraw when the
  // snapshot moves, unless the listener is dragging or the page is gone.
  const poll = setInterval(async () => {
    if (!document.body.contains(items)) { clearInterval(poll); return; }
    if (document.hidden || dragging) return;
    try {
      const now = await get(`/v1/playlists/${id}`);
      if (now.snapshot_id !== list.snapshot_id && !dragging && document.body.contains(items)) {
        const focused = document.activeElement?.getAttribute('aria-label');
        list = now;
        draw();
        if (focused) items.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
        announce(`${list.name} was changed: ${list.items.total} songs.`);
      }
    } catch { /* the next tick tries again */ }
  }, POLL_MS);
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
      note: from(item.origin),
      actions: editable ? [
        h('span', { class: 'handle', 'aria-hidden': 'true', title: 'Drag to move' }, '⠿'),
        h('button', { type: 'button', class: 'small', disabled: i === 0, 'aria-label': `Move ${item.track.name} up`, onclick: () => move(i, i - 1, item.track.name) }, '↑'),
        h('button', { type: 'button', class: 'small', disabled: i === rows.length - 1, 'aria-label': `Move ${item.track.name} down`, onclick: () => move(i, i + 1, item.track.name) }, '↓'),
        h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${item.track.name}`, onclick: () => change('DELETE', { items: [{ uri: item.track.uri, positions: [i] }] }, `Removed ${item.track.name}.`) }, 'Remove'),
      ] : null,
    })), { numbered: true }));
    if (editable) draggable(items.querySelector('ol'), (a, b) => move(a, b, rows[a].track.name), dragBusy);
  }
  draw();

  const details = mine ? settings(list, reload)
    : h('div', { class: 'row' }, h('p', { class: 'muted' }, `By ${list.owner.display_name || list.owner.id}`), await followButton(list, me));
  const adder = editable ? h('section', { 'aria-labelledby': 'add-h' },
    h('h2', { id: 'add-h' }, 'Add songs'),
    searchBox({ label: 'Find songs to add', target: () => ({ id, name: list.name }), onAdded: reload })) : null;
  const sources = mine ? h('p', {}, link(`/playlists/${id}/sources`, composite ? 'Sources and options' : 'Build it from other playlists'),
    composite ? h('span', { class: 'muted' }, ' · this playlist follows other playlists') : null) : null;
  return page(list.name, count, sources, details, adder, h('h2', {}, 'In this playlist'), items);
}

/** Following someone else's playlist puts it among yours (GET /v1/me/playlists). */
async function followButton(list, me) {
  let following = (await get(`/v1/playlists/${list.id}/followers/contains?ids=${encodeURIComponent(me)}`))[0];
  const button = h('button', { type: 'button', id: 'follow', class: 'secondary' });
  const draw = () => {
    button.textContent = following ? 'Following' : 'Follow';
    button.setAttribute('aria-pressed', String(following));
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(following ? 'DELETE' : 'PUT', `/v1/playlists/${list.id}/followers`, following ? undefined : {});
      following = !following;
      draw();
      announce(following ? `Following ${list.name}: it is among your playlists now.` : `Stopped following ${list.name}.`);
    } catch (e) {
      announce(e.message);
    }
    button.disabled = false;
  });
  draw();
  return button;
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
        await reload(); // a new snapshot: edits after this one must name it
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

/**
 * Drag to reorder the rows of `ol`; `moved(from, to)` is called with positions. Pointer events,
 * not HTML drag and drop, which touch screens do not send: a mouse drags a row from anywhere
 * but its links and buttons, a finger or pen from the row's handle (the only part that does not
 * scroll the page). The keyboard has the move buttons.
 */
function draggable(ol, moved, busy = () => {}) {
  if (!ol) return;
  const rows = [...ol.children];
  const rowAt = (x, y) => rows.indexOf(document.elementFromPoint(x, y)?.closest('li'));
  rows.forEach((li, from) => {
    li.classList.add('movable');
    li.addEventListener('pointerdown', (down) => {
      if (down.button !== 0 || down.target.closest('a, button, input')) return;
      if (down.pointerType !== 'mouse' && !down.target.closest('.handle')) return;
      down.preventDefault();
      li.setPointerCapture(down.pointerId);
      busy(true);
      li.classList.add('dragging');
      let over = -1;
      const mark = (i) => {
        rows[over]?.classList.remove('over');
        over = i === from ? -1 : i;
        rows[over]?.classList.add('over');
      };
      const onMove = (e) => mark(rowAt(e.clientX, e.clientY));
      const finish = (e) => {
        li.removeEventListener('pointermove', onMove);
        li.removeEventListener('pointerup', finish);
        li.removeEventListener('pointercancel', finish);
        li.classList.remove('dragging');
        mark(-1);
        busy(false);
        const to = e.type === 'pointerup' ? rowAt(e.clientX, e.clientY) : -1;
        if (to >= 0 && to !== from) moved(from, to);
      };
      li.addEventListener('pointermove', onMove);
      li.addEventListener('pointerup', finish);
      li.addEventListener('pointercancel', finish);
    });
  });
}
