// Liked songs.

import { api, get } from '../api.js';
import { announce, h, page } from '../dom.js';
import { trackList } from '../tracks.js';

export async function liked() {
  const saved = await get('/v1/me/tracks?limit=50');
  const holder = h('div');
  const draw = (items) => {
    holder.replaceChildren(trackList('Liked songs', items.map(({ track }) => {
      const remove = h('button', { type: 'button', class: 'small', 'aria-label': `Unlike ${track.name}` }, 'Unlike');
      remove.addEventListener('click', async () => {
        try {
          await api('DELETE', `/v1/me/tracks?ids=${track.id}`);
          announce(`Removed ${track.name} from liked songs.`);
          draw(items.filter((i) => i.track.id !== track.id));
        } catch (e) { announce(e.message); }
      });
      return { track, actions: remove };
    })));
  };
  draw(saved.items);
  return page('Liked songs', h('p', { class: 'muted' }, `${saved.total} songs`), holder);
}
