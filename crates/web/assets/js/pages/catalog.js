// Artist, album and track pages.

import { api, get } from '../api.js';
import { announce, artists, duration, h, link, page } from '../dom.js';
import { trackList } from '../tracks.js';
import { enqueue, playList } from '../player.js';

/** An album's release date, or '' when unknown (the API says `0000` then, as Spotify does). */
const released = (al) => (al.release_date && al.release_date !== '0000' ? al.release_date : '');

export async function artist(id) {
  const [a, albums] = await Promise.all([get(`/v1/artists/${id}`), get(`/v1/artists/${id}/albums?limit=50`)]);
  const facts = [a.country, a.birth_date, a.status].filter(Boolean).join(' · ');
  return page(a.name,
    facts ? h('p', { class: 'muted' }, facts) : null,
    h('h2', {}, 'Albums'),
    albums.items.length
      ? h('ul', { class: 'grid' }, albums.items.map((al) => h('li', { class: 'card' },
        link(`/albums/${al.id}`, al.name), h('span', { class: 'muted' }, ` ${released(al).slice(0, 4)}`))))
      : h('p', { class: 'muted' }, 'No albums.'));
}

export async function album(id) {
  const al = await get(`/v1/albums/${id}`);
  // The player names the album (and shows its artwork) on the lock screen.
  const tracks = al.tracks.items.map((track) => ({ track: { ...track, album: { id: al.id, name: al.name, images: al.images } } }));
  return page(al.name,
    h('p', { class: 'muted' }, artists(al.artists), released(al) ? ` · ${released(al)}` : '',
      ` · ${al.total_tracks} songs`),
    trackList(`Songs on ${al.name}`, tracks, { numbered: true, albums: false }));
}

/** The like button for a track: a toggle that says its state. */
export async function likeButton(track) {
  const [liked] = await get(`/v1/me/tracks/contains?ids=${track.id}`);
  const button = h('button', { type: 'button', 'aria-pressed': String(liked) }, liked ? 'Liked' : 'Like');
  button.addEventListener('click', async () => {
    const now = button.getAttribute('aria-pressed') !== 'true';
    button.disabled = true;
    try {
      await api(now ? 'PUT' : 'DELETE', `/v1/me/tracks?ids=${track.id}`);
      button.setAttribute('aria-pressed', String(now));
      button.textContent = now ? 'Liked' : 'Like';
      announce(now ? `Added ${track.name} to liked songs.` : `Removed ${track.name} from liked songs.`);
    } catch (e) {
      announce(e.message);
    }
    button.disabled = false;
  });
  return button;
}

export async function track(id) {
  const t = await get(`/v1/tracks/${id}`);
  return page(t.name,
    h('p', { class: 'muted' }, artists(t.artists), ' · ', link(`/albums/${t.album.id}`, t.album.name),
      ` · ${duration(t.duration_ms)}`, t.explicit ? ' · explicit' : ''),
    h('p', { class: 'row' },
      h('button', { type: 'button', onclick: () => playList([t]) }, 'Play'),
      h('button', { type: 'button', class: 'secondary', onclick: () => enqueue(t) }, 'Add to queue'),
      await likeButton(t)));
}
