// API tokens on the account page: make a named token (its secret shown once, to copy), see
// each token's last use, revoke one.

import { api, get } from '../api.js';
import { announce, busy, field, h, problem } from '../dom.js';

const when = (at) => (at ? new Date(at).toLocaleString() : 'never');

export async function tokensSection() {
  const list = h('div', { id: 'tokens' });
  const secret = h('div', { id: 'new-token', 'aria-live': 'polite' });
  const draw = async () => {
    try {
      const { items } = await get('/v1/me/tokens');
      list.replaceChildren(items.length
        ? h('table', {},
          h('caption', { class: 'muted' }, 'Your API tokens'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Made'),
            h('th', { scope: 'col' }, 'Last used'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, items.map((t) => h('tr', {},
            h('td', {}, t.name || '(no name)'), h('td', {}, when(t.created_at)), h('td', {}, when(t.last_used_at)),
            h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': `Revoke ${t.name || 'token'}`,
              onclick: (e) => revoke(e.currentTarget, t) }, 'Revoke'))))))
        : h('p', { class: 'muted' }, 'No API tokens yet.'));
    } catch (e) {
      list.replaceChildren(problem(e));
    }
  };
  const revoke = async (button, t) => {
    button.disabled = true;
    try {
      await api('DELETE', `/v1/me/tokens/${t.id}`);
      announce(`Revoked ${t.name}. Requests with it are refused from now on.`);
      await draw();
      document.getElementById('token-name').focus();
    } catch (e) {
      button.disabled = false;
      announce(e.message);
    }
  };
  const form = h('form', { class: 'row' },
    field('Token name', { id: 'token-name', required: true, maxlength: 100, placeholder: 'backup script' }),
    h('button', { type: 'submit' }, 'Create token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const made = await api('POST', '/v1/me/tokens', { name: form['token-name'].value });
      form.reset();
      const value = h('input', { id: 'token-secret', readonly: true, value: made.token, class: 'secret', 'aria-describedby': 'token-once' });
      const copy = h('button', { type: 'button', class: 'small' }, 'Copy');
      copy.addEventListener('click', async () => {
        value.select();
        try { await navigator.clipboard.writeText(made.token); announce('Copied.'); } catch { announce('Select the token and copy it.'); }
      });
      secret.replaceChildren(h('div', { class: 'card' },
        h('label', { for: 'token-secret' }, `Your new token “${made.name}”`),
        h('div', { class: 'row' }, value, copy),
        h('p', { id: 'token-once', class: 'muted' }, 'Copy it now: it is shown only this once. Send it as Authorization: Bearer …')));
      value.focus();
      value.select();
      await draw();
    });
  });
  await draw();
  return h('section', { class: 'card', 'aria-labelledby': 'tokens-h' },
    h('h2', { id: 'tokens-h' }, 'API tokens'),
    h('p', { class: 'muted' }, 'For scripts and apps that use the API. Each works until you revoke it.'),
    form, secret, list);
}
