// The Spotify connection: connect through Spotify's consent page (the server sends the browser
// there and Spotify sends it back), see each account's state and the requests Medley made for
// it, disconnect.

import { api, get } from '../api.js';
import { announce, h, page, problem } from '../dom.js';

const STATES = {
  active: 'Connected',
  paused: 'Paused',
  reconnect: 'Connect again: Spotify no longer accepts this link (it expires after six months, or access was removed)',
};

export async function spotifyPage() {
  let data;
  try {
    data = await get('/v1/connections');
  } catch (e) {
    if (e.status === 503) {
      return page('Spotify', h('p', {}, 'This server is not set up to talk to Spotify.'),
        h('p', { class: 'muted' }, `${e.message} An administrator can set it up (see the operations guide).`));
    }
    throw e;
  }
  const connect = h('button', { type: 'button' }, data.items.length ? 'Connect another Spotify account' : 'Connect Spotify');
  connect.addEventListener('click', async () => {
    connect.disabled = true;
    connect.after(h('span', { class: 'spinner', role: 'img', 'aria-label': 'Opening Spotify' }));
    try {
      const { authorize_url: url } = await api('POST', '/v1/connections/spotify');
      announce('Opening Spotify…');
      location.assign(url);
    } catch (e) {
      connect.disabled = false;
      connect.nextSibling?.remove();
      connect.after(problem(e));
    }
  });
  const accounts = data.items.map((c) => {
    const state = STATES[c.state] || c.state;
    const until = c.paused_until ? ` until ${new Date(c.paused_until).toLocaleString()}` : '';
    const disconnect = h('button', { type: 'button', class: 'small', 'aria-label': `Disconnect ${c.account.display_name || c.account.id}` }, 'Disconnect');
    disconnect.addEventListener('click', async () => {
      disconnect.disabled = true;
      try {
        await api('DELETE', `/v1/connections/${c.id}`);
        announce(`Disconnected ${c.account.display_name || c.account.id}. Its tokens are deleted.`);
        window.dispatchEvent(new Event('medley:navigate'));
      } catch (e) {
        disconnect.disabled = false;
        announce(e.message);
      }
    });
    return h('li', { class: 'card' },
      h('h2', {}, c.account.display_name || c.account.id),
      h('p', { class: c.state === 'active' ? 'ok' : 'error' }, `${state}${c.state === 'paused' ? until : ''}${c.reason ? ` (${c.reason})` : ''}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Spotify account'), h('dd', {}, c.account.uri || c.account.id),
        h('dt', {}, 'Requests in the last 24 hours'), h('dd', {}, String(c.requests_24h)),
        h('dt', {}, 'Connected'), h('dd', {}, new Date(c.connected_at).toLocaleString()),
        h('dt', {}, 'Permissions'), h('dd', {}, (c.scopes || []).join(', ') || '—')),
      c.state === 'reconnect' ? h('p', {}, 'Use the button above to connect it again; its sync jobs resume by themselves.') : null,
      disconnect);
  });
  const app = data.app;
  return page('Spotify',
    h('p', { class: 'muted' }, 'Connect your Spotify account to use its playlists and Liked Songs as sources, write composites to it, and keep your statistics current.'),
    h('p', { class: 'row' }, connect),
    accounts.length ? h('ul', { class: 'plain', 'aria-label': 'Connected accounts' }, accounts) : h('p', { class: 'muted' }, 'No Spotify account connected.'),
    app ? h('p', { class: 'muted' }, `This server's Spotify app made ${app.requests_24h} of its ${app.daily_budget} daily requests in the last 24 hours${app.paused_until ? `; Spotify asked it to wait until ${new Date(app.paused_until).toLocaleString()}` : ''}.`) : null);
}
