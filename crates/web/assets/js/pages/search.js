// Search as you type: tracks, artists and albums; tracks can be added to a playlist.

import { api, get, q } from '../api.js';
import { announce, h, link, page, problem } from '../dom.js';
import { trackList } from '../tracks.js';

/**
 * The search box and its results. `target()` names the playlist tracks are added to
 * ({id, name} or null: no add buttons).
 */
export function searchBox({ label = 'Search', target = () => null, onAdded = () => {} } = {}) {
  const input = h('input', {
    id: 'q', type: 'search', autocomplete: 'off', placeholder: 'Songs, artists, albums',
    'aria-controls': 'results',
  });
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  let seq = 0;
  let timer;
  const run = async () => {
    const text = input.value.trim();
    const mine = ++seq;
    if (!text) { results.replaceChildren(); return; }
    results.setAttribute('aria-busy', 'true');
    try {
      const found = await get(`/v1/search?q=${q(text)}&type=track,artist,album&limit=8`);
      if (mine === seq) results.replaceChildren(...render(found, target, onAdded));
    } catch (e) {
      if (mine === seq) results.replaceChildren(problem(e));
    }
    results.removeAttribute('aria-busy');
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  return h('div', { class: 'search', role: 'search' },
    h('label', { for: 'q' }, label), input, results);
}

function render(found, target, onAdded) {
  const tracks = found.tracks?.items || [];
  const artistsFound = found.artists?.items || [];
  const albums = found.albums?.items || [];
  if (!tracks.length && !artistsFound.length && !albums.length) {
    return [h('p', { class: 'muted' }, 'No matches.')];
  }
  const add = (track) => {
    const playlist = target();
    if (!playlist) return null;
    const button = h('button', { type: 'button', class: 'small', 'aria-label': `Add ${track.name} to ${playlist.name}` }, 'Add');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api('POST', `/v1/playlists/${playlist.id}/items`, { uris: [track.uri] });
        announce(`Added ${track.name} to ${playlist.name}.`);
        onAdded(track);
      } catch (e) {
        announce(e.message);
      }
      button.disabled = false;
    });
    return button;
  };
  return [
    tracks.length ? [h('h2', {}, 'Songs'), trackList('Songs found', tracks.map((track) => ({ track, actions: add(track) })))] : null,
    artistsFound.length ? [h('h2', {}, 'Artists'), h('ul', { class: 'chips' }, artistsFound.map((a) => h('li', {}, link(`/artists/${a.id}`, a.name))))] : null,
    albums.length ? [h('h2', {}, 'Albums'), h('ul', { class: 'chips' }, albums.map((a) => h('li', {}, link(`/albums/${a.id}`, a.name))))] : null,
  ].flat().filter(Boolean);
}

/** Playlists the user may add to: their own and those they collaborate on. */
export async function editable() {
  const mine = await get('/v1/me/playlists?limit=50');
  const me = (await get('/v1/me')).id;
  return mine.items.filter((p) => (p.owner.id === me || p.collaborative) && !p.composite);
}

export async function search() {
  const lists = await editable();
  const select = h('select', { id: 'target' },
    h('option', { value: '' }, 'None'),
    lists.map((p) => h('option', { value: p.id }, p.name)));
  const target = () => {
    const p = lists.find((l) => l.id === select.value);
    return p ? { id: p.id, name: p.name } : null;
  };
  const box = searchBox({ target });
  select.addEventListener('change', () => box.querySelector('input').dispatchEvent(new Event('input')));
  return page('Search',
    lists.length ? h('div', { class: 'field inline' }, h('label', { for: 'target' }, 'Add songs to playlist'), select) : null,
    box);
}
