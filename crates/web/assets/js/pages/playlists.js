// Your playlists: the list, and creating one.

import { api, get } from '../api.js';
import { announce, busy, field, h, link, navigate, page } from '../dom.js';

export async function playlists() {
  const lists = await get('/v1/me/playlists?limit=50');
  const form = h('form', { class: 'card row' },
    field('New playlist name', { id: 'new-name', required: true, maxlength: 100 }),
    h('button', { type: 'submit' }, 'Create playlist'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const made = await api('POST', '/v1/me/playlists', { name: form['new-name'].value.trim() });
      announce(`Created ${made.name}.`);
      navigate(`/playlists/${made.id}`);
    });
  });
  const items = lists.items.map((p) => h('li', { class: 'card' },
    link(`/playlists/${p.id}`, p.name),
    h('span', { class: 'muted' }, ` ${p.items.total} songs`,
      p.public ? ' · public' : ' · private', p.collaborative ? ' · collaborative' : '',
      p.composite ? ' · composite' : '')));
  return page('Playlists', form,
    items.length ? h('ul', { class: 'grid', 'aria-label': 'Your playlists' }, items)
      : h('p', { class: 'muted' }, 'No playlists yet: create one above.'));
}
